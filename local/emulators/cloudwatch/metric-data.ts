import { StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { JsonObject } from '../common/json-rpc';
import { notEmulatedMessage } from '../common/smithy';
import type { Dimension } from './metric-store';
import { cwError } from './validate';

/** One datum of a PutMetricData call, checked: its samples as (value, count) pairs. */
export type Datum = {
  name: string;
  dimensions: Dimension[];
  unit: string;
  timestamp: number;
  samples: [number, number][];
};

/** MetricDatum members honoured; StatisticValues and StorageResolution (high resolution) are not. */
const DATUM_MEMBERS = new Set(['MetricName', 'Dimensions', 'Timestamp', 'Value', 'Values', 'Counts', 'Unit']);
const UNITS = new Set<string>(Object.values(StandardUnit));
const LIMIT = 2 ** 360;
const DAY = 86_400_000;

/**
 * PutMetricData's input as its API reference bounds it: at most 1000 data, 30 dimensions a datum, 150
 * values (with as many counts), values finite within ±2^360, time stamps from two weeks before now
 * to two hours after, a namespace not starting with `AWS/`.
 */
export function checkMetricData(input: JsonObject, now: number): { namespace: string; data: Datum[] } {
  const namespace = input.Namespace;
  if (namespace === undefined) throw cwError.missing('Namespace');
  if (typeof namespace !== 'string' || namespace.length < 1 || namespace.length > 255)
    throw cwError.invalid('Namespace must be 1 to 255 characters.');
  if (namespace.startsWith('AWS/'))
    throw cwError.invalid('The value AWS/ for parameter Namespace is invalid.');
  if (input.MetricData === undefined) throw cwError.missing('MetricData');
  if (!Array.isArray(input.MetricData) || input.MetricData.length < 1 || input.MetricData.length > 1000)
    throw cwError.invalid('MetricData must contain 1 to 1000 items.');
  const data = (input.MetricData as JsonObject[]).map((d, i) => datum(d, `MetricData.member.${i + 1}`, now));
  return { namespace, data };
}

function datum(d: JsonObject, at: string, now: number): Datum {
  const refused = Object.keys(d).filter((k) => d[k] !== undefined && d[k] !== null && !DATUM_MEMBERS.has(k));
  if (refused.length > 0)
    throw cwError.invalid(notEmulatedMessage(`Parameter ${refused.map((k) => `${at}.${k}`).join(', ')}`));
  const name = d.MetricName;
  if (name === undefined) throw cwError.missing(`${at}.MetricName`);
  if (typeof name !== 'string' || name.length < 1 || name.length > 255)
    throw cwError.invalid(`${at}.MetricName must be 1 to 255 characters.`);
  const unit = d.Unit === undefined ? 'None' : String(d.Unit);
  if (!UNITS.has(unit)) throw cwError.invalid(`The value ${unit} for parameter ${at}.Unit is invalid.`);
  const timestamp = d.Timestamp === undefined ? now : Number(d.Timestamp) * 1000;
  if (!Number.isFinite(timestamp) || timestamp < now - 14 * DAY || timestamp > now + 2 * 3_600_000)
    throw cwError.invalid(
      `The parameter ${at}.Timestamp must specify a time no more than two weeks in the past or two hours in the future.`,
    );
  return { name, dimensions: dimensions(d.Dimensions, at), unit, timestamp, samples: samples(d, at) };
}

function dimensions(list: unknown, at: string): Dimension[] {
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > 30)
    throw cwError.invalid(`${at}.Dimensions must hold at most 30.`);
  const seen = new Set<string>();
  return (list as JsonObject[]).map((d, i) => {
    const { Name, Value } = d;
    if (typeof Name !== 'string' || Name.length < 1 || Name.length > 255)
      throw cwError.invalid(`${at}.Dimensions.member.${i + 1}.Name must be 1 to 255 characters.`);
    if (typeof Value !== 'string' || Value.length < 1 || Value.length > 1024)
      throw cwError.invalid(`${at}.Dimensions.member.${i + 1}.Value must be 1 to 1024 characters.`);
    if (seen.has(Name)) throw cwError.invalid(`${at}.Dimensions has the dimension ${Name} twice.`);
    seen.add(Name);
    return { Name, Value };
  });
}

function samples(d: JsonObject, at: string): [number, number][] {
  // AWS's own wording for a datum's value members (its answers quoted in SDK issues).
  if (d.Value !== undefined && d.Values !== undefined)
    throw cwError.combination(
      `The parameters ${at}.Value and ${at}.Values are mutually exclusive and you have specified both.`,
    );
  if (d.Value === undefined && d.Values === undefined)
    throw cwError.combination(
      `At least one of the parameters ${at}.Value, ${at}.Values and ${at}.StatisticValues must be specified.`,
    );
  if (d.Counts !== undefined && d.Values === undefined)
    throw cwError.combination(`The parameter ${at}.Counts needs ${at}.Values.`);
  if (d.Values === undefined) return [[value(d.Value, `${at}.Value`), 1]];
  if (!Array.isArray(d.Values) || d.Values.length > 150)
    throw cwError.invalid(`${at}.Values must hold at most 150 values.`);
  const values = d.Values.map((v, i) => value(v, `${at}.Values.member.${i + 1}`));
  if (d.Counts === undefined) return values.map((v) => [v, 1]);
  if (!Array.isArray(d.Counts) || d.Counts.length !== values.length)
    throw cwError.invalid(`${at}.Counts must hold as many counts as Values.`);
  const counts = d.Counts.map((c, i) => {
    const n = value(c, `${at}.Counts.member.${i + 1}`);
    if (n < 0) throw cwError.invalid(`${at}.Counts.member.${i + 1} must not be negative.`);
    return n;
  });
  return values.map((v, i) => [v, counts[i] ?? 1]);
}

function value(v: unknown, at: string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || Math.abs(n) > LIMIT)
    throw cwError.invalid(`The value ${String(v)} for parameter ${at} is invalid.`);
  return n;
}
