import { HALT, type OursTables, type Verdict } from './gate-sim';
import type { Looks } from './stage-sim';

/**
 * The production gate's prefix halt rule (shared/domain/gate/prefix.ts), looked at on every prefix of
 * the start order where the product has its reads of the job: our halt rule applied to every prefix,
 * not only to all `exposed` executions. It halts when, for some m ≤ exposed, the failures reported among
 * the first m executions that started reach h(m). Those failures are at most the failures among the
 * first m started, so the event lies inside {∃ m: S_m ≥ h(m)}, the very event the calibration bounds
 * by α: the same false-halt guarantee, whatever the timing, at no cost in α. It needs each failure's
 * start (ListJobExecutionsForJob's startedAt; DescribeJobExecution's for a device judged unhealthy
 * after its success), which DescribeJob's counts do not give.
 *
 * D(m) = failures reported among the first m − h(m), kept in a segment tree with range add and max:
 * a failure of start rank r adds 1 to every m ≥ r; HALT when max D ≥ 0.
 */
export class PrefixHalt {
  readonly #size: number;
  readonly #leaves: number;
  readonly #max: Float64Array;
  readonly #add: Float64Array;
  /** Reported failures by start rank, to rebuild when the boundary changes (a growing group). */
  readonly #failedAt: Int32Array;
  #boundary: Int32Array | undefined;

  constructor(
    readonly ours: OursTables,
    size: number,
  ) {
    this.#size = size;
    let leaves = 1;
    while (leaves < size) leaves *= 2;
    this.#leaves = leaves;
    this.#max = new Float64Array(2 * leaves);
    this.#add = new Float64Array(2 * leaves);
    this.#failedAt = new Int32Array(size + 2);
  }

  /** Called once per look, in order, from the first look of a stage. */
  readonly verdict = (looks: Looks, j: number): Verdict => {
    if (j === 0) {
      this.#failedAt.fill(0);
      this.#boundary = undefined;
    }
    const h = this.ours.haltFor(looks.targets[j] as number);
    const rank = looks.failedRank[j] as number;
    if (rank > 0) this.#failedAt[rank] = (this.#failedAt[rank] ?? 0) + 1;
    if (h !== this.#boundary) {
      this.#boundary = h;
      this.#build(h);
    } else if (rank > 0) this.#addOneFrom(rank, 1, 1, this.#leaves);
    // m = exposed is our own halt rule; the promote rule is ours unchanged.
    return (this.#max[1] as number) >= 0 ? HALT : this.ours.verdict(looks, j);
  };

  #build(h: Int32Array): void {
    const leaves = this.#leaves;
    this.#add.fill(0);
    let failures = 0;
    for (let m = 1; m <= leaves; m++) {
      failures += m <= this.#size ? (this.#failedAt[m] ?? 0) : 0;
      this.#max[leaves + m - 1] = m <= this.#size ? failures - (h[m] as number) : Number.NEGATIVE_INFINITY;
    }
    for (let i = leaves - 1; i >= 1; i--) {
      this.#max[i] = Math.max(this.#max[2 * i] as number, this.#max[2 * i + 1] as number);
    }
  }

  /** Adds 1 to the positions ≥ from within the node's range [lo, hi] (1-based). */
  #addOneFrom(from: number, node: number, lo: number, hi: number): void {
    if (hi < from) return;
    if (lo >= from) {
      this.#max[node] = (this.#max[node] as number) + 1;
      this.#add[node] = (this.#add[node] as number) + 1;
      return;
    }
    const mid = (lo + hi) >> 1;
    this.#addOneFrom(from, 2 * node, lo, mid);
    this.#addOneFrom(from, 2 * node + 1, mid + 1, hi);
    this.#max[node] =
      Math.max(this.#max[2 * node] as number, this.#max[2 * node + 1] as number) +
      (this.#add[node] as number);
  }
}
