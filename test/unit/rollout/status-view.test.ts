import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../shared/domain/gate';
import { type Rollout, stepDecision, storedDecision } from '../../../shared/domain/rollout/model';
import { gatePolicyOf, planDigest, resolvePlan } from '../../../shared/domain/rollout/plan';
import { rolloutStatusView } from '../../../shared/domain/rollout/status-view';

const plan = resolvePlan({
  name: 'fw',
  document: { op: 'x' },
  stages: [
    { name: 'canary', targets: ['ring-canary'], approval: { required: true } },
    { name: 'fleet', targets: ['ring-fleet'] },
  ],
});
const canaryStage = () => {
  const stage = plan.stages[0];
  if (!stage) throw new Error('no stage');
  return stage;
};
const rollout: Rollout = {
  rolloutId: 'fw-12345678',
  name: 'fw',
  digest: planDigest(plan),
  plan,
  creator: 'arn:aws:iam::1:user/alice',
  createdAt: 0,
  status: 'RUNNING',
  currentStage: 0,
  paused: false,
  abortRequested: false,
  updatedAt: 0,
};

describe('rollout status view', () => {
  it('shows each stage with job id, counts, failure rate, the gate now and its last decision, and approvals', () => {
    const counts = { targets: 20, started: 16, succeeded: 15, failed: 1, excluded: 0 };
    const decision = evaluateGate(gatePolicyOf(canaryStage()), {
      counts,
      targetsOpen: false,
      stageStartedAt: 0,
      now: 60_000,
    });
    const view = rolloutStatusView(
      rollout,
      [
        {
          rolloutId: rollout.rolloutId,
          index: 0,
          name: 'canary',
          jobId: 'fw-12345678-s0',
          startedAt: 0,
          targets: 20,
          succeeded: 15,
          failed: 1,
          excluded: 0,
          status: 'RUNNING',
          lastOutcome: decision.outcome,
          lastDecision: storedDecision(decision, 60_000),
        },
      ],
      [
        {
          rolloutId: rollout.rolloutId,
          stageIndex: 0,
          kind: 'promote',
          status: 'APPROVED',
          requestedAt: 1,
          expiresAt: 2,
          reason: 'r',
          decidedBy: 'arn:aws:iam::1:user/bob',
          decidedAt: 3,
          comment: 'ok',
        },
      ],
      120_000,
    );
    const [canary, fleet] = view.stages;
    expect(canary).toMatchObject({
      jobId: 'fw-12345678-s0',
      counts: { finished: 16, failed: 1, started: 16, pending: 0, queued: 4 },
      failureRate: 1 / 16,
      gate: {
        failureThreshold: 0.05,
        decision: 'CONTINUE',
        evaluatedAt: new Date(120_000).toISOString(),
        lastDecision: { outcome: 'CONTINUE', at: new Date(60_000).toISOString() },
      },
      approvals: [{ status: 'APPROVED', decidedBy: 'arn:aws:iam::1:user/bob', comment: 'ok' }],
    });
    expect(canary?.gate.upperBound).toBeGreaterThan(canary?.gate.lowerBound ?? 1);
    expect(fleet).toMatchObject({ status: 'NOT_STARTED', failureRate: null, approvals: [] });
  });

  it('hands the state machine a CONTINUE with the seconds until the recheck, never less than 1', () => {
    const policy = gatePolicyOf(canaryStage());
    const counts = { targets: 100, started: 5, succeeded: 5, failed: 0, excluded: 0 };
    const d = evaluateGate(policy, { counts, targetsOpen: false, stageStartedAt: 0, now: 1000 });
    if (d.outcome !== 'CONTINUE') throw new Error('expected CONTINUE');
    expect(stepDecision(d, 1000)).toMatchObject({ outcome: 'CONTINUE', action: 'none', trigger: 'none' });
    expect(stepDecision(d, 1000).waitSeconds).toBe(Math.ceil((d.recheckAt - 1000) / 1000));
    expect(stepDecision(d, d.recheckAt - 1).waitSeconds).toBe(1);
  });

  it('shows the evidence of the latest evaluation, not the last decision that changed (42 of 46 finished)', () => {
    const early = evaluateGate(gatePolicyOf(canaryStage()), {
      counts: { targets: 46, started: 0, succeeded: 0, failed: 0, excluded: 0 },
      targetsOpen: false,
      stageStartedAt: 0,
      now: 1000,
    });
    const view = rolloutStatusView(
      rollout,
      [
        {
          rolloutId: rollout.rolloutId,
          index: 0,
          name: 'canary',
          jobId: 'fw-12345678-s0',
          startedAt: 0,
          targets: 46,
          succeeded: 41,
          failed: 1,
          excluded: 0,
          job: {
            at: 590_000,
            status: 'IN_PROGRESS',
            targetsOpen: false,
            queued: 0,
            inProgress: 4,
            succeeded: 41,
            failed: 1,
            rejected: 0,
            timedOut: 0,
            canceled: 0,
            removed: 0,
          },
          status: 'RUNNING',
          lastOutcome: early.outcome,
          lastDecision: storedDecision(early, 1000),
        },
      ],
      [],
      600_000,
    );
    const gate = view.stages[0]?.gate;
    expect(view.stages[0]?.counts).toMatchObject({ finished: 42, pending: 4, started: 46 });
    expect(gate?.explanation).not.toContain('no execution started yet');
    expect(gate?.explanation).toContain('1 failed of 46 started (42 finished, 4 running)');
    expect(gate?.lowerBound).toBeGreaterThan(0);
    expect(gate?.upperBound).toBeLessThan(1);
    expect(gate?.lastDecision?.explanation).toBe('no execution started yet');
  });
});
