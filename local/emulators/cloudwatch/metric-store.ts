/**
 * Metric data as standard-resolution CloudWatch keeps it: one aggregate (sum, sample count, min,
 * max) per metric, unit and minute ("Publish custom metrics": standard resolution is one minute).
 * A metric is its namespace, name and exact set of dimensions; a period's statistic combines the
 * minutes that start in it, so a sub-minute alarm period sees data only where a minute starts (as
 * PutMetricAlarm's `Period` describes for metrics without sub-minute resolution).
 */
export type Aggregate = { sum: number; count: number; min: number; max: number };
export type Dimension = { Name: string; Value: string };

const MINUTE = 60_000;

export function metricKey(namespace: string, name: string, dimensions: readonly Dimension[]): string {
  const dims = dimensions
    .map((d) => [d.Name, d.Value])
    .sort(([a], [b]) => String(a).localeCompare(String(b)));
  return JSON.stringify([namespace, name, dims]);
}

export class MetricStore {
  /** metric key → unit → minute start (epoch ms) → aggregate. */
  readonly #data = new Map<string, Map<string, Map<number, Aggregate>>>();
  readonly #latest = new Map<string, number>();

  /** Adds samples (value, count) at `timestamp` in `unit`. */
  add(key: string, unit: string, timestamp: number, samples: readonly [number, number][]): void {
    const minute = Math.floor(timestamp / MINUTE) * MINUTE;
    let units = this.#data.get(key);
    if (!units) {
      units = new Map();
      this.#data.set(key, units);
    }
    let cells = units.get(unit);
    if (!cells) {
      cells = new Map();
      units.set(unit, cells);
    }
    const cell = cells.get(minute) ?? { sum: 0, count: 0, min: Infinity, max: -Infinity };
    for (const [value, count] of samples) {
      if (count <= 0) continue;
      cell.sum += value * count;
      cell.count += count;
      cell.min = Math.min(cell.min, value);
      cell.max = Math.max(cell.max, value);
    }
    if (cell.count > 0) cells.set(minute, cell);
    this.#latest.set(key, Math.max(this.#latest.get(key) ?? minute, minute));
  }

  /** The start of the latest minute holding data for the metric. */
  latest(key: string): number | undefined {
    return this.#latest.get(key);
  }

  /** The aggregate of [start, start + periodMs), in `unit` or every unit; undefined when no data. */
  aggregate(key: string, unit: string | undefined, start: number, periodMs: number): Aggregate | undefined {
    const units = this.#data.get(key);
    if (!units) return undefined;
    const out: Aggregate = { sum: 0, count: 0, min: Infinity, max: -Infinity };
    const first = Math.ceil(start / MINUTE) * MINUTE;
    for (const [u, cells] of units) {
      if (unit !== undefined && u !== unit) continue;
      for (let m = first; m < start + periodMs; m += MINUTE) {
        const cell = cells.get(m);
        if (!cell) continue;
        out.sum += cell.sum;
        out.count += cell.count;
        out.min = Math.min(out.min, cell.min);
        out.max = Math.max(out.max, cell.max);
      }
    }
    return out.count > 0 ? out : undefined;
  }
}

export type Statistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';

export function statisticOf(a: Aggregate, statistic: Statistic): number {
  switch (statistic) {
    case 'SampleCount':
      return a.count;
    case 'Average':
      return a.sum / a.count;
    case 'Sum':
      return a.sum;
    case 'Minimum':
      return a.min;
    case 'Maximum':
      return a.max;
  }
}
