/**
 * Client-side pacing under a shared AWS quota: each of `containers` callers takes its share of the
 * account's TPS, minus headroom for other callers, so a burst waits here instead of being throttled
 * (a throttled call costs a round trip and a back-off, and adaptive retry alone keeps probing).
 */
export function shareOfQuota(quotaTps: number, containers: number, headroom = 0.1): number {
  if (!(quotaTps > 0) || !Number.isInteger(containers) || containers < 1) {
    throw new RangeError(`quota ${quotaTps} TPS over ${containers} containers is not a rate`);
  }
  return (quotaTps * (1 - headroom)) / containers;
}

/**
 * Spaces calls evenly at most `perSecond` apart, with no burst: each call books the next free slot.
 * Returns, for a call made at `now` (epoch ms), how long it must wait before it goes.
 */
export function createPacer(perSecond: number): (now: number) => number {
  if (!(perSecond > 0)) throw new RangeError(`pacing rate must be > 0, got ${perSecond}`);
  const gap = 1000 / perSecond;
  let nextSlot = Number.NEGATIVE_INFINITY;
  return (now) => {
    const at = Math.max(now, nextSlot);
    nextSlot = at + gap;
    return at - now;
  };
}
