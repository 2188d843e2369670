import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';

/**
 * "CloudWatch Alarm State Change" as CloudWatch sends it to the default bus (aws-facts §6; CloudWatch
 * user guide "Alarm events and EventBridge"). Single-metric and metric-math alarms carry
 * `configuration.metrics`; composite alarms carry `configuration.alarmRule`. `alarmTags` and
 * `alarmTagsStatus` appear only when the alarm enables tag propagation. Unknown fields are kept:
 * AWS adds fields over time and a new one must never make us drop an alarm.
 */
export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

const alarmState = z
  .object({
    value: z.enum(ALARM_STATES),
    reason: z.string().optional(),
    reasonData: z.string().optional(),
    /** e.g. 2019-10-02T17:04:40.985+0000 */
    timestamp: z.string().refine((s) => Number.isFinite(parseAlarmTime(s)), 'must be an alarm timestamp'),
  })
  .loose();

const metricStat = z
  .object({
    metric: z
      .object({
        namespace: z.string().optional(),
        name: z.string(),
        dimensions: z.record(z.string(), z.string()).optional(),
      })
      .loose(),
    period: z.number().optional(),
    stat: z.string().optional(),
  })
  .loose();

const metricQuery = z
  .object({
    id: z.string(),
    metricStat: metricStat.optional(),
    expression: z.string().optional(),
    label: z.string().optional(),
    returnData: z.boolean().optional(),
  })
  .loose();

export const alarmDetailSchema = z
  .object({
    alarmName: z.string().min(1).max(255),
    state: alarmState,
    previousState: alarmState.optional(),
    configuration: z
      .object({
        description: z.string().optional(),
        metrics: z.array(metricQuery).optional(),
        alarmRule: z.string().optional(),
      })
      .loose(),
    alarmTags: z.record(z.string(), z.string()).optional(),
    alarmTagsStatus: z.string().optional(),
  })
  .loose();

export const alarmEventSchema = EventBridgeSchema.extend({
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
