import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../local/scenario/load';
import { fleet, playScenario } from './scenario-harness';

// Good, bad and operator-stopped rollouts on the local stack, played by a scenario: real handlers,
// the real state machine, virtual devices answering through the jobs data plane.
// Stages of 2 and 15 devices can never show a rate below 5 % at 95 %: the good plan lets a stage that
// finished inconclusive promote (every execution reported), as a plan for a small fleet would.
const plan = (name: string, stages: string, onInconclusive = 'ask') => `name: ${name}
document: { operation: update, version: "${name}" }
defaults:
  gate: { failureThreshold: 0.05, confidence: 0.95, minFinished: 1, bakeMinutes: 30, deadlineMinutes: 600, onInconclusive: ${onInconclusive} }
  job: { inProgressTimeoutMinutes: 30 }
stages:
${stages}`;
const plans = {
  'good.yml': plan(
    'fw-good',
    '  - { name: canary, targets: [ring-canary], approval: { required: true } }\n  - { name: early, targets: [ring-early] }\n',
    'promote',
  ),
  'bad.yml': plan(
    'fw-bad',
    '  - { name: early, targets: [ring-early] }\n  - { name: fleet, targets: [sites] }\n',
  ),
  'slow.yml': plan('fw-slow', '  - { name: early, targets: [ring-early], gate: { bakeMinutes: 240 } }\n'),
};
const scenario = parseScenario(
  JSON.stringify({
    name: 'rollouts',
    seed: 11,
    devices: fleet(150),
    cohorts: [
      { name: 'bad', rollouts: ['fw-bad'], outcomes: { succeed: 0.4, fail: 0.6 } },
      { name: 'slow', rollouts: ['fw-slow'], outcomes: { succeed: 1 }, latency: { min: 3000, max: 6000 } },
      { name: 'rest', outcomes: { succeed: 1 }, latency: { min: 10, max: 300 } },
    ],
    delivery: { duplicateRate: 0.2, reorderWindowSeconds: 10 },
    timeline: [
      { at: '0s', provision: {} },
      { at: '10m', startRollout: { ref: 'G', plan: 'good.yml', principal: 'alice' } },
      {
        at: '10m',
        approve: { rollout: 'G', principal: 'alice', comment: 'self', when: 'pending', delay: '1m' },
      },
      {
        at: '10m',
        approve: { rollout: 'G', principal: 'bob', comment: 'looks good', when: 'pending', delay: '5m' },
      },
      { at: '11m', startRollout: { ref: 'B', plan: 'bad.yml', principal: 'alice' } },
      { at: '12m', startRollout: { ref: 'S', plan: 'slow.yml', principal: 'carol' } },
      { at: '20m', pause: { rollout: 'S', principal: 'carol', comment: 'hold on' } },
      { at: '30m', abort: { rollout: 'S', principal: 'carol', comment: 'stop it' } },
    ],
  }),
);
let played: Awaited<ReturnType<typeof playScenario>>;

beforeAll(async () => {
  played = await playScenario(scenario, plans);
}, 120_000);
afterAll(async () => {
  played?.run.stop();
  await played?.stack.close();
});

const status = async (ref: string) => {
  const r = played.run.rollouts.get(ref);
  if (!r) throw new Error(`no rollout ${ref}`);
  return (await played.run.api.rollout('dave', r.rolloutId)).body as {
    status: string;
    stages: { status: string; jobId?: string; approvals: { status: string; decidedBy?: string }[] }[];
  };
};
const actions = (id: string | undefined) =>
  played.audit
    .filter((a) => a.pk === `ROLLOUT#${id}` || (a.subject as { id?: string })?.id === id)
    .map((a) => a.action);

describe('staged rollouts on the local stack', () => {
  it('promotes a good update through every stage after one approval by another principal', async () => {
    const view = await status('G');
    expect(view.status).toBe('COMPLETED');
    expect(view.stages.map((s) => s.status)).toEqual(['PROMOTED', 'PROMOTED']);
    expect(view.stages[0]?.approvals).toEqual([
      expect.objectContaining({ status: 'APPROVED', decidedBy: expect.stringMatching(/user\/bob$/) }),
    ]);
    expect(
      played.run.progress.lines.some((l) => /approve rollout G by alice refused: HTTP 403/.test(l.text)),
    ).toBe(true);
  });

  it('halts a bad cohort in its first stage, cancels the job and audits the halt', async () => {
    const view = await status('B');
    expect(view.status).toBe('HALTED');
    expect(view.stages[1]?.status).toBe('NOT_STARTED');
    const jobId = view.stages[0]?.jobId ?? '';
    const job = played.stack.services.iot.state.jobs.get(jobId);
    expect(['CANCELED', 'COMPLETED']).toContain(job?.status);
    expect(played.stack.services.iot.state.jobs.has(jobId.replace(/-s0$/, '-s1'))).toBe(false);
    const id = played.run.rollouts.get('B')?.rolloutId;
    expect(actions(id)).toEqual(expect.arrayContaining(['rollout.halted', 'rollout.gate.changed']));
  });

  it('pauses and aborts through the API, cancelling the running job', async () => {
    const view = await status('S');
    expect(view.status).toBe('ABORTED');
    const job = played.stack.services.iot.state.jobs.get(view.stages[0]?.jobId ?? '');
    expect(job?.status).toBe('CANCELED');
    const id = played.run.rollouts.get('S')?.rolloutId;
    expect(actions(id)).toEqual(
      expect.arrayContaining(['rollout.pause.requested', 'rollout.abort.requested', 'rollout.aborted']),
    );
  });

  it('loses and parks no event although deliveries were duplicated', () => {
    expect(played.stack.delivery.stats.duplicated).toBeGreaterThan(0);
    expect(played.stack.router.stats.lost).toBe(0);
    expect(played.run.errors).toEqual([]);
  });
});
