import type { Clock } from '../../shared/clock';

/**
 * The local stack's clock: virtual time that runs `speed` times faster than real time while work
 * is in flight (so API quotas refill and SDK back-offs mean something) and jumps straight to the
 * next deadline when the stack is idle (so a 7-day bake costs nothing).
 */
export class LocalClock implements Clock {
  #anchorVirtual: number;
  #anchorReal: number;
  constructor(
    start: number,
    readonly speed = 20,
  ) {
    this.#anchorVirtual = start;
    this.#anchorReal = performance.now();
  }

  now(): number {
    return Math.floor(this.#anchorVirtual + (performance.now() - this.#anchorReal) * this.speed);
  }

  /** Moves virtual time forward to `t`; never backwards. */
  jumpTo(t: number): void {
    const now = this.now();
    this.#anchorVirtual = Math.max(now, t);
    this.#anchorReal = performance.now();
  }
}
