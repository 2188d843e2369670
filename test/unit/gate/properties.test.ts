import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateGate,
  failuresToHalt,
  type GateInput,
  type GatePolicy,
  INCONCLUSIVE_ACTIONS,
  resolveGatePolicy,
} from '../../../shared/domain/gate';
import { T0 } from './helpers';

const policyArb: fc.Arbitrary<GatePolicy> = fc
  .record({
    failureThreshold: fc.double({ min: 0.005, max: 0.3, noNaN: true }),
    confidence: fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
    minFinished: fc.integer({ min: 1, max: 200 }),
    bakeSeconds: fc.integer({ min: 0, max: 3600 }),
    extraSeconds: fc.integer({ min: 1, max: 7200 }),
    onInconclusive: fc.constantFrom(...INCONCLUSIVE_ACTIONS),
  })
  .map(({ extraSeconds, ...p }) =>
    resolveGatePolicy({ ...p, deadlineSeconds: p.bakeSeconds + extraSeconds }),
  );

const inputArb: fc.Arbitrary<GateInput> = fc
  .record({
    targets: fc.integer({ min: 1, max: 2000 }),
    shares: fc.tuple(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    ),
    failureShare: fc.double({ min: 0, max: 0.5, noNaN: true }),
    elapsedSeconds: fc.integer({ min: 0, max: 12_000 }),
    targetsOpen: fc.boolean(),
  })
  .map(({ targets, shares: [start, done, excl], failureShare, elapsedSeconds, targetsOpen }) => {
    const excluded = Math.floor(targets * excl * 0.2);
    const started = Math.floor((targets - excluded) * start);
    const finished = Math.floor(started * done);
    const failed = Math.floor(finished * failureShare);
    return {
      counts: { targets, started, succeeded: finished - failed, failed, excluded },
      targetsOpen,
      stageStartedAt: T0,
      now: T0 + elapsedSeconds * 1000,
    };
  });

const withCounts = (i: GateInput, ds: number, df: number): GateInput => ({
  ...i,
  counts: { ...i.counts, succeeded: i.counts.succeeded + ds, failed: i.counts.failed + df },
});

describe('evaluateGate properties', () => {
  it('PROMOTE never comes before minFinished or the bake time, and needs the upper bound below p0 with every running and excluded execution counted as failed', () => {
    fc.assert(
      fc.property(policyArb, inputArb, (policy, i) => {
        const d = evaluateGate(policy, i);
        if (d.outcome !== 'PROMOTE') return;
        const e = d.evidence;
        expect(e.finished).toBeGreaterThanOrEqual(policy.minFinished);
        expect(i.now).toBeGreaterThanOrEqual(i.stageStartedAt + policy.bakeSeconds * 1000);
        expect(e.upperBound ?? 1).toBeLessThan(policy.failureThreshold + 1e-9);
        // The same evidence with every running and excluded one failed: what the bound was computed on.
        const worst = { ...i.counts, succeeded: i.counts.succeeded, failed: i.counts.failed };
        expect(e.failed + e.pending + e.excluded).toBeLessThanOrEqual(e.maxFailuresToPromote);
        expect(worst.failed).toBe(e.failed);
      }),
      { numRuns: 500 },
    );
  });

  it('a running execution that reports success never undoes a PROMOTE, one that reports failure never undoes a HALT', () => {
    fc.assert(
      fc.property(policyArb, inputArb, (policy, i) => {
        const running = i.counts.started - i.counts.succeeded - i.counts.failed;
        fc.pre(running > 0);
        const d = evaluateGate(policy, i).outcome;
        if (d === 'PROMOTE') expect(evaluateGate(policy, withCounts(i, 1, 0)).outcome).toBe('PROMOTE');
        if (d === 'HALT') expect(evaluateGate(policy, withCounts(i, 0, 1)).outcome).toBe('HALT');
      }),
      { numRuns: 500 },
    );
  });

  it('HALT needs an observed rate and an always-valid lower bound above p0, whatever the time', () => {
    fc.assert(
      fc.property(policyArb, inputArb, (policy, i) => {
        const d = evaluateGate(policy, i);
        const early = evaluateGate(policy, { ...i, now: i.stageStartedAt });
        expect(early.outcome === 'HALT').toBe(d.outcome === 'HALT');
        if (d.outcome !== 'HALT') return;
        expect(d.evidence.observedFailureRate ?? 0).toBeGreaterThan(policy.failureThreshold);
        expect(d.evidence.lowerBound ?? 0).toBeGreaterThan(policy.failureThreshold - 1e-9);
        // HALT is judged at the stage's halt level, never stricter than the plain one.
        expect(d.evidence.logEvidence ?? 0).toBeGreaterThanOrEqual(d.evidence.haltLogBoundary ?? Infinity);
        expect(d.evidence.haltLogBoundary ?? Infinity).toBeLessThanOrEqual(d.evidence.logBoundary ?? 0);
      }),
      { numRuns: 500 },
    );
  });

  it('INCONCLUSIVE only at the deadline or on a finished stage, with the plan action; CONTINUE says when to look again', () => {
    fc.assert(
      fc.property(policyArb, inputArb, (policy, i) => {
        const d = evaluateGate(policy, i);
        const deadline = i.stageStartedAt + policy.deadlineSeconds * 1000;
        if (d.outcome === 'INCONCLUSIVE_AT_DEADLINE') {
          const asked = policy.onInconclusive === 'promote' && d.evidence.pending > 0;
          expect(d.action).toBe(asked ? 'ask' : policy.onInconclusive);
          const settled = !i.targetsOpen && d.evidence.pending === 0 && d.evidence.queued === 0;
          expect(d.trigger === 'DEADLINE' ? i.now >= deadline : settled).toBe(true);
        }
        if (d.outcome === 'CONTINUE') {
          expect(i.now).toBeLessThan(deadline);
          expect(d.recheckAt).toBeGreaterThan(i.now);
          expect(d.recheckAt).toBeLessThanOrEqual(deadline);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a success never causes a HALT, a failure never undoes one', () => {
    fc.assert(
      fc.property(policyArb, inputArb, (policy, i) => {
        const running = i.counts.started - i.counts.succeeded - i.counts.failed;
        fc.pre(running > 0);
        const halted = evaluateGate(policy, i).outcome === 'HALT';
        if (!halted) expect(evaluateGate(policy, withCounts(i, 1, 0)).outcome).not.toBe('HALT');
        if (halted) expect(evaluateGate(policy, withCounts(i, 0, 1)).outcome).toBe('HALT');
      }),
      { numRuns: 500 },
    );
  });

  it('bounds bracket the observed rate', () => {
    fc.assert(
      fc.property(policyArb, inputArb, (policy, i) => {
        const e = evaluateGate(policy, i).evidence;
        const rate = e.observedFailureRate;
        expect(e.lowerBound ?? 0).toBeGreaterThanOrEqual(0);
        expect(e.upperBound ?? 1).toBeLessThanOrEqual(1);
        // The halt side counts running ones as successes, so its rate is failed / exposed.
        if (rate !== null && e.pending === 0 && e.excluded === 0) {
          expect(e.lowerBound ?? 0).toBeLessThanOrEqual(rate + 1e-12);
          expect(e.upperBound ?? 1).toBeGreaterThanOrEqual(rate - 1e-12);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('failuresToHalt agrees with evaluateGate', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 1, max: 600 }), (policy, finished) => {
        const k = failuresToHalt(policy, finished);
        const at = (failed: number) =>
          evaluateGate(policy, {
            counts: { targets: 10_000, started: finished, succeeded: finished - failed, failed, excluded: 0 },
            targetsOpen: false,
            stageStartedAt: T0,
            now: T0,
          }).outcome;
        if (k === null) expect(at(finished)).not.toBe('HALT');
        else {
          expect(at(k)).toBe('HALT');
          if (k > 0) expect(at(k - 1)).not.toBe('HALT');
        }
      }),
      { numRuns: 200 },
    );
  });
});
