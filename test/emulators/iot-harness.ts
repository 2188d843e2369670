import { CreateJobCommand, CreateThingCommand, DescribeJobCommand, IoTClient } from '@aws-sdk/client-iot';
import {
  IoTJobsDataPlaneClient,
  type JobExecutionStatus,
  UpdateJobExecutionCommand,
} from '@aws-sdk/client-iot-jobs-data-plane';
import { expect } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { listen } from '../../local/emulators/common/http';
import { FaultInjector, type FaultSettings, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import { createIotEmulator, DEFAULT_IOT_TPS } from '../../local/emulators/iot';

interface PublishedEvent {
  topic: string;
  payload: Record<string, unknown>;
}

/** An emulator on 127.0.0.1 with real SDK clients. Quotas are off unless a test asks for them. */
export async function startIot(opts: { quotas?: boolean; faults?: FaultSettings; start?: number } = {}) {
  const clock = new VirtualClock(opts.start);
  const limiter = new RateLimiter(clock, DEFAULT_IOT_TPS, opts.quotas ?? false);
  const faults = new FaultInjector(seededRandom(7), opts.faults ?? {});
  const events: PublishedEvent[] = [];
  const emu = createIotEmulator({
    clock,
    limiter,
    faults,
    events: (topic, payload) => events.push({ topic, payload }),
  });
  const control = await listen(emu.handler);
  const data = await listen(emu.jobsDataHandler);
  const config = {
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  };
  const iot = new IoTClient({ ...config, endpoint: control.url });
  const jobsData = new IoTJobsDataPlaneClient({ ...config, endpoint: data.url });
  return {
    clock,
    limiter,
    faults,
    events,
    emu,
    iot,
    jobsData,
    controlUrl: control.url,
    async close() {
      iot.destroy();
      jobsData.destroy();
      await control.close();
      await data.close();
    },
  };
}

export type Iot = Awaited<ReturnType<typeof startIot>>;

/** The calls the jobs tests repeat, on whichever emulator `current` returns (a fresh one per test). */
export function jobCalls(current: () => Iot) {
  return {
    async things(...names: string[]) {
      for (const thingName of names) await current().iot.send(new CreateThingCommand({ thingName }));
    },
    job: (jobId: string, targets: string[], extra: Record<string, unknown> = {}) =>
      current().iot.send(new CreateJobCommand({ jobId, targets, document: '{"op":"update"}', ...extra })),
    device: (
      thingName: string,
      jobId: string,
      status: JobExecutionStatus,
      extra: Record<string, unknown> = {},
    ) => current().jobsData.send(new UpdateJobExecutionCommand({ thingName, jobId, status, ...extra })),
    describeJob: async (jobId: string) => (await current().iot.send(new DescribeJobCommand({ jobId }))).job,
  };
}

/** Asserts the SDK surfaced AWS's error name and HTTP status. */
export async function expectAwsError(promise: Promise<unknown>, name: string, status: number) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${name}`).toBeInstanceOf(Error);
  const e = err as Error & { $metadata?: { httpStatusCode?: number } };
  expect({ name: e.name, status: e.$metadata?.httpStatusCode }).toEqual({ name, status });
  return e as Error & Record<string, unknown>;
}

export const ACCOUNT = '123456789012';
export const thingArn = (name: string) => `arn:aws:iot:us-east-1:${ACCOUNT}:thing/${name}`;
export const groupArn = (name: string) => `arn:aws:iot:us-east-1:${ACCOUNT}:thinggroup/${name}`;
