import { describe, expect, it } from 'vitest';
import { decisionRecords } from '../../../local/scenario/report';

const T = Date.UTC(2026, 0, 5, 9);
const evidence = (failed: number, finished: number, extra: Record<string, unknown> = {}) => ({
  targets: 204,
  failed,
  finished,
  succeeded: finished - failed,
  lowerBound: 0.01,
  upperBound: 0.2,
  failureThreshold: 0.05,
  ...extra,
});
const audit = (action: string, at: number, details: Record<string, unknown>, rolloutId = 'r-1') => ({
  subject: { type: 'rollout', id: rolloutId },
  action,
  at,
  details,
});
const changed = (
  stageIndex: number,
  at: number,
  outcome: string,
  ev: Record<string, unknown>,
  rolloutId = 'r-1',
) =>
  audit(
    'rollout.gate.changed',
    at,
    {
      stageIndex,
      jobId: `job-${stageIndex}`,
      previous: null,
      outcome,
      reason: outcome === 'HALT' ? 'RATE_ABOVE_THRESHOLD' : 'AWAITING_BAKE',
      explanation: 'x',
      evidence: ev,
    },
    rolloutId,
  );

describe('decisionRecords', () => {
  it('takes the decision a halt acted on, whole, with fields the report does not know', () => {
    const halt = {
      outcome: 'HALT',
      reason: 'RATE_ABOVE_THRESHOLD',
      explanation: '12 failed of 108 finished',
      at: T + 5_000,
      rule: 'halt-lower-bound',
      ruleConfidence: 0.93,
      evidence: evidence(12, 108, { started: 140, pending: 64 }),
    };
    const records = decisionRecords(
      [
        changed(0, T, 'CONTINUE', evidence(1, 20)),
        changed(0, T + 5_000, 'HALT', evidence(12, 108)),
        audit('rollout.halted', T + 9_000, { stageIndex: 0, reason: 'gate-halt', decision: halt }),
        // Another rollout's records never leak in.
        changed(0, T + 1, 'PROMOTE', evidence(0, 5), 'r-2'),
        audit('rollout.halted', T + 2, { stageIndex: 0, decision: { ...halt, outcome: 'X' } }, 'r-2'),
      ],
      'r-1',
    );
    expect(records.get(0)).toEqual(halt);
  });

  it('prefers a decision the gate published over a stale CONTINUE carried by the promotion', () => {
    const records = decisionRecords(
      [
        changed(2, T, 'CONTINUE', evidence(0, 191)),
        changed(2, T + 60_000, 'PROMOTE', evidence(9, 2000)),
        audit('rollout.stage.promoted', T + 61_000, {
          stageIndex: 2,
          decision: { outcome: 'CONTINUE', reason: 'AWAITING_BAKE', at: T, evidence: evidence(0, 191) },
        }),
      ],
      'r-1',
    );
    const rec = records.get(2);
    expect(rec?.outcome).toBe('PROMOTE');
    expect(rec?.at).toBe(T + 60_000);
    expect(rec?.evidence?.finished).toBe(2000);
    // The audit bookkeeping around the decision is not part of it.
    expect(rec).not.toHaveProperty('jobId');
    expect(rec).not.toHaveProperty('previous');
  });

  it('keeps the latest evaluation of a stage still collecting evidence, and nothing for one without', () => {
    const records = decisionRecords(
      [changed(1, T + 2, 'CONTINUE', evidence(3, 50)), changed(1, T + 1, 'CONTINUE', evidence(1, 20))],
      'r-1',
    );
    expect(records.get(1)?.evidence?.finished).toBe(50);
    expect(records.has(0)).toBe(false);
  });
});
