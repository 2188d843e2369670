import type { Clock } from '../common/clock';
import { ExecutionClosed } from './errors';

interface Timer {
  due: number;
  fire: () => void;
}

/** Longest real delay setTimeout honours (about 24.8 days); longer ones fire at once. */
const MAX_REAL_DELAY_MS = 2_147_483_647;

/**
 * Timers on the emulator's clock. Nothing here waits for real time unless `realTimers` is on: a
 * timer fires when `sweep()` runs with the clock at or past its due time (the local stack calls it
 * after advancing a VirtualClock), or at once when it is already due. So a Wait of 7 days costs no
 * real time: advance the virtual clock 7 days, sweep, and the execution moves on.
 */
export class Scheduler {
  readonly #timers = new Set<Timer>();
  #real: ReturnType<typeof setTimeout> | undefined;
  fired = 0;

  constructor(
    private readonly clock: Clock,
    private readonly realTimers: boolean,
  ) {}

  /** Runs `fire` at clock time `due`; returns a cancel function. */
  at(due: number, fire: () => void): () => void {
    const timer: Timer = { due, fire };
    if (due <= this.clock.now()) {
      queueMicrotask(() => this.#run(timer));
      this.#timers.add(timer);
    } else {
      this.#timers.add(timer);
      this.#arm();
    }
    return () => this.#timers.delete(timer);
  }

  /** Resolves at clock time `due`; rejects with ExecutionClosed when `signal` aborts first. */
  until(due: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new ExecutionClosed());
      const onAbort = () => {
        cancel();
        reject(new ExecutionClosed());
      };
      const cancel = this.at(due, () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Fires every timer due at the clock's current time; returns how many fired. */
  sweep(): number {
    const now = this.clock.now();
    const due = [...this.#timers].filter((t) => t.due <= now).sort((a, b) => a.due - b.due);
    for (const timer of due) this.#run(timer);
    this.#arm();
    return due.length;
  }

  /** Clock time of the earliest pending timer, for a stack that jumps virtual time to the next event. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const t of this.#timers) if (next === undefined || t.due < next) next = t.due;
    return next;
  }

  #run(timer: Timer): void {
    if (!this.#timers.delete(timer)) return;
    this.fired += 1;
    timer.fire();
  }

  #arm(): void {
    if (!this.realTimers) return;
    if (this.#real) clearTimeout(this.#real);
    const next = this.nextDue();
    if (next === undefined) return;
    const delay = Math.min(MAX_REAL_DELAY_MS, Math.max(0, next - this.clock.now()));
    this.#real = setTimeout(() => this.sweep(), delay);
    this.#real.unref();
  }
}
