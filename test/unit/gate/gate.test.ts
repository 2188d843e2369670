import { describe, expect, it } from 'vitest';
import { evaluateGate, InvalidGateInputError, resolveGatePolicy } from '../../../shared/domain/gate';
import { input, logMarginalP05, POLICY, T0 } from './helpers';

const LN20 = Math.log(20);

describe('evaluateGate: hand-computed decisions (p0 5%, 95%)', () => {
  it('halts at 5 failures of 5: ln M = ln(19·5!·18!/24!) − 5 ln 0.05 = 4.32 ≥ ln 20', () => {
    const expected = logMarginalP05(5, 0) - 5 * Math.log(0.05);
    expect(expected).toBeCloseTo(4.3213, 3);
    const d = evaluateGate(POLICY, input({ succeeded: 0, failed: 5 }, 5));
    expect(d.outcome).toBe('HALT');
    expect(d.reason).toBe('RATE_ABOVE_THRESHOLD');
    expect(d).toMatchObject({ rule: 'halt-lower-bound', ruleConfidence: 0.95 });
    expect(d.evidence.logEvidence).toBeCloseTo(expected, 10);
    expect(d.evidence.logBoundary).toBeCloseTo(LN20, 12);
    expect(d.evidence.lowerBound).toBeGreaterThan(0.05);
  });

  it('does not halt at 4 failures of 4 (ln M = 2.894 < 2.996): no minimum sample, but no knee-jerk', () => {
    const d = evaluateGate(POLICY, input({ succeeded: 0, failed: 4 }, 5));
    expect(d.outcome).toBe('CONTINUE');
    expect(d.evidence.logEvidence).toBeCloseTo(logMarginalP05(4, 0) - 4 * Math.log(0.05), 10);
    expect(d.evidence.lowerBound).toBeLessThan(0.05);
  });

  it('halts at 5 of 11 (ln M 3.145) but not 5 of 12 (2.981)', () => {
    expect(evaluateGate(POLICY, input({ succeeded: 6, failed: 5 })).outcome).toBe('HALT');
    expect(evaluateGate(POLICY, input({ succeeded: 7, failed: 5 })).outcome).toBe('CONTINUE');
  });

  it('halts at 14 of 100 and 74 of 1000, not at 13 of 100 or 73 of 1000', () => {
    expect(evaluateGate(POLICY, input({ succeeded: 86, failed: 14 })).outcome).toBe('HALT');
    expect(evaluateGate(POLICY, input({ succeeded: 87, failed: 13 })).outcome).toBe('CONTINUE');
    expect(evaluateGate(POLICY, input({ succeeded: 926, failed: 74, targets: 5000 })).outcome).toBe('HALT');
    expect(evaluateGate(POLICY, input({ succeeded: 927, failed: 73, targets: 5000 })).outcome).toBe(
      'CONTINUE',
    );
  });

  it('promotes at 93 successes and 0 failures: 19/112 / 0.95^93 = 20.01 ≥ 20, not at 92 (19.18)', () => {
    const d = evaluateGate(POLICY, input({ succeeded: 93, failed: 0 }));
    expect(d.outcome).toBe('PROMOTE');
    expect(d.reason).toBe('RATE_BELOW_THRESHOLD');
    expect(d).toMatchObject({ rule: 'promote-upper-bound', ruleConfidence: 0.95 });
    expect(d.evidence.promoteLogEvidence).toBeCloseTo(Math.log(19 / 112 / 0.95 ** 93), 10);
    expect(d.evidence.upperBound).toBeLessThan(0.05);
    expect(evaluateGate(POLICY, input({ succeeded: 92, failed: 0 })).outcome).toBe('CONTINUE');
  });

  it('halts even before the bake time and before minFinished', () => {
    expect(evaluateGate(POLICY, input({ succeeded: 0, failed: 5 }, 1)).outcome).toBe('HALT');
  });

  it('waits for the bake time, and says when to look again', () => {
    const d = evaluateGate(POLICY, input({ succeeded: 200, failed: 0 }, 599));
    expect(d).toMatchObject({ outcome: 'CONTINUE', reason: 'AWAITING_BAKE', recheckAt: T0 + 600_000 });
    expect(evaluateGate(POLICY, input({ succeeded: 200, failed: 0 }, 600)).outcome).toBe('PROMOTE');
  });

  it('waits for minFinished even with conclusive evidence', () => {
    const policy = resolveGatePolicy({ ...POLICY, minFinished: 150 });
    const d = evaluateGate(policy, input({ succeeded: 120, failed: 0 }, 60));
    // Before the bake ends, look again at the bake end: it can make the gate conclusive with no new event.
    expect(d).toMatchObject({
      outcome: 'CONTINUE',
      reason: 'AWAITING_MIN_FINISHED',
      recheckAt: T0 + 600_000,
    });
    const later = evaluateGate(policy, input({ succeeded: 120, failed: 0 }));
    expect(later).toMatchObject({
      outcome: 'CONTINUE',
      reason: 'AWAITING_MIN_FINISHED',
      recheckAt: T0 + 3_600_000,
    });
  });

  it('has no finite-stage promote: a complete 10-device stage at 0 of 10 is inconclusive and asks', () => {
    const d = evaluateGate(POLICY, input({ succeeded: 10, failed: 0, targets: 10 }));
    expect(d).toMatchObject({
      outcome: 'INCONCLUSIVE_AT_DEADLINE',
      trigger: 'STAGE_COMPLETE',
      action: 'ask',
    });
    expect(d.explanation).toContain('promoting needs about');
  });

  it('counts running executions as failures when deciding to promote', () => {
    // 93 ok alone promote; with 5 still running they count as 5 failures of 98: no promote.
    const d = evaluateGate(POLICY, input({ succeeded: 93, failed: 0, running: 5 }));
    expect(d).toMatchObject({ outcome: 'CONTINUE', reason: 'AWAITING_EVIDENCE' });
    expect(d.evidence).toMatchObject({ started: 98, finished: 93, pending: 5, exposed: 98 });
    expect(d.evidence.promoteLogEvidence).toBeCloseTo(
      logMarginalP05(5, 93) - 5 * Math.log(0.05) - 93 * Math.log(0.95),
      10,
    );
    // Once they report success, 98 ok promote.
    expect(evaluateGate(POLICY, input({ succeeded: 98, failed: 0 })).outcome).toBe('PROMOTE');
  });

  it('counts excluded (cancelled, removed) executions as failures when deciding to promote', () => {
    expect(evaluateGate(POLICY, input({ succeeded: 93, failed: 0, excluded: 3 })).outcome).toBe('CONTINUE');
  });

  it('counts running executions as successes when deciding to halt: early failures are not over-weighted', () => {
    // 5 failures of 5 finished halt; among 30 started (25 still running) they do not.
    expect(evaluateGate(POLICY, input({ succeeded: 0, failed: 5 })).outcome).toBe('HALT');
    const d = evaluateGate(POLICY, input({ succeeded: 0, failed: 5, running: 25 }));
    expect(d.outcome).toBe('CONTINUE');
    expect(d.evidence.logEvidence).toBeCloseTo(
      logMarginalP05(5, 25) - 5 * Math.log(0.05) - 25 * Math.log(0.95),
      10,
    );
  });

  it('says what would have to happen to halt or promote', () => {
    const d = evaluateGate(POLICY, input({ succeeded: 80, failed: 3, running: 10 }));
    expect(d.outcome).toBe('CONTINUE');
    expect(d.evidence.failuresToHalt).toBe(13);
    expect(d.explanation).toContain('halting needs 13 failed among these 93 (3 so far)');
    expect(d.explanation).toMatch(/promoting needs about \d+ exposed with no more than 3 failed/);
  });

  it('never declares the stage complete while the job can still gain executions', () => {
    const open = evaluateGate(POLICY, input({ succeeded: 92, failed: 8, targets: 100, targetsOpen: true }));
    expect(open.outcome).toBe('CONTINUE');
    const closed = evaluateGate(POLICY, input({ succeeded: 92, failed: 8, targets: 100 }));
    expect(closed).toMatchObject({ outcome: 'INCONCLUSIVE_AT_DEADLINE', trigger: 'STAGE_COMPLETE' });
  });

  it('never declares the stage complete while executions are queued (devices that have not started)', () => {
    const d = evaluateGate(POLICY, input({ succeeded: 90, failed: 0, targets: 100 }));
    expect(d.evidence.queued).toBe(10);
    expect(d.outcome).toBe('CONTINUE');
  });

  it("turns the plan's 'promote' at the deadline into 'ask' while executions are still running", () => {
    const policy = resolveGatePolicy({ ...POLICY, onInconclusive: 'promote' });
    const running = evaluateGate(policy, input({ succeeded: 40, failed: 3, running: 2 }, 3600));
    expect(running).toMatchObject({
      outcome: 'INCONCLUSIVE_AT_DEADLINE',
      action: 'ask',
      trigger: 'DEADLINE',
    });
    expect(running.explanation).toContain("the plan says 'promote', but 2 executions are still running");
    const settled = evaluateGate(policy, input({ succeeded: 40, failed: 3 }, 3600));
    expect(settled).toMatchObject({ outcome: 'INCONCLUSIVE_AT_DEADLINE', action: 'promote' });
  });

  it('a finished stage at 8 of 100 is not evidence at 95%: inconclusive at once, with the plan action', () => {
    const policy = resolveGatePolicy({ ...POLICY, onInconclusive: 'halt' });
    const d = evaluateGate(policy, input({ succeeded: 92, failed: 8, targets: 100 }));
    expect(d).toMatchObject({
      outcome: 'INCONCLUSIVE_AT_DEADLINE',
      action: 'halt',
      trigger: 'STAGE_COMPLETE',
    });
  });

  it('at the deadline with inconclusive evidence returns the plan action', () => {
    for (const action of ['ask', 'halt', 'promote'] as const) {
      const policy = resolveGatePolicy({ ...POLICY, onInconclusive: action });
      const d = evaluateGate(policy, input({ succeeded: 40, failed: 3 }, 3600));
      expect(d).toMatchObject({ outcome: 'INCONCLUSIVE_AT_DEADLINE', action, trigger: 'DEADLINE' });
      expect(evaluateGate(policy, input({ succeeded: 40, failed: 3 }, 3599.999)).outcome).toBe('CONTINUE');
    }
  });

  it('reports the evidence an audit record needs', () => {
    const d = evaluateGate(
      POLICY,
      input({ succeeded: 40, failed: 3, running: 10, excluded: 7, targets: 100 }, 90),
    );
    expect(d.evidence).toMatchObject({
      method: 'beta-binomial-confidence-sequence-by-start-order',
      targets: 100,
      started: 53,
      succeeded: 40,
      failed: 3,
      excluded: 7,
      exposed: 60,
      finished: 43,
      pending: 10,
      queued: 40,
      failureThreshold: 0.05,
      confidence: 0.95,
      minFinished: 10,
      elapsedSeconds: 90,
      bakeSeconds: 600,
      deadlineSeconds: 3600,
    });
    expect(d.evidence.observedFailureRate).toBeCloseTo(3 / 43, 12);
    expect(d.explanation).toContain(
      '3 failed of 53 started (43 finished, 10 running, 7 cancelled or removed)',
    );
    expect(d).toMatchObject({ rule: null, ruleConfidence: null });
  });

  it('with nothing finished there is no rate and nothing to decide', () => {
    const d = evaluateGate(POLICY, input({ succeeded: 0, failed: 0 }, 0));
    expect(d).toMatchObject({ outcome: 'CONTINUE', reason: 'AWAITING_EVIDENCE' });
    expect(d.evidence).toMatchObject({ observedFailureRate: null, lowerBound: null, upperBound: null });
  });

  it('rejects impossible counts with a typed error', () => {
    const bad = [
      input({ succeeded: 900, failed: 101, targets: 1000 }),
      {
        ...input({ succeeded: 5, failed: 0 }),
        counts: { targets: 10, started: 4, succeeded: 5, failed: 0, excluded: 0 },
      },
      input({ succeeded: -1, failed: 0 }),
      input({ succeeded: 1.5, failed: 0 }),
      { ...input({ succeeded: 1, failed: 0 }), now: Number.NaN },
    ];
    for (const b of bad) {
      expect(() => evaluateGate(POLICY, b)).toThrow(InvalidGateInputError);
      expect(() => evaluateGate(POLICY, b)).toThrow(
        expect.objectContaining({ name: 'InvalidGateInputError' }),
      );
    }
  });
});
