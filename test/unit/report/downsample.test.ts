import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsample } from '../../../local/report/downsample';
import { gateSeries, rng } from './fixture';

type P = { i: number; v: number; w: number };
const byV = (p: P): number => p.v;
const byW = (p: P): number => p.w;

const noisy = (n: number, seed: number): P[] => {
  const next = rng(seed);
  return Array.from({ length: n }, (_, i) => ({ i, v: Math.sin(i / 300) + next() * 0.2, w: next() }));
};

describe('downsample', () => {
  it('returns short series unchanged', () => {
    const pts = noisy(400, 1);
    expect(downsample(pts, 500, [byV])).toEqual(pts);
    expect(downsample([], 500, [byV])).toEqual([]);
  });

  it('reduces 10,000 points to at most the target, in order, keeping first, last and every extreme', () => {
    const pts = noisy(10_000, 2);
    // Plant spikes that must survive.
    (pts[4321] as P).v = 99;
    (pts[777] as P).v = -99;
    (pts[9000] as P).w = -5;
    const out = downsample(pts, 500, [byV, byW]);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out.length).toBeGreaterThan(200);
    expect(out[0]).toBe(pts[0]);
    expect(out[out.length - 1]).toBe(pts[pts.length - 1]);
    expect(out.map((p) => p.i)).toEqual([...out.map((p) => p.i)].sort((a, b) => a - b));
    expect(Math.max(...out.map(byV))).toBe(99);
    expect(Math.min(...out.map(byV))).toBe(-99);
    expect(Math.min(...out.map(byW))).toBe(-5);
    expect(Math.max(...out.map(byW))).toBe(Math.max(...pts.map(byW)));
  });

  it('keeps the rate and bound extremes of a long gate series', () => {
    const series = gateSeries(10_000, 0.03, 0.05, 0, 9);
    const out = downsample(series, 500, [(p) => p.failureRate, (p) => p.lower, (p) => p.upper]);
    expect(out.length).toBeLessThanOrEqual(500);
    for (const key of ['failureRate', 'lower', 'upper'] as const) {
      expect(Math.max(...out.map((p) => p[key]))).toBe(Math.max(...series.map((p) => p[key])));
      expect(Math.min(...out.map((p) => p[key]))).toBe(Math.min(...series.map((p) => p[key])));
    }
  });

  it('always keeps the global min and max and never exceeds the target (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map((v) => v + 0),
          { minLength: 0, maxLength: 3000 },
        ),
        fc.integer({ min: 4, max: 600 }),
        (values, target) => {
          const pts = values.map((v, i) => ({ i, v, w: 0 }));
          const out = downsample(pts, target, [byV]);
          if (pts.length <= target) {
            expect(out).toEqual(pts);
            return;
          }
          expect(out.length).toBeLessThanOrEqual(target);
          expect(Math.max(...out.map(byV))).toBe(Math.max(...values));
          expect(Math.min(...out.map(byV))).toBe(Math.min(...values));
        },
      ),
      { numRuns: 200 },
    );
  });
});
