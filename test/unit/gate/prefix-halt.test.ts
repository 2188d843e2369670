import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../bench/common';
import { HALT, OursTables } from '../../../bench/gate-sim';
import { PrefixHalt } from '../../../bench/prefix-gate';
import { DEFAULT_STAGE, defaultRollout, StageSimulator, type TimingModel } from '../../../bench/stage-sim';
import { resolveGatePolicy } from '../../../shared/domain/gate';

// The benchmark's what-if halt rule (bench/prefix-gate.ts) against a direct computation.
const POLICY = resolveGatePolicy({ failureThreshold: 0.05 });

describe('prefix halt rule (what-if)', () => {
  it.each<TimingModel>(['independent', 'early-failures', 'growing-group'])(
    '%s: halts exactly when the reported failures among some first m started reach h(m), and whenever ours halts',
    (model) => {
      const size = 200;
      const sim = new StageSimulator(size);
      const tables = new OursTables(POLICY, size);
      const prefix = new PrefixHalt(tables, size);
      let halts = 0;
      for (let s = 0; s < 20; s++) {
        const looks = sim.run(
          { model, size, rate: 0.1, ...DEFAULT_STAGE, rollout: defaultRollout(size) },
          mulberry32(s + 1),
        );
        const byRank = new Int32Array(size + 2);
        for (let j = 0; j < looks.count; j++) {
          const got = prefix.verdict(looks, j) === HALT;
          const rank = looks.failedRank[j] as number;
          if (rank > 0) byRank[rank] = (byRank[rank] ?? 0) + 1;
          const h = tables.haltFor(looks.targets[j] as number);
          let failures = 0;
          let expected = false;
          for (let m = 1; m <= size; m++) {
            failures += byRank[m] ?? 0;
            if (failures >= (h[m] as number)) expected = true;
          }
          expect(got).toBe(expected);
          if (tables.verdict(looks, j) === HALT) expect(got).toBe(true);
          if (got) halts++;
        }
      }
      expect(halts).toBeGreaterThan(0);
    },
  );
});
