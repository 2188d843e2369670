import * as CloudWatchSdk from '@aws-sdk/client-cloudwatch';
import type { Clock } from '../common/clock';
import { awsRpcHandler, type Handler, type JsonObject } from '../common/json-rpc';
import type { FaultInjector, RateLimiter } from '../common/limits';
import { serviceModel } from '../common/smithy';
import type { AwsEventInput } from '../eventbridge/envelope';
import { alarmReason } from './alarm-reason';
import { evaluateRule, ruleAlarms, type StateValue } from './alarm-rule';
import { acceptingGzip } from './compressed';
import { describeAlarms } from './describe';
import { AlarmEvaluations } from './evaluation';
import { HONOURED } from './members';
import { checkMetricData } from './metric-data';
import { MetricStore, metricKey } from './metric-store';
import {
  type AlarmRecord,
  type AlarmState,
  eventConfiguration,
  eventTags,
  eventTimestamp,
  newAlarm,
  reasonTime,
} from './model';
import { alarmName, checkCompositeAlarm, checkMetricAlarm, checkTags, cwError } from './validate';

export interface CloudWatchEmulatorOptions {
  clock: Clock;
  limiter: RateLimiter;
  faults: FaultInjector;
  /** Where alarm state change events go: the EventBridge emulator (its default bus). */
  events?: { emit(event: AwsEventInput): unknown };
  region?: string;
  accountId?: string;
}

export interface CloudWatchEmulator {
  handler: Handler;
  alarms(): readonly AlarmRecord[];
  /** Runs the metric alarm evaluations due by now. */
  sweep(): void;
  /** When a metric alarm next changes state by itself, if it will (for the stack's driver). */
  nextDue(): number | undefined;
}

type Tag = { Key: string; Value: string };
const model = serviceModel(CloudWatchSdk);

const STATE_VALUES: readonly StateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

export function createCloudWatchEmulator(opts: CloudWatchEmulatorOptions): CloudWatchEmulator {
  const { clock } = opts;
  const region = opts.region ?? 'us-east-1';
  const account = opts.accountId ?? '000000000000';
  const alarms = new Map<string, AlarmRecord>();
  const tags = new Map<string, Tag[]>();
  const arnOf = (name: string) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;
  const byRef = (ref: string) => alarms.get(ref.startsWith('arn:') ? (ref.split(':alarm:')[1] ?? ref) : ref);
  const metrics = new MetricStore();
  const evaluations = new AlarmEvaluations(
    metrics,
    () => alarms.values(),
    (a, e, verdict, at) =>
      transition(a, { value: verdict.state, ...alarmReason(e, verdict, a.state.value, at) }, at),
  );
  /** Lazy time: every call first runs the evaluations due by now (CONVENTIONS: lazily and in sweep). */
  const sweep = () => evaluations.catchUp(clock.now());

  /** Moves an alarm to a new state; emits the event and re-evaluates composite parents on a real change. */
  const transition = (a: AlarmRecord, next: Omit<AlarmState, 'timestamp'>, now = clock.now()): void => {
    evaluations.changed();
    const previous = a.state;
    a.state = { ...next, timestamp: now };
    if (previous.value === next.value) return;
    a.transitionedAt = now;
    opts.events?.emit({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      resources: [a.arn],
      time: now,
      detail: {
        alarmName: a.name,
        state: eventState(a.state),
        previousState: eventState(previous),
        configuration: eventConfiguration(a),
        ...eventTags(a, tags.get(a.arn) ?? []),
      },
    });
    for (const parent of alarms.values()) {
      if (parent.rule && ruleAlarms(parent.rule).some((ref) => byRef(ref) === a)) evaluate(parent, a, now);
    }
  };

  const evaluate = (composite: AlarmRecord, trigger?: AlarmRecord, now = clock.now()): void => {
    if (!composite.rule) return;
    const value: StateValue = evaluateRule(composite.rule, (ref) => byRef(ref)?.state.value) ? 'ALARM' : 'OK';
    if (value === composite.state.value) return;
    const when = reasonTime(now);
    const children = trigger ? [trigger] : ruleAlarms(composite.rule).flatMap((r) => byRef(r) ?? []);
    const reasonData = JSON.stringify({
      triggeringAlarms: children.map((c) => ({
        arn: c.arn,
        state: { value: c.state.value, timestamp: eventTimestamp(c.state.timestamp) },
      })),
    });
    const reason = trigger
      ? `${trigger.arn} transitioned to ${trigger.state.value} at ${when}`
      : `${composite.arn} was created and its alarm rule evaluates to ${value}`;
    transition(composite, { value, reason, reasonData }, now);
  };

  const put = (type: AlarmRecord['type'], input: JsonObject): AlarmRecord => {
    const name = alarmName(input);
    const existing = alarms.get(name);
    const newTags = checkTags(input.Tags);
    if (existing && existing.type !== type) {
      throw cwError.invalid(`The alarm ${name} already exists as a ${existing.type} alarm.`);
    }
    if (existing) {
      // Updating replaces the configuration, keeps the state and ignores Tags (as AWS documents).
      existing.input = input;
      existing.configUpdatedAt = clock.now();
      evaluations.changed();
      return existing;
    }
    const alarm = newAlarm(type, name, arnOf(name), input, clock.now());
    alarms.set(name, alarm);
    evaluations.changed();
    if (newTags.length > 0) tags.set(alarm.arn, newTags);
    return alarm;
  };

  const operations = {
    PutMetricAlarm(input: JsonObject): JsonObject {
      checkMetricAlarm(input);
      evaluations.arm(put('metric', input), clock.now());
      return {};
    },

    PutMetricData(input: JsonObject): JsonObject {
      const { namespace, data } = checkMetricData(input, clock.now());
      for (const d of data)
        metrics.add(metricKey(namespace, d.name, d.dimensions), d.unit, d.timestamp, d.samples);
      evaluations.changed();
      return {};
    },

    PutCompositeAlarm(input: JsonObject): JsonObject {
      const rule = checkCompositeAlarm(input);
      const alarm = put('composite', input);
      alarm.rule = rule;
      evaluate(alarm);
      return {};
    },

    DescribeAlarms(input: JsonObject): JsonObject {
      return describeAlarms(input, alarms.values(), byRef);
    },

    SetAlarmState(input: JsonObject): JsonObject {
      const name = alarmName(input);
      if (input.StateValue === undefined) throw cwError.missing('StateValue');
      if (!STATE_VALUES.includes(input.StateValue as StateValue))
        throw cwError.invalid('Invalid StateValue.');
      if (typeof input.StateReason !== 'string') throw cwError.missing('StateReason');
      const reasonData = typeof input.StateReasonData === 'string' ? input.StateReasonData : undefined;
      if (reasonData !== undefined) {
        try {
          JSON.parse(reasonData);
        } catch {
          throw cwError.format('StateReasonData is not valid JSON.');
        }
      }
      const alarm = alarms.get(name);
      if (!alarm) throw cwError.notFound(`Alarm ${name} not found`);
      transition(alarm, { value: input.StateValue as StateValue, reason: input.StateReason, reasonData });
      return {};
    },

    DeleteAlarms(input: JsonObject): JsonObject {
      const names = Array.isArray(input.AlarmNames) ? input.AlarmNames.map(String) : [];
      const missing = names.filter((n) => !alarms.has(n));
      if (missing.length > 0) throw cwError.notFound(`Alarms not found: ${missing.join(', ')}`);
      for (const n of names) {
        tags.delete(arnOf(n));
        alarms.delete(n);
      }
      evaluations.changed();
      return {};
    },

    TagResource(input: JsonObject): JsonObject {
      const arn = String(input.ResourceARN ?? '');
      if (!byRef(arn)) throw cwError.resourceNotFound(`${arn} not found`);
      const added = checkTags(input.Tags);
      const kept = (tags.get(arn) ?? []).filter((t) => !added.some((n) => n.Key === t.Key));
      tags.set(arn, [...kept, ...added]);
      return {};
    },

    UntagResource(input: JsonObject): JsonObject {
      const arn = String(input.ResourceARN ?? '');
      if (!byRef(arn)) throw cwError.resourceNotFound(`${arn} not found`);
      const keys = Array.isArray(input.TagKeys) ? input.TagKeys : [];
      tags.set(
        arn,
        (tags.get(arn) ?? []).filter((t) => !keys.includes(t.Key)),
      );
      return {};
    },

    ListTagsForResource(input: JsonObject): JsonObject {
      const arn = String(input.ResourceARN ?? '');
      if (!byRef(arn)) throw cwError.resourceNotFound(`${arn} not found`);
      return { Tags: tags.get(arn) ?? [] };
    },
  };

  // AWS serves CloudWatch over both AWS JSON 1.0 (current SDKs) and awsQuery (older SDKs, AWS CLI < 2.13).
  const handler = acceptingGzip(
    awsRpcHandler({
      json: { targetPrefix: 'GraniteServiceVersion20100801', version: '1.0', queryCompatible: true },
      query: { xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/' },
      model,
      operations,
      members: HONOURED,
      notEmulated: cwError.invalid,
      limiter: opts.limiter,
      faults: opts.faults,
      throttleError: cwError.throttled,
      serverError: cwError.internal,
      beforeEach: sweep,
    }),
  );

  return { handler, alarms: () => [...alarms.values()], sweep, nextDue: () => evaluations.nextDue() };
}

function eventState(s: AlarmState): JsonObject {
  return {
    value: s.value,
    reason: s.reason,
    ...(s.reasonData === undefined ? {} : { reasonData: s.reasonData }),
    timestamp: eventTimestamp(s.timestamp),
  };
}
