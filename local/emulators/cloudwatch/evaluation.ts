import { type Evaluable, evaluableOf, judge, rangeAt, rangeLength, type Verdict } from './metric-alarm';
import type { MetricStore } from './metric-store';
import type { AlarmRecord } from './model';

/** How far ahead `nextDue` looks for a change before giving up (data up to 2 hours ahead is allowed). */
const HORIZON_MS = 3 * 86_400_000;

/**
 * Single-metric alarms on virtual time: each evaluates at every boundary of its period (epoch
 * aligned), lazily, when the emulator is asked anything or swept. Boundaries are taken in time
 * order across alarms, so composite parents see their children change in the order AWS would.
 */
export class AlarmEvaluations {
  #version = 0;
  #due: { version: number; at: number | undefined } | undefined;

  constructor(
    private readonly store: MetricStore,
    private readonly alarms: () => Iterable<AlarmRecord>,
    private readonly move: (alarm: AlarmRecord, e: Evaluable, verdict: Verdict, at: number) => void,
  ) {}

  /** Something changed (data, alarms, states): the next due time is to be worked out again. */
  changed(): void {
    this.#version += 1;
  }

  /** (Re)starts an alarm's evaluations: its first is at the period boundary after `now`. */
  arm(alarm: AlarmRecord, now: number): void {
    const e = evaluableOf(alarm.input);
    if (e) {
      alarm.evaluable = e;
      alarm.evaluatedAt = Math.floor(now / e.periodMs) * e.periodMs;
    } else {
      delete alarm.evaluable;
      delete alarm.evaluatedAt;
    }
    this.changed();
  }

  /** Runs every evaluation due by `now`, oldest boundary first. */
  catchUp(now: number): void {
    for (;;) {
      let next: AlarmRecord | undefined;
      let at = Number.POSITIVE_INFINITY;
      for (const a of this.alarms()) {
        if (!a.evaluable || a.evaluatedAt === undefined) continue;
        const b = a.evaluatedAt + a.evaluable.periodMs;
        if (b <= now && b < at) {
          at = b;
          next = a;
        }
      }
      if (!next?.evaluable) return;
      const e = next.evaluable;
      const verdict = judge(e, rangeAt(this.store, e, at));
      if (verdict && verdict.state !== next.state.value) this.move(next, e, verdict, at);
      // With no data left in its range, every later evaluation answers alike until new data comes.
      next.evaluatedAt = this.#quiet(e, at) ? Math.max(at, Math.floor(now / e.periodMs) * e.periodMs) : at;
      this.changed();
    }
  }

  /** The next boundary at which an alarm changes state by itself (no new data or calls meanwhile). */
  nextDue(): number | undefined {
    if (this.#due?.version === this.#version) return this.#due.at;
    let best: number | undefined;
    for (const a of this.alarms()) {
      const e = a.evaluable;
      if (!e || a.evaluatedAt === undefined) continue;
      const limit = a.evaluatedAt + HORIZON_MS;
      for (
        let b = a.evaluatedAt + e.periodMs;
        b <= limit && (best === undefined || b < best);
        b += e.periodMs
      ) {
        const verdict = judge(e, rangeAt(this.store, e, b));
        if (verdict && verdict.state !== a.state.value) {
          best = b;
          break;
        }
        if (this.#quiet(e, b)) break;
      }
    }
    this.#due = { version: this.#version, at: best };
    return best;
  }

  /** Whether no data of the alarm's metric lies in (or after) the evaluation range ending at `boundary`. */
  #quiet(e: Evaluable, boundary: number): boolean {
    const latest = this.store.latest(e.key);
    return latest === undefined || latest < boundary - rangeLength(e) * e.periodMs;
  }
}
