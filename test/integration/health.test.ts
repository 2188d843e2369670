import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../local/scenario/load';
import { playScenario } from './scenario-harness';

// Health after success on the local stack: devices that report SUCCEEDED and then never boot, fail
// their self-check, or crash a fleet alarm into ALARM; lifecycle and job events duplicated and
// reordered. Each rollout targets its own model group (about 100 devices), so no device is in two.
const plan = (name: string, group: string, health: string, extra = '') => `name: ${name}
document: { operation: update, version: "${name}" }
defaults:
  gate: { failureThreshold: 0.05, confidence: 0.95, minFinished: 10, bakeMinutes: 15, deadlineMinutes: 240 }
  job: { inProgressTimeoutMinutes: 30, rollout: { maximumPerMinute: 50 } }
  health: ${health}
stages:
  - { name: only, targets: [${group}] }
${extra}`;
const RECONNECT = '{ reconnectMinutes: 10 }';
const plans = {
  'brick.yml': plan(
    'fw-brick',
    'model-a',
    RECONNECT,
    'rollback: { document: { operation: rollback, version: "fw-old" }, job: { maximumPerMinute: 200 } }\n',
  ),
  'selftest.yml': plan('fw-selftest', 'model-b', '{ selfCheck: { selfTest: { equals: pass } } }'),
  'good.yml': plan('fw-good', 'model-c', RECONNECT),
  'crash.yml': plan('fw-crash', 'model-d', '{ alarms: { names: [fleet-crash-rate] } }'),
};
const scenario = parseScenario(
  JSON.stringify({
    name: 'health',
    seed: 17,
    devices: {
      count: 400,
      namePrefix: 'dev-',
      thingTypes: { sensor: 1 },
      attributes: { region: { 'eu-west-1': 1 }, site: { 'plant-1': 1 }, model: { a: 1, b: 1, c: 1, d: 1 } },
    },
    cohorts: [
      {
        name: 'bricks',
        rollouts: ['fw-brick'],
        outcomes: { brickAfterSuccess: 0.12 },
        reboot: { min: 20, max: 120 },
      },
      {
        name: 'self-test',
        rollouts: ['fw-selftest'],
        outcomes: { failSelfTest: 0.25 },
        statusDetails: { selfTest: 'pass' },
      },
      { name: 'good', rollouts: ['fw-good'], outcomes: { succeed: 1 }, reboot: { min: 20, max: 120 } },
      {
        name: 'crash',
        rollouts: ['fw-crash'],
        outcomes: { crashAfterSuccess: 0.3 },
        reboot: { min: 20, max: 60 },
      },
      { name: 'rest', outcomes: { succeed: 1 }, latency: { min: 10, max: 300 } },
    ],
    delivery: { duplicateRate: 0.3, reorderWindowSeconds: 30 },
    timeline: [
      { at: '0s', provision: {} },
      { at: '5m', fleetAlarm: { name: 'fleet-crash-rate', threshold: 3 } },
      { at: '10m', startRollout: { ref: 'A', plan: 'brick.yml', principal: 'alice' } },
      { at: '10m', startRollout: { ref: 'B', plan: 'selftest.yml', principal: 'alice' } },
      { at: '10m', startRollout: { ref: 'G', plan: 'good.yml', principal: 'alice' } },
      { at: '10m', startRollout: { ref: 'L', plan: 'crash.yml', principal: 'alice' } },
    ],
  }),
);

type StageView = {
  status: string;
  jobId?: string;
  gate: { decision?: string };
  health?: { unhealthy: number; examples: { thingName: string; reason: string; evidence: string }[] };
};
type View = {
  status: string;
  paused: boolean;
  reason?: string;
  stages: StageView[];
  rollback?: {
    state: string;
    jobId?: string;
    devices: number;
    excluded: number;
    counts?: { succeeded: number; notReached: number };
  };
};
let played: Awaited<ReturnType<typeof playScenario>>;

beforeAll(async () => {
  played = await playScenario(scenario, plans);
}, 240_000);
afterAll(async () => {
  played?.run.stop();
  await played?.stack.close();
});

const idOf = (ref: string) => played.run.rollouts.get(ref)?.rolloutId ?? '';
const view = async (ref: string) => (await played.run.api.rollout('dave', idOf(ref))).body as unknown as View;
const audit = (ref: string, action: string) =>
  played.audit.filter((a) => (a.subject as { id?: string })?.id === idOf(ref) && a.action === action);
const iot = () => played.stack.services.iot.state;

describe('health-gated stages on the local stack', () => {
  it('halts an update whose devices report SUCCEEDED and never come back, on the reconnect window', async () => {
    const v = await view('A');
    expect(v.status).toBe('HALTED');
    expect(v.reason).toBe('gate-halt');
    const stage = v.stages[0];
    const job = iot().jobs.get(stage?.jobId ?? '');
    // AWS IoT's own counts see no failure at all: only the health signal does.
    const executions = [...(job?.executions?.values() ?? [])] as { status: string }[];
    expect(executions.filter((e) => ['FAILED', 'TIMED_OUT', 'REJECTED'].includes(e.status))).toEqual([]);
    expect(stage?.health?.unhealthy).toBeGreaterThanOrEqual(3);
    expect(stage?.health?.examples.every((e) => e.reason === 'reconnect')).toBe(true);
    expect(stage?.health?.examples[0]?.evidence).toMatch(/not back within 10 min/);
  });

  it('rolls the halted stage back on every device that took the update; the ones gone stay queued for it', async () => {
    const v = await view('A');
    expect(v.rollback?.state).toBe('COMPLETED');
    const gone = v.stages[0]?.health?.examples.map((e) => e.thingName) ?? [];
    expect(gone.length).toBeGreaterThan(0);
    const group = iot().groups.get(`fleet-autopilot-rollback-${idOf('A')}`);
    expect(group?.things.length).toBe(v.rollback?.devices);
    // A device judged gone may come back on the bad update: it is in the rollback, its execution queued.
    for (const thing of gone) expect(group?.things).toContain(thing);
    expect(v.rollback?.excluded).toBe(0);
    const counts = v.rollback?.counts ?? { succeeded: 0, notReached: 0 };
    expect(counts.succeeded + counts.notReached).toBe(v.rollback?.devices);
    expect(counts.notReached).toBeGreaterThanOrEqual(gone.length);
    expect(counts.notReached).toBeLessThanOrEqual(played.run.fleet.stats.byOutcome.BRICK_AFTER_SUCCESS);
    expect(audit('A', 'rollout.rollback.started')).toHaveLength(1);
    expect(audit('A', 'rollout.rollback.completed')).toHaveLength(1);
  });

  it('halts an update whose successes fail their self-check, confirmed on the execution AWS IoT reports', async () => {
    const v = await view('B');
    expect(v.status).toBe('HALTED');
    const examples = v.stages[0]?.health?.examples ?? [];
    expect(examples.length).toBeGreaterThan(0);
    expect(examples.every((e) => e.reason === 'selfCheck' && /selfTest is "fail"/.test(e.evidence))).toBe(
      true,
    );
  });

  it('promotes a good update with rebooting devices only once the last reconnect window is over', async () => {
    const v = await view('G');
    expect(v.status).toBe('COMPLETED');
    expect(v.stages[0]?.health?.unhealthy).toBe(0);
    const job = iot().jobs.get(v.stages[0]?.jobId ?? '');
    const lastSuccess = Math.max(
      ...([...(job?.executions?.values() ?? [])] as { lastUpdatedAt?: number }[]).map(
        (e) => e.lastUpdatedAt ?? 0,
      ),
    );
    const promoted = audit('G', 'rollout.stage.promoted')[0]?.at as string | number | undefined;
    const promotedAt = typeof promoted === 'string' ? Date.parse(promoted) : Number(promoted);
    expect(promotedAt).toBeGreaterThanOrEqual(lastSuccess + 10 * 60_000);
  });

  it('pauses a rollout while the fleet alarm its plan names is in ALARM, with the alarm as evidence', async () => {
    const v = await view('L');
    expect(v.status).toBe('PAUSED');
    expect(v.reason).toBe('fleet-alarm');
    const paused = audit('L', 'rollout.alarm.paused');
    expect(paused).toHaveLength(1);
    expect(JSON.stringify(paused[0]?.details)).toContain('fleet-crash-rate');
  });

  it('loses and parks no event although lifecycle and job events were duplicated and reordered', () => {
    expect(played.stack.delivery.stats.duplicated).toBeGreaterThan(0);
    expect(played.stack.router.stats.lost).toBe(0);
    expect(played.run.errors).toEqual([]);
  });
});
