import type { LocalClock } from './local-clock';
import { quiesce } from './quiesce';
import type { Timeline } from './timeline';

export type DriverHooks = {
  /** Runs what is due at the clock's now: emulator sweeps, agenda entries, SQS batches. */
  step(): void;
  /** Whether something can run at the clock's now without time passing. */
  dueNow(): boolean;
  /** The earliest virtual time at which something is scheduled to happen. */
  nextDeadline(): number | undefined;
  /** Work outside the stack's thread still in flight (LevelDB on disk). */
  busy(): boolean;
  /** Whether container threads have work queued or running. */
  threadsPending(): boolean;
  /** Runs container-thread turns until they and the stack are quiet; returns the quiet rounds. */
  settleThreads(): Promise<number>;
};

export type DriverStats = { instants: number; steps: number; rounds: number };

/**
 * The discrete-event loop of the local stack. Virtual time stands still while anything due at
 * the current instant can run: agenda entries fire, SQS batches start, function containers and
 * emulators run their work to the end (every request they make to each other is answered at
 * this instant); only when nothing is left does the clock jump to the next deadline. Same seed,
 * same code: same order of everything, whatever the machine's load.
 */
export class Driver {
  readonly stats: DriverStats = { instants: 0, steps: 0, rounds: 0 };
  #loop: Promise<void> | undefined;
  /** Work from outside the stack (a client's back-off, an API call) that a drive is waiting for. */
  readonly #waiters = new Set<Promise<unknown>>();

  constructor(
    private readonly clock: LocalClock,
    private readonly timeline: Timeline,
    private readonly hooks: DriverHooks,
  ) {}

  get driving(): boolean {
    return this.#loop !== undefined;
  }

  /** Runs until nothing can happen without more time and no deadline is left (or it lies past `until`). */
  async runUntilIdle(options: { until?: number } = {}): Promise<void> {
    while (this.#loop) await this.#loop;
    await this.#start(options.until, () => false);
  }

  /**
   * Answers `work` once it settles, running the stack meanwhile (advancing virtual time as far as
   * needed) unless something else is already driving it. For work that starts outside a run: a
   * client's back-off, an operator's API call from the CLI, a deployment.
   */
  drive<T>(work: Promise<T>): Promise<T> {
    const waiter = work.then(
      () => undefined,
      () => undefined,
    );
    this.#waiters.add(waiter);
    void waiter.then(() => this.#waiters.delete(waiter));
    if (!this.#loop) void this.#start(undefined, () => this.#waiters.size === 0);
    return work;
  }

  #start(until: number | undefined, stop: () => boolean): Promise<void> {
    const loop = this.#run(until, stop).finally(() => {
      this.#loop = undefined;
    });
    this.#loop = loop;
    return loop;
  }

  async #run(until: number | undefined, stop: () => boolean): Promise<void> {
    let instant = Number.NaN;
    for (;;) {
      if (this.clock.now() !== instant) {
        instant = this.clock.now();
        this.stats.instants += 1;
      }
      this.stats.steps += 1;
      this.hooks.step();
      await this.#quiet();
      if (stop()) return;
      if (this.hooks.dueNow()) continue;
      const next = this.hooks.nextDeadline();
      let target = next;
      if (next === undefined || (until !== undefined && next > until)) {
        if (until === undefined || this.clock.now() >= until) return;
        target = until;
      }
      this.clock.jumpTo(target as number);
    }
  }

  /** Until nothing can run at this instant: in this thread, on container threads, or on disk. */
  async #quiet(): Promise<void> {
    for (;;) {
      this.stats.rounds += await quiesce();
      if (this.hooks.threadsPending()) this.stats.rounds += await this.hooks.settleThreads();
      else if (this.hooks.busy()) await new Promise((resolve) => setTimeout(resolve, 1));
      else return;
    }
  }

  /** Agenda entries run so far (for the benchmarks). */
  get fired(): number {
    return this.timeline.fired;
  }
}
