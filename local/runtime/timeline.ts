import { seededRandom } from '../emulators/common/random';

type Entry = {
  time: number;
  rank: number;
  seq: number;
  label: string;
  run: () => unknown;
  cancelled: boolean;
  /** A weak entry fires when time passes it but does not keep the stack busy (unref'd timers). */
  weak: boolean;
};

export type { Scheduled } from './sandbox/ports';

import type { Scheduled } from './sandbox/ports';

/**
 * The stack's agenda on virtual time: scenario steps, delayed deliveries, retries, device answers
 * and every function container's timers. Entries due at the same instant run in an order the seed
 * decides: each source (a container, the fleet, the scenario...) gets a seeded rank, and entries of
 * one source keep the order they were scheduled in (as timers of equal delay do in Node).
 */
export class Timeline {
  readonly #heap: Entry[] = [];
  readonly #ranks = new Map<string, number>();
  readonly #random: () => number;
  #seq = 0;
  #strong = 0;
  /** Entries run so far. */
  fired = 0;

  constructor(seed = 1) {
    this.#random = seededRandom(seed ^ 0x7a6e11);
  }

  at(
    time: number,
    label: string,
    run: () => unknown,
    options: { source?: string; weak?: boolean } = {},
  ): Scheduled {
    const source = options.source ?? 'stack';
    let rank = this.#ranks.get(source);
    if (rank === undefined) {
      rank = this.#random();
      this.#ranks.set(source, rank);
    }
    const entry: Entry = {
      time,
      rank,
      seq: this.#seq++,
      label,
      run,
      cancelled: false,
      weak: options.weak === true,
    };
    if (!entry.weak) this.#strong += 1;
    this.#push(entry);
    return {
      time,
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        if (!entry.weak) this.#strong -= 1;
      },
    };
  }

  /** The earliest time a (strong) entry is due; weak entries alone leave nothing to wait for. */
  nextDue(): number | undefined {
    this.#dropCancelled();
    if (this.#strong === 0) return undefined;
    return this.#heap[0]?.time;
  }

  /** Whether anything (weak entries included) is due at `now`. */
  hasDue(now: number): boolean {
    this.#dropCancelled();
    const top = this.#heap[0];
    return top !== undefined && top.time <= now;
  }

  /** Runs every entry due at `now`, in agenda order; returns how many ran. */
  runDue(now: number, onResult: (result: unknown, label: string) => void = () => undefined): number {
    let n = 0;
    for (;;) {
      this.#dropCancelled();
      const top = this.#heap[0];
      if (top === undefined || top.time > now) return n;
      this.#pop();
      top.cancelled = true;
      if (!top.weak) this.#strong -= 1;
      n += 1;
      this.fired += 1;
      onResult(top.run(), top.label);
    }
  }

  get size(): number {
    return this.#strong;
  }

  #dropCancelled(): void {
    while (this.#heap[0]?.cancelled) this.#pop();
  }

  #less(a: Entry, b: Entry): boolean {
    if (a.time !== b.time) return a.time < b.time;
    if (a.rank !== b.rank) return a.rank < b.rank;
    return a.seq < b.seq;
  }

  #push(entry: Entry): void {
    const h = this.#heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Entry;
      if (!this.#less(entry, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = entry;
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = last;
      let mi = -1;
      if (l < h.length && this.#less(h[l] as Entry, m)) {
        m = h[l] as Entry;
        mi = l;
      }
      if (r < h.length && this.#less(h[r] as Entry, m)) {
        m = h[r] as Entry;
        mi = r;
      }
      if (mi < 0) break;
      h[i] = m;
      i = mi;
    }
    h[i] = last;
  }
}
