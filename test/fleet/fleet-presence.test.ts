import { CreateJobCommand, CreateThingCommand } from '@aws-sdk/client-iot';
import { afterEach, describe, expect, it } from 'vitest';
import { createCloudWatchEmulator } from '../../local/emulators/cloudwatch/emulator';
import { type Listening, listen } from '../../local/emulators/common/http';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import type { EventEnvelope } from '../../local/emulators/eventbridge/envelope';
import { VirtualFleet } from '../../local/fleet/devices';
import { CRASH_FOR_MS } from '../../local/fleet/health';
import { Timeline } from '../../local/runtime/timeline';
import { parseScenario } from '../../local/scenario/load';
import type { LocalStack } from '../../local/stack';
import { type Iot, startIot } from '../emulators/iot-harness';

/**
 * A VirtualFleet on the IoT and CloudWatch emulators over HTTP, on a virtual clock and the stack's
 * Timeline, without the rest of the stack: the bus is a listener the test calls with the rollout's
 * domain events, and `run` moves time from one due entry to the next until nothing is left.
 */
const cohorts = parseScenario(`
name: t
cohorts:
  - name: rebooting
    match: { model: [a] }
    outcomes: { succeed: 1 }
    latency: { min: 10, max: 10 }
    statusDetails: { selfTest: pass, bootCount: '1' }
    reboot: { min: 60, max: 120 }
  - name: bricked
    match: { model: [b] }
    outcomes: { brickAfterSuccess: 1 }
    latency: { min: 10, max: 10 }
  - name: crashing
    match: { model: [c] }
    outcomes: { crashAfterSuccess: 1 }
    latency: { min: 10, max: 10 }
timeline:
  - { at: 0s, wait: {} }
`).cohorts;
const devices = ['a', 'b', 'c'].map((model) => ({ thingName: `dev-${model}`, attributes: { model } }));

let iot: Iot | undefined;
let cwServer: Listening | undefined;
let fleet: VirtualFleet | undefined;
afterEach(async () => {
  fleet?.stop();
  await iot?.close();
  await cwServer?.close();
});

async function setUp() {
  iot = await startIot();
  const { clock, emu } = iot;
  const cloudWatch = createCloudWatchEmulator({
    clock,
    limiter: new RateLimiter(clock, {}),
    faults: new FaultInjector(seededRandom(3)),
  });
  cwServer = await listen(cloudWatch.handler);
  const jobsEndpoint = await iot.jobsData.config.endpoint?.();
  const endpoints: Record<string, string> = {
    iotJobsData: `http://${jobsEndpoint?.hostname}:${jobsEndpoint?.port}`,
    cloudWatch: cwServer.url,
  };
  const timeline = new Timeline(1);
  let bus: (name: string, event: EventEnvelope) => void = () => undefined;
  const stack = {
    clock,
    timeline,
    services: {
      iot: emu,
      cloudWatch,
      eventBridge: {
        subscribe: (listener: typeof bus) => {
          bus = listener;
          return () => undefined;
        },
      },
    },
    clientConfig: (service: string) => ({
      endpoint: endpoints[service],
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    }),
  } as unknown as LocalStack;
  fleet = new VirtualFleet(stack, cohorts, 7, devices);
  const pending = new Set<Promise<unknown>>();
  /** Runs every due entry, and the work each starts, until `until` or until nothing is left. */
  const run = async (until = Number.POSITIVE_INFINITY) => {
    for (;;) {
      while (pending.size > 0) await Promise.all([...pending]);
      emu.sweep();
      cloudWatch.sweep();
      const next = timeline.nextDue();
      if (next === undefined || next > until) return;
      clock.advanceTo(next);
      timeline.runDue(clock.now(), (result) => {
        if (!(result instanceof Promise)) return;
        pending.add(result);
        void result.finally(() => pending.delete(result));
      });
    }
  };
  const publish = (detailType: string, detail: Record<string, unknown>) =>
    bus('fleet-autopilot-dev', {
      version: '0',
      id: detailType,
      'detail-type': detailType,
      source: 'fleet-autopilot.rollouts',
      account: '000000000000',
      time: new Date(clock.now()).toISOString(),
      region: 'us-east-1',
      resources: [],
      detail,
    } as EventEnvelope);
  for (const d of devices) await iot.iot.send(new CreateThingCommand({ thingName: d.thingName }));
  const targets = devices.map((d) => `arn:aws:iot:us-east-1:000000000000:thing/${d.thingName}`);
  const job = (jobId: string) =>
    iot?.iot.send(new CreateJobCommand({ jobId, targets, document: '{"op":"update"}' }));
  return { clock, emu, cloudWatch, run, publish, job, fleet };
}

/** Presence events per device: [eventType, disconnectReason?, at ms after `t0`]. */
function presence(env: Iot, t0: number): Record<string, [string, string | undefined, number][]> {
  const out: Record<string, [string, string | undefined, number][]> = {};
  for (const { topic, payload } of env.events) {
    const m = /^\$aws\/events\/presence\/(connected|disconnected)\/(.+)$/.exec(topic);
    if (!m?.[2]) continue;
    const reason = payload.disconnectReason as string | undefined;
    const list = out[m[2]] ?? [];
    list.push([String(m[1]), reason, Number(payload.timestamp) - t0]);
    out[m[2]] = list;
  }
  return out;
}

describe('VirtualFleet health after success', () => {
  it('a bricked device drops off for good, a rebooting one comes back, a crashing one reports crashes', async () => {
    const { clock, emu, run, publish, job, fleet } = await setUp();
    const t0 = clock.now();
    await job('r1-s0');
    publish('RolloutCreated', { rolloutId: 'r1', name: 'fw' });
    publish('RolloutStageStarted', { rolloutId: 'r1', jobId: 'r1-s0', stageIndex: 0 });
    await run(t0 + 10 * 60_000);
    const exec = (jobId: string, thing: string) => emu.state.jobs.get(jobId)?.executions.get(thing);
    for (const d of devices) expect(exec('r1-s0', d.thingName)?.status).toBe('SUCCEEDED');
    expect(exec('r1-s0', 'dev-a')?.statusDetails).toEqual({
      agent: 'fleet-autopilot-local',
      selfTest: 'pass',
      bootCount: '1',
    });
    const seen = presence(iot as Iot, t0);
    // Connected when it starts (10 s), off when it reports, back after its drawn reboot.
    expect(seen['dev-a']?.map(([type, reason]) => [type, reason])).toEqual([
      ['connected', undefined],
      ['disconnected', 'CLIENT_INITIATED_DISCONNECT'],
      ['connected', undefined],
    ]);
    const [, off, back] = seen['dev-a'] ?? [];
    expect((back?.[2] ?? 0) - (off?.[2] ?? 0)).toBeGreaterThanOrEqual(60_000);
    expect((back?.[2] ?? 0) - (off?.[2] ?? 0)).toBeLessThanOrEqual(120_000);
    // Bricked: 30 s after its success it times out, and stays away.
    expect(seen['dev-b']).toEqual([
      ['connected', undefined, 10_000],
      ['disconnected', 'MQTT_KEEP_ALIVE_TIMEOUT', 40_000],
    ]);
    expect(seen['dev-c']?.map(([type]) => type)).toEqual(['connected', 'disconnected', 'connected']);
    expect(emu.state.connectivity.get('dev-a')?.connected).toBe(true);
    expect(emu.state.connectivity.get('dev-b')?.connected).toBe(false);
    // Crash reports so far: one a minute since dev-c came back.
    expect(fleet.stats.crashReports).toBeGreaterThanOrEqual(7);
    expect(fleet.stats.byOutcome).toMatchObject({
      SUCCEEDED: 1,
      BRICK_AFTER_SUCCESS: 1,
      CRASH_AFTER_SUCCESS: 1,
      FAIL_SELF_TEST: 0,
    });

    // The rollout halts and rolls back: the bricked device never answers, the others do.
    await job('r1-rb1');
    publish('RolloutRollbackStarted', { rolloutId: 'r1', jobId: 'r1-rb1', stageIndexes: [0] });
    await run();
    expect(exec('r1-rb1', 'dev-a')?.status).toBe('SUCCEEDED');
    expect(exec('r1-rb1', 'dev-c')?.status).toBe('SUCCEEDED');
    expect(exec('r1-rb1', 'dev-b')?.status).toBe('QUEUED');
    expect(fleet.stats).toMatchObject({ rollbackExecutions: 2, rolledBack: 2, executions: 3 });
    // Rolled back before its 30 minutes were up, the crashing device stopped reporting.
    expect(fleet.stats.crashReports).toBeLessThan(CRASH_FOR_MS / 60_000);
    const after = presence(iot as Iot, t0);
    expect(after['dev-b']).toHaveLength(2);
    expect(emu.state.connectivity.get('dev-b')?.connected).toBe(false);
    expect(clock.now() - t0).toBeGreaterThan(10 * 60_000);
  });

  it('publishes CrashCount for 30 minutes, which a fleet alarm on CloudWatch picks up', async () => {
    const { clock, cloudWatch, run, publish, job, fleet } = await setUp();
    const t0 = clock.now();
    const { PutMetricAlarmCommand, CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
    const cw = new CloudWatchClient({
      endpoint: cwServer?.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'fleet-crashes',
        Namespace: 'FleetAutopilot/Devices',
        MetricName: 'CrashCount',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    await job('r2-s0');
    publish('RolloutStageStarted', { jobId: 'r2-s0', stageIndex: 0 });
    await run(t0 + 5 * 60_000);
    expect(cloudWatch.alarms()[0]?.state.value).toBe('ALARM');
    await run();
    expect(fleet.stats.crashReports).toBe(CRASH_FOR_MS / 60_000);
    // The timeline ran dry; the alarm's own evaluations take it back to OK once the crashes stop.
    const due = cloudWatch.nextDue();
    expect(due).toBeGreaterThan(clock.now());
    clock.advanceTo(due ?? 0);
    cloudWatch.sweep();
    expect(cloudWatch.alarms()[0]?.state.value).toBe('OK');
    expect(cloudWatch.nextDue()).toBeUndefined();
    cw.destroy();
  });
});
