import { randomUUID } from '../common/ids';
import type { JsonObject } from '../common/json-rpc';
import type { AlarmRule, StateValue } from './alarm-rule';
import type { Evaluable } from './metric-alarm';

/** CloudWatch alarm records and how they look in DescribeAlarms and in alarm state change events. */

export interface AlarmState {
  value: StateValue;
  reason: string;
  reasonData?: string;
  /** Epoch ms. */
  timestamp: number;
}

export interface AlarmRecord {
  type: 'metric' | 'composite';
  name: string;
  arn: string;
  /** The Put*Alarm input as sent (PascalCase). */
  input: JsonObject;
  rule?: AlarmRule;
  state: AlarmState;
  transitionedAt: number;
  configUpdatedAt: number;
  /** Stable id for a single-metric alarm's `configuration.metrics[0].id` (AWS uses a UUID). */
  metricId: string;
  /** A single-metric alarm that evaluates its metric: its settings, and its last evaluated boundary. */
  evaluable?: Evaluable;
  evaluatedAt?: number;
}

export function newAlarm(
  type: AlarmRecord['type'],
  name: string,
  arn: string,
  input: JsonObject,
  now: number,
): AlarmRecord {
  return {
    type,
    name,
    arn,
    input,
    state: { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: now },
    transitionedAt: now,
    configUpdatedAt: now,
    metricId: randomUUID(),
  };
}

const secs = (ms: number) => ms / 1000;

export function describeAlarm(a: AlarmRecord): JsonObject {
  const { Tags: _tags, ...config } = a.input;
  return {
    ...config,
    AlarmArn: a.arn,
    ActionsEnabled: a.input.ActionsEnabled ?? true,
    OKActions: a.input.OKActions ?? [],
    AlarmActions: a.input.AlarmActions ?? [],
    InsufficientDataActions: a.input.InsufficientDataActions ?? [],
    AlarmConfigurationUpdatedTimestamp: secs(a.configUpdatedAt),
    StateValue: a.state.value,
    StateReason: a.state.reason,
    StateReasonData: a.state.reasonData,
    StateUpdatedTimestamp: secs(a.state.timestamp),
    StateTransitionedTimestamp: secs(a.transitionedAt),
  };
}

/** AWS's alarm timestamp format in events: 2019-10-02T17:04:40.989+0000. */
export const eventTimestamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

type Dimension = { Name?: unknown; Value?: unknown };

const dimensions = (list: unknown): Record<string, unknown> =>
  Object.fromEntries(
    (Array.isArray(list) ? (list as Dimension[]) : []).map((d) => [String(d.Name), d.Value]),
  );

function metricStat(metric: JsonObject, period: unknown, stat: unknown): JsonObject {
  return {
    metric: {
      dimensions: dimensions(metric.Dimensions),
      name: metric.MetricName,
      namespace: metric.Namespace,
    },
    period,
    stat,
  };
}

/** The `configuration` block of a "CloudWatch Alarm State Change" event, per alarm type. */
export function eventConfiguration(a: AlarmRecord): JsonObject {
  const i = a.input;
  const description = i.AlarmDescription === undefined ? {} : { description: i.AlarmDescription };
  if (a.type === 'composite') {
    const suppressor =
      i.ActionsSuppressor === undefined
        ? {}
        : {
            actionsSuppressor: i.ActionsSuppressor,
            actionsSuppressorWaitPeriod: i.ActionsSuppressorWaitPeriod,
            actionsSuppressorExtensionPeriod: i.ActionsSuppressorExtensionPeriod,
          };
    return { alarmRule: i.AlarmRule, ...suppressor, ...description };
  }
  if (Array.isArray(i.Metrics)) {
    const metrics = (i.Metrics as JsonObject[]).map((q) => {
      const ms = q.MetricStat as JsonObject | undefined;
      return {
        ...(q.Expression === undefined ? {} : { expression: q.Expression }),
        id: q.Id,
        ...(q.Label === undefined ? {} : { label: q.Label }),
        ...(ms ? { metricStat: metricStat((ms.Metric as JsonObject) ?? {}, ms.Period, ms.Stat) } : {}),
        returnData: q.ReturnData ?? true,
      };
    });
    return { ...description, metrics };
  }
  const stat = i.Statistic ?? i.ExtendedStatistic;
  return {
    ...description,
    metrics: [{ id: a.metricId, metricStat: metricStat(i, i.Period, stat), returnData: true }],
  };
}

interface TagPropagation {
  Enabled?: boolean;
  IncludedTagKeys?: string[];
  ExcludedTagKeys?: string[];
}

/** `alarmTags` / `alarmTagsStatus` when the alarm's ActionConfiguration enables tag propagation. */
export function eventTags(a: AlarmRecord, tags: readonly { Key: string; Value: string }[]): JsonObject {
  const cfg = (a.input.ActionConfiguration as { AlarmTagsPropagation?: TagPropagation } | undefined)
    ?.AlarmTagsPropagation;
  if (!cfg?.Enabled) return {};
  const kept = tags.filter(
    (t) =>
      !t.Key.startsWith('aws:') &&
      (cfg.IncludedTagKeys === undefined || cfg.IncludedTagKeys.includes(t.Key)) &&
      !(cfg.ExcludedTagKeys ?? []).includes(t.Key),
  );
  return { alarmTags: Object.fromEntries(kept.map((t) => [t.Key, t.Value])), alarmTagsStatus: 'SUCCESS' };
}

/** Time as composite-alarm reasons print it: "Friday 22 July, 2022 15:57:45 UTC". */
export function reasonTime(ms: number): string {
  const d = new Date(ms);
  const weekday = d.toLocaleString('en-US', { weekday: 'long', timeZone: 'UTC' });
  const month = d.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
  return `${weekday} ${d.getUTCDate()} ${month}, ${d.getUTCFullYear()} ${d.toISOString().slice(11, 19)} UTC`;
}
