import { describe, expect, it } from 'vitest';
import { abortBackstop, binomialTail } from '../../../shared/domain/rollout/abort-backstop';
import { defaultJobRollout } from '../../../shared/domain/rollout/job-rollout';

describe('the abortConfig backstop', () => {
  it('binomialTail matches exact small cases', () => {
    // P(Bin(3, 0.5) >= 2) = 4/8.
    expect(binomialTail(3, 0.5, 2)).toBeCloseTo(0.5, 12);
    expect(binomialTail(10, 0.1, 0)).toBe(1);
    expect(binomialTail(10, 0.1, 11)).toBe(0);
    // P(Bin(20, 0.05) >= 4) = 1 − Σ_{j<4} C(20,j) .05^j .95^(20−j) = 0.015904…
    expect(binomialTail(20, 0.05, 4)).toBeCloseTo(0.0159, 4);
  });

  it('never fires on a healthy stage: even all the failures of a stage at p0 cannot reach the threshold of its first half', () => {
    for (const [targets, p0] of [
      [20, 0.05],
      [250, 0.05],
      [10_000, 0.01],
      [3000, 0.1],
    ] as const) {
      const c = abortBackstop(targets, p0);
      const size = Math.ceil(targets * 1.25);
      const k = Math.ceil((c.thresholdPercentage / 100) * c.minNumberOfExecutedThings - 1e-9);
      expect(binomialTail(size, p0, k)).toBeLessThanOrEqual(1e-4);
      expect(c).toMatchObject({ failureType: 'ALL', action: 'CANCEL' });
      expect(c.minNumberOfExecutedThings).toBe(Math.ceil(size / 2));
      expect(Math.round(c.thresholdPercentage * 100)).toBe(c.thresholdPercentage * 100);
    }
  });

  it('is tight enough to cancel a bad update on a large stage (p0 5 %, 10,000 devices: about 11 %)', () => {
    const c = abortBackstop(10_000, 0.05);
    expect(c.thresholdPercentage).toBeGreaterThan(10);
    expect(c.thresholdPercentage).toBeLessThan(12.5);
  });
});

describe('the default rollout rate', () => {
  it('starts a cohort of min(N, 200) per in-progress timeout and doubles per cohort succeeded', () => {
    expect(defaultJobRollout(1000, 30)).toEqual({
      maximumPerMinute: 1000,
      exponentialRate: {
        baseRatePerMinute: 7,
        incrementFactor: 2,
        rateIncreaseCriteria: { numberOfSucceededThings: 200 },
      },
    });
    expect(defaultJobRollout(20, 30).exponentialRate).toMatchObject({
      baseRatePerMinute: 1,
      rateIncreaseCriteria: { numberOfSucceededThings: 20 },
    });
    // AWS's bounds: baseRatePerMinute 1..1000, numberOfSucceededThings >= 1.
    expect(defaultJobRollout(0, 1).exponentialRate).toMatchObject({
      baseRatePerMinute: 1,
      rateIncreaseCriteria: { numberOfSucceededThings: 1 },
    });
  });
});
