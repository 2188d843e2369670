import * as z from '../../zod';
import { eventBridgeEnvelope } from '../events/eventbridge-envelope';

/**
 * "CloudWatch Alarm State Change" as CloudWatch sends it to the default bus (CloudWatch
 * user guide "Alarm events and EventBridge"). Single-metric and metric-math alarms carry
 * `configuration.metrics`; composite alarms carry `configuration.alarmRule`. `alarmTags` and
 * `alarmTagsStatus` appear only when the alarm enables tag propagation. Unknown fields are kept:
 * AWS adds fields over time and a new one must never make us drop an alarm.
 */
const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

const alarmState = z.looseObject({
  value: z.enum(ALARM_STATES),
  reason: z.optional(z.string()),
  reasonData: z.optional(z.string()),
  /** e.g. 2019-10-02T17:04:40.985+0000 */
  timestamp: z
    .string()
    .check(z.refine((s) => Number.isFinite(parseAlarmTime(s)), 'must be an alarm timestamp')),
});

const metricStat = z.looseObject({
  metric: z.looseObject({
    namespace: z.optional(z.string()),
    name: z.string(),
    dimensions: z.optional(z.record(z.string(), z.string())),
  }),
  period: z.optional(z.number()),
  stat: z.optional(z.string()),
});

const metricQuery = z.looseObject({
  id: z.string(),
  metricStat: z.optional(metricStat),
  expression: z.optional(z.string()),
  label: z.optional(z.string()),
  returnData: z.optional(z.boolean()),
});

const alarmDetailSchema = z.looseObject({
  alarmName: z.string().check(z.minLength(1), z.maxLength(255)),
  state: alarmState,
  previousState: z.optional(alarmState),
  configuration: z.looseObject({
    description: z.optional(z.string()),
    metrics: z.optional(z.array(metricQuery)),
    alarmRule: z.optional(z.string()),
  }),
  alarmTags: z.optional(z.record(z.string(), z.string())),
  alarmTagsStatus: z.optional(z.string()),
});

export const alarmEventSchema = z.extend(eventBridgeEnvelope, {
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  detail: alarmDetailSchema,
});

export type AlarmEvent = z.infer<typeof alarmEventSchema>;
export type AlarmDetail = z.infer<typeof alarmDetailSchema>;
export type MetricQuery = z.infer<typeof metricQuery>;

/** CloudWatch writes `+0000` offsets, which Date.parse does not accept everywhere; normalize first. */
export function parseAlarmTime(value: string): number {
  return Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/** The alarm's ARN: the event's only resource. */
export function alarmArnOf(event: AlarmEvent): string {
  return (
    event.resources[0] ??
    `arn:aws:cloudwatch:${event.region}:${event.account}:alarm:${event.detail.alarmName}`
  );
}
