import { describe, expect, it } from 'vitest';
import { confidenceBounds, logMixtureRatio } from '../../../shared/domain/gate';
import { logGamma, normalQuantile } from '../../../shared/domain/gate/math';

describe('numerics', () => {
  it('logGamma matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 11);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(logGamma(1001)).toBeCloseTo(5912.128178488163, 8);
  });

  it('normalQuantile gives the usual z values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 6);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 6);
  });

  it('the confidence-sequence bounds are the roots of ln M_n(p) = ln(1/α) around the observed rate', () => {
    const prior = { a: 1, b: 19 };
    for (const [k, n] of [
      [5, 100],
      [0, 100],
      [3, 3],
      [50, 1000],
      [1, 1],
    ] as const) {
      const { lower, upper } = confidenceBounds(prior, k, n, 0.05);
      expect(lower).toBeLessThanOrEqual(k / n);
      expect(upper).toBeGreaterThanOrEqual(k / n);
      if (k > 0) expect(logMixtureRatio(prior, k, n, lower)).toBeCloseTo(Math.log(20), 6);
      else expect(lower).toBe(0);
      if (k < n) expect(logMixtureRatio(prior, k, n, upper)).toBeCloseTo(Math.log(20), 6);
      else expect(upper).toBe(1);
    }
    // 0 of 100 rules out 4.72% and up; 5 of 100 gives [1.04%, 13.5%].
    expect(confidenceBounds(prior, 0, 100, 0.05).upper).toBeCloseTo(0.04716, 4);
    expect(confidenceBounds(prior, 5, 100, 0.05).lower).toBeCloseTo(0.01043, 4);
  });
});
