import { describe, expect, it } from 'vitest';
import { HALT, judge, NONE, PROMOTE } from '../../../bench/gate-sim';
import { PeerScanner } from '../../../bench/peer-scan';
import {
  awsAbortVerdict,
  hawkbitVerdict,
  wilsonInterval,
  wilsonTables,
  wilsonVerdict,
} from '../../../bench/peers';
import type { Looks } from '../../../bench/stage-sim';

/** Looks from rows of [minutes, failed, succeeded, exposed, targets]; the bake look is the first at ≥ 30 min. */
function looksOf(rows: [number, number, number, number, number][], settled = false): Looks {
  const n = rows.length;
  const col = (k: number) => Int32Array.from(rows, (r) => r[k] as number);
  const t = Float64Array.from(rows, (r) => r[0] * 60_000);
  const bakeIndex = rows.findIndex((r) => r[0] >= 30);
  return {
    count: n,
    t,
    failed: col(1),
    succeeded: col(2),
    exposed: col(3),
    targets: col(4),
    failedRank: new Int32Array(n),
    bakeIndex: bakeIndex < 0 ? n : bakeIndex,
    settledIndex: settled ? n - 1 : -1,
    everStarted: rows.at(-1)?.[3] ?? 0,
  };
}

describe('the peer rules of the benchmark', () => {
  it('AWS abortConfig: at least thresholdPercentage of at least minNumberOfExecutedThings completed; passes when the job completes', () => {
    const rule = awsAbortVerdict({ thresholdBasisPoints: 500, minExecuted: 10 });
    const looks = looksOf([
      [1, 5, 4, 30, 100], // 9 completed: below the minimum
      [2, 1, 19, 30, 100], // exactly 5 % of 20
      [3, 1, 20, 30, 100],
    ]);
    expect([0, 1, 2].map((j) => rule(looks, j))).toEqual([NONE, HALT, NONE]);
    const done = looksOf([[40, 1, 99, 100, 100]], true);
    expect(rule(done, 0)).toBe(PROMOTE);
  });

  it('hawkBit: errors over the whole group (strict >), success at 100 % − error threshold of the group', () => {
    const rule = hawkbitVerdict({ errorBasisPoints: 500 });
    const looks = looksOf([
      [1, 5, 0, 10, 100], // 5 of 100 is not > 5 %, however few reported
      [2, 6, 0, 10, 100],
      [3, 0, 95, 100, 100],
    ]);
    expect([0, 1, 2].map((j) => rule(looks, j))).toEqual([NONE, HALT, PROMOTE]);
  });

  it('Wilson every event: 2 of 10 halts at 95 % (lower 5.7 %), 0 of 73 promotes (upper < 5 % from n > 72.99)', () => {
    expect(wilsonInterval(2, 10, 0.95).lower).toBeCloseTo(0.0567, 3);
    const tables = wilsonTables(0.05, 0.95, 100);
    expect(tables.halt[10]).toBe(2);
    expect(tables.promote[72]).toBe(-1);
    expect(tables.promote[73]).toBe(0);
    const rule = wilsonVerdict({ confidence: 0.95, minFinished: 20 }, tables);
    // The minimum count holds the halt back.
    expect(rule(looksOf([[1, 2, 8, 20, 100]]), 0)).toBe(NONE);
  });

  it('the one-pass scan of every grid configuration equals judge() with its own verdict', () => {
    const scanner = new PeerScanner(0.05, 100, 10);
    const looks = looksOf([
      [5, 1, 3, 40, 100],
      [12, 3, 20, 70, 100],
      [20, 4, 45, 95, 100],
      [30, 5, 60, 100, 100],
      [45, 6, 94, 100, 100],
    ]);
    looks.settledIndex = 4;
    scanner.scan(looks);
    scanner.configs.forEach((config, c) => {
      const verdict =
        config.peer === 'awsAbortConfig'
          ? awsAbortVerdict(config)
          : config.peer === 'hawkbit'
            ? hawkbitVerdict(config)
            : wilsonVerdict(config, wilsonTables(0.05, config.confidence, 100));
      expect({ c, ...judge(looks, verdict, 10, 30 * 60_000) }).toEqual({
        c,
        kind: scanner.kind[c],
        look: scanner.look[c],
      });
    });
  });
});
