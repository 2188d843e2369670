import type { JsonObject } from '../common/json-rpc';
import type { StateValue } from './alarm-rule';
import { type Dimension, type MetricStore, metricKey, type Statistic, statisticOf } from './metric-store';

/**
 * How a single-metric alarm moves on its own, after the CloudWatch User Guide's "Evaluating an
 * alarm" and "How alarm state is evaluated when data is missing": each evaluation looks at an
 * evaluation range of recent periods, somewhat longer than EvaluationPeriods (the guide's tables use
 * 5 for 3, which this takes as N + 2), and judges the N most recent datapoints that exist, filling
 * missing ones by TreatMissingData only when fewer than N exist.
 */
export type Treat = 'missing' | 'ignore' | 'breaching' | 'notBreaching';
export type Evaluable = {
  key: string;
  unit?: string;
  statistic: Statistic;
  periodMs: number;
  n: number;
  m: number;
  threshold: number;
  operator: string;
  treat: Treat;
};
/** A datapoint of the range: its period's start and value, or undefined when missing. */
export type Point = { start: number; value: number | undefined; count: number };
export type Verdict = {
  state: StateValue;
  /** The existing datapoints judged, oldest first. */
  judged: Point[];
  /** Missing datapoints filled in by TreatMissingData. */
  filled: number;
};

const COMPARE: Record<string, (v: number, t: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/** The alarm's evaluation settings, or undefined for alarms the emulator does not evaluate. */
export function evaluableOf(input: JsonObject): Evaluable | undefined {
  if (input.Metrics !== undefined || input.Statistic === undefined) return undefined;
  const dims = Array.isArray(input.Dimensions) ? (input.Dimensions as Dimension[]) : [];
  const n = Number(input.EvaluationPeriods);
  return {
    key: metricKey(String(input.Namespace), String(input.MetricName), dims),
    ...(input.Unit === undefined ? {} : { unit: String(input.Unit) }),
    statistic: input.Statistic as Statistic,
    periodMs: Number(input.Period) * 1000,
    n,
    m: input.DatapointsToAlarm === undefined ? n : Number(input.DatapointsToAlarm),
    threshold: Number(input.Threshold),
    operator: String(input.ComparisonOperator),
    treat: (input.TreatMissingData as Treat | undefined) ?? 'missing',
  };
}

export const rangeLength = (e: Evaluable): number => e.n + 2;

/** The evaluation range that ends at `boundary`, oldest first. */
export function rangeAt(store: MetricStore, e: Evaluable, boundary: number): Point[] {
  const length = rangeLength(e);
  return Array.from({ length }, (_, i) => {
    const start = boundary - (length - i) * e.periodMs;
    const a = store.aggregate(e.key, e.unit, start, e.periodMs);
    return { start, value: a ? statisticOf(a, e.statistic) : undefined, count: a?.count ?? 0 };
  });
}

export const breaches = (e: Evaluable, v: number): boolean => COMPARE[e.operator]?.(v, e.threshold) ?? false;

/** The state the range calls for; undefined: keep the current one (`ignore` without enough data). */
export function judge(e: Evaluable, range: readonly Point[]): Verdict | undefined {
  const existing = range.filter((p) => p.value !== undefined);
  if (existing.length >= e.n) {
    const judged = existing.slice(-e.n);
    const hits = judged.filter((p) => breaches(e, p.value as number)).length;
    return { state: hits >= e.m ? 'ALARM' : 'OK', judged, filled: 0 };
  }
  const filled = e.n - existing.length;
  const hits = existing.filter((p) => breaches(e, p.value as number)).length;
  const verdict = (state: StateValue): Verdict => ({ state, judged: existing, filled });
  if (e.treat === 'breaching') return verdict(hits + filled >= e.m ? 'ALARM' : 'OK');
  if (e.treat === 'notBreaching' || hits >= e.m) return verdict(hits >= e.m ? 'ALARM' : 'OK');
  // `missing` and `ignore`: a datapoint within the threshold settles it, else there is no answer.
  if (existing.length > hits) return verdict('OK');
  if (e.treat === 'ignore') return undefined;
  // The guide's sixth example row: breaching data only, the oldest of the range among it, alarms.
  if (existing.length > 0 && range[0]?.value !== undefined)
    return { state: 'ALARM', judged: existing, filled: 0 };
  return { state: 'INSUFFICIENT_DATA', judged: existing, filled: 0 };
}
