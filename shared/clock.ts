/** Epoch-millisecond clock, injected wherever an adapter needs "now" so tests and the local stack control time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
