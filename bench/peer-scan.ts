import { type Decision, HALT, INCONCLUSIVE, PROMOTE } from './gate-sim';
import { type PeerConfig, type PeerGrid, peerConfigs, peerGrid, wilsonTables } from './peers';
import type { Looks } from './stage-sim';

/**
 * Every configuration of every peer's grid judged on one stage in one pass per threshold: for a
 * fixed threshold the first look that halts is found for all minimum counts at once (the counts only
 * grow), and hawkBit's thresholds are ordered, so a running maximum settles them all. The result
 * equals judge() with each configuration's verdict (gate-quality.ts checks it on sampled stages).
 */
const NEVER = 0x7fffffff;

export class PeerScanner {
  readonly grid: PeerGrid;
  readonly configs: PeerConfig[];
  /** Per configuration, after scan(): the decision and the look it was taken at. */
  readonly kind: Uint8Array;
  readonly look: Int32Array;
  readonly #halt: Int32Array;
  readonly #promote: Int32Array;
  readonly #wilson: { halt: Int32Array; promote: Int32Array }[];
  readonly #awsEnd: number;
  readonly #hawkbitEnd: number;

  constructor(
    p0: number,
    size: number,
    readonly minFinished: number,
  ) {
    this.grid = peerGrid(p0, size);
    this.configs = peerConfigs(this.grid);
    const n = this.configs.length;
    this.kind = new Uint8Array(n);
    this.look = new Int32Array(n);
    this.#halt = new Int32Array(n);
    this.#promote = new Int32Array(n);
    this.#wilson = this.grid.wilsonConfidences.map((c) => wilsonTables(p0, c, size));
    this.#awsEnd = this.grid.awsThresholds.length * this.grid.mins.length;
    this.#hawkbitEnd = this.#awsEnd + this.grid.hawkbit.length;
  }

  scan(looks: Looks): void {
    this.#halt.fill(NEVER);
    this.#promote.fill(NEVER);
    this.#scanAws(looks);
    this.#scanHawkbit(looks);
    this.#scanWilson(looks);
    for (let c = 0; c < this.configs.length; c++) {
      const d = combine(this.#halt[c] as number, this.#promote[c] as number, looks);
      this.kind[c] = d.kind;
      this.look[c] = d.look;
    }
  }

  /** A failure count the first minimum counts reach at look j: assign every unassigned m ≤ finished. */
  #assignMins(base: number, from: number, finished: number, j: number): number {
    const mins = this.grid.mins;
    let p = from;
    while (p < mins.length && (mins[p] as number) <= finished) this.#halt[base + p++] = j;
    return p;
  }

  #scanAws(looks: Looks): void {
    const { awsThresholds, mins } = this.grid;
    awsThresholds.forEach((bp, ti) => {
      let p = 0;
      for (let j = 0; j < looks.count && p < mins.length; j++) {
        const failed = looks.failed[j] as number;
        const finished = failed + (looks.succeeded[j] as number);
        if (finished > 0 && failed * 10_000 >= bp * finished)
          p = this.#assignMins(ti * mins.length, p, finished, j);
      }
    });
    // The job completed (settled): the same look for every configuration.
    const s = looks.settledIndex;
    if (s < 0) return;
    const at = Math.max(s, looks.bakeIndex);
    const finished = (looks.failed[s] as number) + (looks.succeeded[s] as number);
    if (finished >= this.minFinished) this.#promote.fill(at, 0, this.#awsEnd);
  }

  #scanHawkbit(looks: Looks): void {
    const bps = this.grid.hawkbit;
    const base = this.#awsEnd;
    let lo = 0;
    for (let j = 0; j < looks.count && lo < bps.length; j++) {
      const f = (looks.failed[j] as number) * 10_000;
      const targets = looks.targets[j] as number;
      while (lo < bps.length && f > (bps[lo] as number) * targets) this.#halt[base + lo++] = j;
    }
    let hi = bps.length;
    for (let j = Math.max(0, looks.bakeIndex); j < looks.count && hi > 0; j++) {
      const succeeded = looks.succeeded[j] as number;
      if (succeeded + (looks.failed[j] as number) < this.minFinished) continue;
      const targets = looks.targets[j] as number;
      while (hi > 0 && succeeded * 10_000 >= (10_000 - (bps[hi - 1] as number)) * targets) {
        this.#promote[base + --hi] = j;
      }
    }
  }

  #scanWilson(looks: Looks): void {
    const mins = this.grid.mins;
    this.#wilson.forEach((tables, zi) => {
      const base = this.#hawkbitEnd + zi * mins.length;
      let p = 0;
      for (let j = 0; j < looks.count && p < mins.length; j++) {
        const failed = looks.failed[j] as number;
        const finished = failed + (looks.succeeded[j] as number);
        if (finished > 0 && failed >= (tables.halt[finished] as number))
          p = this.#assignMins(base, p, finished, j);
      }
      for (let j = Math.max(0, looks.bakeIndex); j < looks.count; j++) {
        const failed = looks.failed[j] as number;
        const finished = failed + (looks.succeeded[j] as number);
        if (finished >= this.minFinished && finished > 0 && failed <= (tables.promote[finished] as number)) {
          this.#promote.fill(j, base, base + mins.length);
          break;
        }
      }
    });
  }
}

/**
 * judge()'s timing rules from the first halting look and the first promoting look (from the bake end,
 * with minFinished finished): a settled stage ends INCONCLUSIVE at once unless it only waits for the
 * bake end to promote.
 */
export function combine(halt: number, promote: number, looks: Looks): Decision {
  const first: Decision | undefined =
    halt <= promote && halt < NEVER
      ? { kind: HALT, look: halt }
      : promote < NEVER
        ? { kind: PROMOTE, look: promote }
        : undefined;
  const s = looks.settledIndex;
  if (s >= 0) {
    if (first && (first.look <= s || (first.kind === PROMOTE && first.look === looks.bakeIndex)))
      return first;
    return { kind: INCONCLUSIVE, look: s };
  }
  return first ?? { kind: INCONCLUSIVE, look: looks.count - 1 };
}
