/**
 * Reduces a long series to at most about `target` points for drawing while keeping its shape. The
 * series is cut into buckets; each bucket keeps its first and last point and, for every value
 * accessor given, the points holding its minimum and maximum (in original order). So spikes and each
 * value's global extremes survive, as do the series' first and last points.
 */
export const downsample = <T>(
  points: readonly T[],
  target: number,
  values: readonly ((p: T) => number)[],
): T[] => {
  const perBucket = 2 + 2 * values.length;
  if (points.length <= target || target < perBucket) return [...points];
  const buckets = Math.max(1, Math.floor(target / perBucket));
  const size = points.length / buckets;
  const at = (i: number): T => points[i] as T;
  const keep = new Set<number>();
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(points.length, Math.floor((b + 1) * size));
    if (end <= start) continue;
    keep.add(start).add(end - 1);
    for (const value of values) {
      let lo = start;
      let hi = start;
      let loV = value(at(start));
      let hiV = loV;
      for (let i = start + 1; i < end; i++) {
        const v = value(at(i));
        if (v < loV) [lo, loV] = [i, v];
        if (v > hiV) [hi, hiV] = [i, v];
      }
      keep.add(lo).add(hi);
    }
  }
  return [...keep].sort((a, b) => a - b).map(at);
};
