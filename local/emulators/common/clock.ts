import type { Clock } from '../../../shared/clock';

export type { Clock } from '../../../shared/clock';
export { systemClock } from '../../../shared/clock';

/** A clock that only moves when told to: a day of rollout runs in seconds. */
export class VirtualClock implements Clock {
  #now: number;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advanceTo(t: number): void {
    if (t > this.#now) this.#now = t;
  }
  advanceBy(ms: number): void {
    this.#now += Math.max(0, ms);
  }
}
