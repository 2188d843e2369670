import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecordLog } from '../emulators/common/record-log';
import type { IotCall } from '../emulators/iot';
import { LogFiles } from '../runtime/logs';

/** What a run writes as it goes, in files rather than the heap: function logs and every IoT call. */
export function scratchFiles(logDir: string | undefined) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'fleet-local-'));
  const logs = new LogFiles(logDir ?? path.join(scratch, 'logs'));
  const iotCalls = new RecordLog<IotCall>(path.join(scratch, 'iot-calls.jsonl'));
  return {
    logs,
    iotCalls,
    close() {
      logs.close();
      iotCalls.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
