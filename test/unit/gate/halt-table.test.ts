import { describe, expect, it } from 'vitest';
import { failuresToHalt, finishedToPromote, haltTable, resolveGatePolicy } from '../../../shared/domain/gate';
import { POLICY } from './helpers';

describe('halt table (p0 5%, 95%)', () => {
  it('gives the fewest failures that halt after n finished', () => {
    expect(failuresToHalt(POLICY, 4)).toBeNull();
    expect(failuresToHalt(POLICY, 5)).toBe(5);
    expect(failuresToHalt(POLICY, 11)).toBe(5);
    expect(failuresToHalt(POLICY, 12)).toBe(6);
    expect(failuresToHalt(POLICY, 100)).toBe(14);
    expect(failuresToHalt(POLICY, 1000)).toBe(74);
  });

  it('compacts into rows of k failures within at most n finished', () => {
    const rows = haltTable(POLICY, 100);
    expect(rows.slice(0, 4)).toEqual([
      { failures: 5, maxFinished: 11 },
      { failures: 6, maxFinished: 21 },
      { failures: 7, maxFinished: 30 },
      { failures: 8, maxFinished: 40 },
    ]);
    expect(rows.at(-1)).toEqual({ failures: 14, maxFinished: 100 });
  });

  it('gives the finished executions needed to promote on evidence', () => {
    expect([0, 1, 2, 3].map((k) => finishedToPromote(POLICY, k))).toEqual([93, 142, 183, 221]);
  });

  it('a stricter policy needs more failures', () => {
    const strict = resolveGatePolicy({ ...POLICY, confidence: 0.99 });
    expect(failuresToHalt(strict, 100)).toBeGreaterThan(14);
  });
});
