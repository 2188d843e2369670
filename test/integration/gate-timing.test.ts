import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../local/scenario/load';
import { playScenario } from './scenario-harness';

// The three ways report timing breaks a naive gate, on the local stack at once (scenarios/late-failures,
// early-rejections and growing-group show each at full size): devices that hang until their timeout,
// rejections that arrive long before successes, and a continuous job's group that grows 5x.
const plan = (name: string, site: string, job = '') => `name: ${name}
document: { operation: update, version: "${name}" }
stages:
  - name: ${site}
    targets: [site-eu-west-1-${site}]
${job}`;
const plans = {
  'hang.yml': plan('fw-hang', 'plant-1'),
  'reject.yml': plan('fw-reject', 'plant-2'),
  'grow.yml': plan('fw-grow', 'plant-3', '    job: { targetSelection: CONTINUOUS }\n'),
};
const scenario = parseScenario(
  JSON.stringify({
    name: 'gate-timing',
    seed: 21,
    devices: {
      count: 900,
      namePrefix: 'dev-',
      thingTypes: { sensor: 1 },
      attributes: { region: { 'eu-west-1': 1 }, site: { 'plant-1': 1, 'plant-2': 1, 'plant-3': 1 } },
    },
    cohorts: [
      // 30 % hang after IN_PROGRESS: nothing but successes reports until the 30-minute timeout.
      {
        name: 'hang',
        rollouts: ['fw-hang'],
        outcomes: { succeed: 0.7, neverAnswer: 0.3 },
        latency: { min: 10, max: 60 },
        runtime: { succeed: { min: 120, max: 600 } },
      },
      // Half the threshold, all REJECTED within a minute; successes take 5-15 minutes.
      {
        name: 'reject',
        rollouts: ['fw-reject'],
        outcomes: { succeed: 0.975, reject: 0.025 },
        latency: { min: 10, max: 60 },
        runtime: { succeed: { min: 300, max: 900 }, reject: { min: 1, max: 60 } },
      },
      // Three times the threshold, on a group that grows from ~100 to ~300 devices during the stage.
      {
        name: 'grow',
        rollouts: ['fw-grow'],
        outcomes: { succeed: 0.85, fail: 0.15 },
        latency: { min: 10, max: 60 },
        runtime: { succeed: { min: 120, max: 600 }, fail: { min: 120, max: 600 } },
      },
    ],
    timeline: [
      { at: '0s', provision: { count: 300 } },
      { at: '10m', startRollout: { ref: 'H', plan: 'hang.yml', principal: 'alice' } },
      { at: '10m', startRollout: { ref: 'R', plan: 'reject.yml', principal: 'alice' } },
      { at: '10m', startRollout: { ref: 'G', plan: 'grow.yml', principal: 'alice' } },
      { at: '14m', provision: { count: 600, ratePerSecond: 50 } },
    ],
  }),
);
let played: Awaited<ReturnType<typeof playScenario>>;

beforeAll(async () => {
  played = await playScenario(scenario, plans);
}, 300_000);
afterAll(async () => {
  played?.run.stop();
  await played?.stack.close();
});

const decisions = (ref: string) => {
  const id = played.run.rollouts.get(ref)?.rolloutId;
  return played.audit
    .filter((a) => a.pk === `ROLLOUT#${id}` && a.action === 'rollout.gate.changed')
    .map((a) => a.details as { outcome: string; evidence: { pending: number; started: number } });
};
const status = async (ref: string) => {
  const r = played.run.rollouts.get(ref);
  if (!r) throw new Error(`no rollout ${ref}`);
  return (await played.run.api.rollout('dave', r.rolloutId)).body as { status: string };
};

describe('the gate on the local stack, whatever order outcomes arrive in', () => {
  it('halts a stage whose failures hang until their timeout, and never promotes it meanwhile', async () => {
    expect((await status('H')).status).toBe('HALTED');
    const seen = decisions('H');
    expect(seen.map((d) => d.outcome)).toContain('HALT');
    expect(seen.map((d) => d.outcome)).not.toContain('PROMOTE');
  });

  it('does not halt on rejections that arrive long before the successes', () => {
    // (A 100-device stage cannot show 2.5 % below 5 %: it ends inconclusive and asks; nobody answers here.)
    const seen = decisions('R').map((d) => d.outcome);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).not.toContain('HALT');
  });

  it('judges a growing group on the executions the job gained, and halts it', async () => {
    expect((await status('G')).status).toBe('HALTED');
    const halt = decisions('G').find((d) => d.outcome === 'HALT') as
      | { evidence: { targets: number; started: number; targetsOpen: boolean } }
      | undefined;
    // Judged while the continuous job could still gain executions, on the job's own (grown) count.
    expect(halt?.evidence.targetsOpen).toBe(true);
    const started = played.audit.find(
      (a) =>
        a.action === 'rollout.stage.started' &&
        String((a.details as { jobId: string }).jobId).startsWith('fw-grow'),
    )?.details as { things: number };
    expect(halt?.evidence.targets).toBeGreaterThan(started.things);
  });

  it('loses no event', () => {
    expect(played.stack.router.stats.lost).toBe(0);
    expect(played.run.errors).toEqual([]);
  });
});
