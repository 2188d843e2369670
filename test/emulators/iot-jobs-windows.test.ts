import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectAwsError, type Iot, jobCalls, startIot, thingArn } from './iot-harness';

const MINUTE = 60_000;
let h: Iot;
beforeEach(async () => {
  h = await startIot(); // the clock starts at 2026-01-01T00:00Z
});
afterEach(() => h.close());

const { things, job } = jobCalls(() => h);
const released = (jobId: string) => h.emu.state.jobs.get(jobId)?.executions.size ?? 0;

describe('maintenance windows (schedulingConfig.maintenanceWindows)', () => {
  it('rolls executions out only while a window is open, and continues in the next one', async () => {
    await things('a', 'b', 'c');
    await job('j', [thingArn('a'), thingArn('b'), thingArn('c')], {
      jobExecutionsRolloutConfig: { maximumPerMinute: 2 },
      schedulingConfig: { maintenanceWindows: [{ startTime: 'cron(0 1 * * ? *)', durationInMinutes: 1 }] },
    });
    expect(released('j')).toBe(0);
    h.clock.advanceBy(60 * MINUTE);
    h.emu.sweep();
    expect(released('j')).toBe(2); // 01:00, window open, two per minute
    h.clock.advanceBy(MINUTE);
    h.emu.sweep();
    expect(released('j')).toBe(2); // 01:01, closed
    h.clock.advanceBy(24 * 60 * MINUTE - MINUTE);
    h.emu.sweep();
    expect(released('j')).toBe(3); // next day 01:00
  });

  it('refuses a window that is not a cron expression or too long', async () => {
    await things('a');
    for (const window of [
      { startTime: '0 1 * * ? *', durationInMinutes: 60 },
      { startTime: 'cron(0 1 * * ? *)', durationInMinutes: 1431 },
    ]) {
      await expectAwsError(
        job('bad', [thingArn('a')], { schedulingConfig: { maintenanceWindows: [window] } }),
        'InvalidRequestException',
        400,
      );
    }
  });
});
