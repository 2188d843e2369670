import { describe, expect, it } from 'vitest';
import { evaluateGate, resolveGatePolicy } from '../../../shared/domain/gate';
import { naiveWilsonRule, simulate, withSlack } from './simulate';

// Bake and minFinished small so that PROMOTE is reachable; the halt rule does not depend on them.
const POLICY = resolveGatePolicy({ bakeSeconds: 60, deadlineSeconds: 1_000_000, minFinished: 10 });
const ALPHA = 1 - POLICY.confidence;
const STAGES = 2000;

describe('seeded simulation: a look after every event, 2,000 stages of 1,000 devices', () => {
  it('true rate p0/2: the false-halt share stays within 1 − confidence (+3 standard errors)', () => {
    const r = simulate({
      rule: evaluateGate,
      policy: POLICY,
      stages: STAGES,
      targets: 1000,
      rate: 0.025,
      seed: 1,
    });
    expect(r.haltShare).toBeLessThanOrEqual(withSlack(ALPHA, STAGES));
    // And the stages do pass on evidence (the rest end inconclusive and ask: no finite-stage promote).
    expect(r.promotedFirst / STAGES).toBeGreaterThan(0.88);
  });

  it('true rate exactly p0 (the worst case of the guarantee, no finite-population help): still within α', () => {
    const r = simulate({
      rule: evaluateGate,
      policy: POLICY,
      stages: STAGES,
      targets: 1_000_000,
      events: 1000,
      rate: 0.05,
      seed: 2,
    });
    expect(r.haltShare).toBeLessThanOrEqual(withSlack(ALPHA, STAGES));
  });

  it('another policy (p0 2%, 90%) at true rate p0 stays within its α too', () => {
    const policy = resolveGatePolicy({ ...POLICY, failureThreshold: 0.02, confidence: 0.9 });
    const r = simulate({
      rule: evaluateGate,
      policy,
      stages: 1000,
      targets: 1e6,
      events: 1000,
      rate: 0.02,
      seed: 3,
    });
    expect(r.haltShare).toBeLessThanOrEqual(withSlack(0.1, 1000));
  });

  it('finite population: exactly 25 of 1,000 devices fail, in random order: within α', () => {
    const r = simulate({
      rule: evaluateGate,
      policy: POLICY,
      stages: STAGES,
      targets: 1000,
      rate: 0,
      fixedFailures: 25,
      seed: 4,
    });
    expect(r.haltShare).toBeLessThanOrEqual(withSlack(ALPHA, STAGES));
  });

  it('true rate 2·p0: at least 99% of stages halt, after few finished executions', () => {
    const r = simulate({
      rule: evaluateGate,
      policy: POLICY,
      stages: STAGES,
      targets: 1000,
      rate: 0.1,
      seed: 5,
    });
    expect(r.haltShare).toBeGreaterThanOrEqual(0.99);
    expect(r.meanFinishedAtHalt).toBeLessThan(300);
    expect(r.promotedFirst).toBe(0);
  });

  it('the naive fixed-sample Wilson rule, looked at after every event, breaks the same bound', () => {
    const r = simulate({
      rule: naiveWilsonRule,
      policy: POLICY,
      stages: STAGES,
      targets: 1000,
      rate: 0.025,
      seed: 1,
    });
    expect(r.haltShare).toBeGreaterThan(withSlack(ALPHA, STAGES));
  });

  it('a stage that ends undecided gets the plan action (100 devices at p0: about half inconclusive)', () => {
    for (const action of ['ask', 'halt', 'promote'] as const) {
      const policy = resolveGatePolicy({ ...POLICY, onInconclusive: action });
      const r = simulate({ rule: evaluateGate, policy, stages: 300, targets: 100, rate: 0.05, seed: 6 });
      const inconclusive = r.finalOutcomes[`INCONCLUSIVE_AT_DEADLINE:${action}`] ?? 0;
      expect(inconclusive).toBeGreaterThan(100);
      expect(inconclusive + (r.finalOutcomes.PROMOTE ?? 0) + r.halted).toBe(300);
    }
  });
});
