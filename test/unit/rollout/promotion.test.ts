import { describe, expect, it } from 'vitest';
import { executionArnFor, executionVerdict } from '../../../shared/domain/rollout/execution';
import type { Approval, Rollout, Stage } from '../../../shared/domain/rollout/model';
import { resolvePlan } from '../../../shared/domain/rollout/plan';
import { approvalRequestVerdict, promotionVerdict } from '../../../shared/domain/rollout/promotion';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:staged-rollout';
const EXECUTION = executionArnFor(MACHINE, 'fw-12345678');

function rollout(stageSettings: { approval?: boolean; onInconclusive?: 'ask' | 'halt' | 'promote' } = {}) {
  const plan = resolvePlan({
    name: 'fw',
    document: { op: 'update' },
    stages: [
      {
        name: 'canary',
        targets: ['ring-canary'],
        approval: { required: stageSettings.approval ?? false },
        gate: { onInconclusive: stageSettings.onInconclusive ?? 'ask' },
      },
      { name: 'fleet', targets: ['ring-fleet'] },
    ],
  });
  return {
    rolloutId: 'fw-12345678',
    name: 'fw',
    digest: 'd',
    plan,
    creator: 'arn:aws:iam::123456789012:user/alice',
    creatorIdentity: 'person:alice',
    createdAt: 0,
    status: 'RUNNING',
    currentStage: 0,
    paused: false,
    abortRequested: false,
    executionArn: EXECUTION,
    updatedAt: 0,
  } satisfies Rollout;
}
const stage = (lastOutcome?: Stage['lastOutcome'], status: Stage['status'] = 'RUNNING'): Stage => ({
  rolloutId: 'fw-12345678',
  index: 0,
  name: 'canary',
  jobId: 'fw-12345678-s0',
  startedAt: 0,
  targets: 10,
  succeeded: 10,
  failed: 0,
  excluded: 0,
  status,
  ...(lastOutcome ? { lastOutcome } : {}),
});
const approval = (kind: Approval['kind'], status: Approval['status'], by?: string): Approval => ({
  rolloutId: 'fw-12345678',
  stageIndex: 0,
  kind,
  status,
  requestedAt: 0,
  expiresAt: 1,
  reason: 'r',
  ...(by ? { decidedBy: `arn:${by}`, decidedByIdentity: by } : {}),
});
const reason = (v: { ok: boolean; reason?: string }) => (v.ok ? 'ok' : v.reason);

describe('Function: promotionVerdict()', () => {
  it('promotes on the recorded gate decision alone when the stage needs no approval', () => {
    const r = rollout();
    expect(reason(promotionVerdict(r, stage('PROMOTE'), 0, [], 'person:alice'))).toBe('ok');
    for (const outcome of ['CONTINUE', undefined] as const)
      expect(reason(promotionVerdict(r, stage(outcome), 0, [], 'person:alice'))).toBe('gate-not-passed');
    expect(reason(promotionVerdict(r, stage('HALT'), 0, [], 'person:alice'))).toBe('gate-halt');
    const inconclusive = (action: 'halt' | 'promote') =>
      promotionVerdict(
        rollout({ onInconclusive: action }),
        stage('INCONCLUSIVE_AT_DEADLINE'),
        0,
        [],
        'person:alice',
      );
    expect(reason(inconclusive('promote'))).toBe('ok');
    expect(reason(inconclusive('halt'))).toBe('gate-not-passed');
  });

  it('takes the gate as decided now on the counters as well as the last recorded outcome', () => {
    const r = rollout();
    // A reordered, older event was evaluated last: the record says CONTINUE, the counters say PROMOTE.
    expect(reason(promotionVerdict(r, stage('CONTINUE'), 0, [], 'person:alice', 'PROMOTE'))).toBe('ok');
    expect(reason(promotionVerdict(r, stage('PROMOTE'), 0, [], 'person:alice', 'HALT'))).toBe('gate-halt');
    expect(reason(promotionVerdict(r, stage('CONTINUE'), 0, [], 'person:alice', 'CONTINUE'))).toBe(
      'gate-not-passed',
    );
  });

  it('needs an APPROVED record by another person when the plan asks for one', () => {
    const r = rollout({ approval: true });
    const s = stage('PROMOTE');
    expect(reason(promotionVerdict(r, s, 0, [], 'person:alice'))).toBe('not-approved');
    expect(reason(promotionVerdict(r, s, 0, [approval('promote', 'PENDING')], 'person:alice'))).toBe(
      'not-approved',
    );
    expect(
      reason(promotionVerdict(r, s, 0, [approval('promote', 'REJECTED', 'person:bob')], 'person:alice')),
    ).toBe('not-approved');
    expect(
      reason(promotionVerdict(r, s, 0, [approval('promote', 'APPROVED', 'person:alice')], 'person:alice')),
    ).toBe('approver-not-another-person');
    expect(
      reason(promotionVerdict(r, s, 0, [approval('promote', 'APPROVED', 'role:Ops')], 'person:alice')),
    ).toBe('approver-not-another-person');
    expect(
      reason(promotionVerdict(r, s, 0, [approval('promote', 'APPROVED', 'person:bob')], 'person:alice')),
    ).toBe('ok');
    // Evidence that turned bad while the approvers thought it over is not promoted.
    expect(
      reason(
        promotionVerdict(
          r,
          stage('HALT'),
          0,
          [approval('promote', 'APPROVED', 'person:bob')],
          'person:alice',
        ),
      ),
    ).toBe('gate-halt');
  });

  it('needs the inconclusive approval when the gate asked, and keeps needing it once asked', () => {
    const r = rollout();
    const s = stage('INCONCLUSIVE_AT_DEADLINE');
    expect(reason(promotionVerdict(r, s, 0, [], 'person:alice'))).toBe('not-approved');
    expect(
      reason(promotionVerdict(r, s, 0, [approval('inconclusive', 'APPROVED', 'person:bob')], 'person:alice')),
    ).toBe('ok');
    // The stage's decision moved on after the request: the asked approval still decides.
    expect(
      reason(
        promotionVerdict(r, stage('CONTINUE'), 0, [approval('inconclusive', 'PENDING')], 'person:alice'),
      ),
    ).toBe('not-approved');
  });

  it('never promotes a closed rollout or a stage that is not running', () => {
    const halted = { ...rollout(), status: 'HALTED' as const };
    expect(reason(promotionVerdict(halted, stage('PROMOTE'), 0, [], 'person:alice'))).toBe('rollout-closed');
    expect(reason(promotionVerdict(rollout(), stage('PROMOTE', 'HALTED'), 0, [], 'person:alice'))).toBe(
      'stage-not-running',
    );
    expect(reason(promotionVerdict(rollout(), undefined, 0, [], 'person:alice'))).toBe('stage-not-running');
  });
});

describe('Function: approvalRequestVerdict()', () => {
  it('asks the approvers only what the gate decided', () => {
    expect(reason(approvalRequestVerdict(rollout({ approval: true }), stage('PROMOTE'), 0, 'promote'))).toBe(
      'ok',
    );
    expect(reason(approvalRequestVerdict(rollout({ approval: true }), stage('CONTINUE'), 0, 'promote'))).toBe(
      'gate-not-passed',
    );
    expect(reason(approvalRequestVerdict(rollout(), stage('PROMOTE'), 0, 'promote'))).toBe(
      'approval-not-needed',
    );
    expect(
      reason(approvalRequestVerdict(rollout(), stage('INCONCLUSIVE_AT_DEADLINE'), 0, 'inconclusive')),
    ).toBe('ok');
    expect(reason(approvalRequestVerdict(rollout(), stage('PROMOTE'), 0, 'inconclusive'))).toBe(
      'approval-not-needed',
    );
  });
});

describe('Function: executionVerdict()', () => {
  it("lets only the rollout's own execution act, on an open rollout, at its stage", () => {
    const r = rollout();
    expect(reason(executionVerdict(r, EXECUTION, 'checkpoint', 0))).toBe('ok');
    expect(reason(executionVerdict(r, `${EXECUTION}x`, 'checkpoint', 0))).toBe('foreign-execution');
    expect(reason(executionVerdict(undefined, EXECUTION, 'checkpoint', 0))).toBe('no-such-rollout');
    expect(reason(executionVerdict({ ...r, executionArn: undefined }, EXECUTION, 'halt', 0))).toBe(
      'foreign-execution',
    );
    expect(reason(executionVerdict(r, EXECUTION, 'startStage', 1))).toBe('stage-mismatch');
    // A promote retried after its promotion was applied finds the rollout one stage further.
    const further = { ...r, currentStage: 1 };
    expect(reason(executionVerdict(further, EXECUTION, 'promote', 0))).toBe('ok');
    expect(reason(executionVerdict(further, EXECUTION, 'startStage', 0))).toBe('stage-mismatch');
    for (const status of ['HALTED', 'ABORTED', 'COMPLETED', 'FAILED'] as const) {
      expect(reason(executionVerdict({ ...r, status }, EXECUTION, 'checkpoint', 0)), status).toBe(
        'rollout-closed',
      );
      // Closing steps stay idempotent for a retry of the same visit.
      expect(reason(executionVerdict({ ...r, status }, EXECUTION, 'halt', 0)), status).toBe('ok');
    }
  });

  it('derives the execution ARN from the state machine ARN and the rollout id', () => {
    expect(EXECUTION).toBe('arn:aws:states:us-east-1:123456789012:execution:staged-rollout:fw-12345678');
    expect(() => executionArnFor('arn:aws:lambda:us-east-1:123456789012:function:x', 'n')).toThrow();
  });
});
