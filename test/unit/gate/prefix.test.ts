import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendStartPoint,
  evaluateGate,
  failuresToHaltAt,
  haltingPrefix,
  prefixesOf,
  resolveGatePolicy,
} from '../../../shared/domain/gate';

const POLICY = resolveGatePolicy({ bakeSeconds: 600, deadlineSeconds: 86_400 });
const T0 = Date.parse('2027-01-01T00:00:00Z');

describe('the halt rule on start-order prefixes', () => {
  it('counts a failure in a prefix only if it started in an earlier second than the moment of the prefix', () => {
    const points = [
      { at: T0 + 10_000, exposed: 10 },
      { at: T0 + 20_500, exposed: 30 },
    ];
    const failures = [T0 + 1_000, T0 + 9_999, T0 + 10_400, T0 + 20_000];
    expect(prefixesOf(points, failures)).toEqual([
      { at: T0 + 10_000, exposed: 10, failed: 2 },
      // 20_000 is in the prefix's own second (20): it might have started after the read, so it is out.
      { at: T0 + 20_500, exposed: 30, failed: 3 },
    ]);
  });

  it('halts on the first starters when late failures are diluted by the whole stage', () => {
    // 600 started; the 40 first to start have all reported, 12 failed (hung devices timed out);
    // the 560 later ones are still running (counted as successes): 12 of 600 does not halt.
    const counts = { targets: 100_000, started: 600, succeeded: 28, failed: 12, excluded: 0 };
    const input = { counts, targetsOpen: false, stageStartedAt: T0, now: T0 + 3_600_000 };
    expect(evaluateGate(POLICY, input).outcome).toBe('CONTINUE');
    const prefixes = [{ at: T0 + 60_000, exposed: 40, failed: 12 }];
    const d = evaluateGate(POLICY, { ...input, prefixes });
    expect(d).toMatchObject({ outcome: 'HALT', rule: 'halt-lower-bound' });
    expect(d.explanation).toContain('halt rule on the first 40 devices to start');
    expect(d.evidence.haltPrefix).toEqual(prefixes[0]);
    expect(d.evidence.lowerBound).toBeGreaterThan(0.05);
  });

  it('keeps few points: the newest always, older ones thinned evenly', () => {
    let points = appendStartPoint([], { at: 1, exposed: 1 }, 8);
    for (let i = 2; i <= 40; i++) points = appendStartPoint(points, { at: i, exposed: i }, 8);
    expect(points.length).toBeLessThanOrEqual(8);
    expect(points.at(-1)).toEqual({ at: 40, exposed: 40 });
    expect(points[0]).toEqual({ at: 1, exposed: 1 });
    // A read that shows no new start adds nothing.
    expect(appendStartPoint(points, { at: 41, exposed: 40 }, 8)).toEqual(points);
  });

  it('halts only when the start-order sequence itself crosses the boundary, whatever the report times', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            fail: fc.boolean(),
            gap: fc.integer({ min: 0, max: 5000 }),
            delay: fc.integer({ min: 0, max: 4_000_000 }),
          }),
          {
            minLength: 1,
            maxLength: 200,
          },
        ),
        fc.array(fc.integer({ min: 0, max: 2_000_000 }), { maxLength: 20 }),
        fc.integer({ min: 0, max: 5_000_000 }),
        (devices, readTimes, nowOffset) => {
          let t = T0;
          const starts = devices.map((d) => {
            t += d.gap;
            return t;
          });
          const now = T0 + nowOffset;
          const points = readTimes
            .map((r) => T0 + r)
            .filter((at) => at <= now)
            .sort((a, b) => a - b)
            .map((at) => ({ at, exposed: starts.filter((s) => s <= at).length }));
          const reported = devices
            .map((d, i) => ({ ...d, start: starts[i] as number }))
            .filter((d) => d.fail && d.start <= now && d.start + d.delay <= now)
            .map((d) => d.start);
          const prefix = haltingPrefix(POLICY, prefixesOf(points, reported), undefined);
          if (!prefix) return;
          // The true failures among the first `exposed` to start reach h(exposed).
          const trueFailures = devices.slice(0, prefix.exposed).filter((d) => d.fail).length;
          expect(trueFailures).toBeGreaterThanOrEqual(failuresToHaltAt(POLICY, prefix.exposed) ?? Infinity);
        },
      ),
      { numRuns: 300 },
    );
  });
});
