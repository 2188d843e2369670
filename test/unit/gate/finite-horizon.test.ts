import { describe, expect, it } from 'vitest';
import {
  calibrationHorizon,
  crossingProbability,
  evaluateGate,
  failuresToHalt,
  haltAlpha,
  haltBoundary,
  resolveGatePolicy,
} from '../../../shared/domain/gate';
import { input, POLICY } from './helpers';
import { simulate, withSlack } from './simulate';

const ALPHA = 0.05;

describe('finite-horizon calibration of the halt level', () => {
  it('computes crossing probabilities exactly (checked by hand on simple boundaries)', () => {
    // Halt on the first failure: P(some failure in 10) = 1 − 0.95^10.
    const first = new Int32Array(11).fill(1);
    expect(crossingProbability(first, 0.05, 10)).toBeCloseTo(1 - 0.95 ** 10, 14);
    // Halt at 2 failures within 3: P(X3 ≥ 2) = 3p²(1−p) + p³.
    const two = Int32Array.from([0, 2, 2, 2]);
    expect(crossingProbability(two, 0.1, 3)).toBeCloseTo(3 * 0.01 * 0.9 + 0.001, 14);
    // Never reachable: no crossing.
    const never = Int32Array.from([0, 2, 3, 4]);
    expect(crossingProbability(never, 0.5, 3)).toBe(0);
  });

  it('horizon: a power of two with 25 % headroom; none for stages that expect too many failures', () => {
    expect(calibrationHorizon(100, 0.05)).toBe(128);
    expect(calibrationHorizon(103, 0.05)).toBe(256); // 1.25 × 103 = 129 > 128
    expect(calibrationHorizon(1638, 0.05)).toBe(2048);
    expect(calibrationHorizon(1639, 0.05)).toBeNull(); // 4096 × 5 % > 128 expected failures
    expect(calibrationHorizon(6000, 0.01)).toBe(8192);
    expect(calibrationHorizon(0, 0.05)).toBeNull();
    expect(calibrationHorizon(2.5, 0.05)).toBeNull();
  });

  it('spends exactly α over the horizon: its boundary is crossed at p0 with probability ≤ α, a looser one is not', () => {
    for (const [p0, alpha, targets] of [
      [0.05, 0.05, 100],
      [0.05, 0.05, 1000],
      [0.02, 0.1, 300],
      [0.1, 0.01, 50],
    ] as const) {
      const horizon = calibrationHorizon(targets, p0) ?? 0;
      const level = haltAlpha(p0, alpha, targets);
      expect(level).toBeGreaterThan(alpha);
      expect(crossingProbability(haltBoundary(p0, level, horizon), p0, horizon)).toBeLessThanOrEqual(alpha);
      // The search is within ~1 %: 5 % more level already breaks the bound.
      expect(crossingProbability(haltBoundary(p0, level * 1.05, horizon), p0, horizon)).toBeGreaterThan(
        alpha,
      );
    }
  });

  it('uses the plain α for stages too large to calibrate, and agrees with failuresToHalt', () => {
    expect(haltAlpha(0.05, 0.05, 5000)).toBe(0.05);
    expect(failuresToHalt(POLICY, 100)).toBe(14); // the plain confidence sequence
    expect(failuresToHalt(POLICY, 100, 100)).toBe(11); // a 100-device stage
    expect(evaluateGate(POLICY, input({ succeeded: 89, failed: 11, targets: 100 })).outcome).toBe('HALT');
    expect(evaluateGate(POLICY, input({ succeeded: 90, failed: 10, targets: 100 })).outcome).not.toBe('HALT');
    const halted = evaluateGate(POLICY, input({ succeeded: 89, failed: 11, targets: 100 })).evidence;
    expect(halted.lowerBound ?? 0).toBeGreaterThan(0.05); // the lower bound is at the halt level
    expect(halted.haltLogBoundary ?? Infinity).toBeLessThan(halted.logBoundary ?? 0);
  });

  it('simulated 100-device stages: false halts at p0 within α, and more than twice the old power at 2·p0', () => {
    const policy = resolveGatePolicy({ bakeSeconds: 60, deadlineSeconds: 1_000_000 });
    const stages = 2000;
    const atP0 = simulate({ rule: evaluateGate, policy, stages, targets: 100, rate: 0.05, seed: 11 });
    expect(atP0.haltShare).toBeLessThanOrEqual(withSlack(ALPHA, stages));
    const atTwice = simulate({ rule: evaluateGate, policy, stages, targets: 100, rate: 0.1, seed: 12 });
    // Exact: 53 % with the calibrated level against 22 % with the plain confidence sequence.
    expect(atTwice.haltShare).toBeGreaterThan(0.45);
  });
});

describe('a group that can grow (a continuous job) keeps Ville’s α', () => {
  const p1 = resolveGatePolicy({ failureThreshold: 0.01, bakeSeconds: 600, deadlineSeconds: 3600 });
  const at = (failed: number, started: number, targetsGrowing: boolean) =>
    evaluateGate(p1, {
      ...input({ succeeded: 0, failed, running: started - failed, targets: 20, targetsOpen: true }),
      targetsGrowing,
    });

  it('halts only where the uncalibrated boundary halts, even though today’s target count is small', () => {
    // Calibrated to 20 targets, 2 failures of 6 started halt; Ville's α needs more.
    expect(failuresToHalt(p1, 6, 20)).toBe(2);
    expect(failuresToHalt(p1, 6)).toBeGreaterThan(2);
    expect(at(2, 6, false).outcome).toBe('HALT');
    expect(at(2, 6, true).outcome).toBe('CONTINUE');
    const ville = failuresToHalt(p1, 6) as number;
    expect(at(ville, 6, true).outcome).toBe('HALT');
    expect(at(ville, 6, true).evidence.failuresToHalt).toBe(ville);
  });
});
