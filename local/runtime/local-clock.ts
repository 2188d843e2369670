import type { Clock } from '../../shared/clock';

/**
 * The stack's clock: discrete virtual time. It moves only when the stack's driver advances it,
 * after everything due at the current instant has run (local/runtime/driver.ts), so a run replays
 * exactly from its seed however loaded the machine is, and a 7-day bake costs nothing.
 * `speed` is how fast virtual time follows real time where the stack serves outside clients
 * (`npm start -- --serve`).
 */
export class LocalClock implements Clock {
  #now: number;
  constructor(
    start: number,
    readonly speed = 20,
  ) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves virtual time forward to `t`; never backwards. */
  jumpTo(t: number): void {
    if (t > this.#now) this.#now = t;
  }

  /** Virtual time paced on real time from here on: `at()` says where virtual time should be now. */
  pace(): { at(): number } {
    const virtual = this.#now;
    const real = performance.now();
    return { at: () => Math.floor(virtual + (performance.now() - real) * this.speed) };
  }
}
