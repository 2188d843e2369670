import { decodeToken, encodeToken, type JsonObject } from '../common/json-rpc';
import { ruleAlarms } from './alarm-rule';
import { type AlarmRecord, describeAlarm } from './model';
import { cwError } from './validate';

/**
 * DescribeAlarms as its API reference describes it: names or a name prefix, alarm types (metric only
 * by default), state and action-prefix filters, and the "family" queries ChildrenOfAlarmName /
 * ParentsOfAlarmName, which take no other filter and return only name, ARN, state value and state
 * time (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html).
 */
export function describeAlarms(
  input: JsonObject,
  all: Iterable<AlarmRecord>,
  byRef: (ref: string) => AlarmRecord | undefined,
): JsonObject {
  const max = input.MaxRecords ?? 50;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100) {
    throw cwError.invalid('MaxRecords must be between 1 and 100.');
  }
  const from = decodeToken(input.NextToken, () => cwError.invalid('Invalid NextToken.')) ?? 0;
  const every = [...all];
  const family = familyQuery(input, every, byRef);
  const alarms = family?.alarms ?? filtered(input, every);
  const sorted = alarms.sort((a, b) => a.name.localeCompare(b.name));
  const page = sorted.slice(from, from + max);
  const view = family ? familyView : describeAlarm;
  return {
    MetricAlarms: page.filter((a) => a.type === 'metric').map(view),
    CompositeAlarms: page.filter((a) => a.type === 'composite').map(view),
    NextToken: from + max < sorted.length ? encodeToken(from + max) : undefined,
  };
}

const FAMILY_COMPANIONS = new Set(['MaxRecords', 'NextToken']);

function familyQuery(
  input: JsonObject,
  all: AlarmRecord[],
  byRef: (ref: string) => AlarmRecord | undefined,
): { alarms: AlarmRecord[] } | undefined {
  const key = ['ChildrenOfAlarmName', 'ParentsOfAlarmName'].find((k) => input[k] !== undefined);
  if (key === undefined) return undefined;
  const others = Object.keys(input).filter((k) => k !== key && input[k] !== undefined);
  if (others.some((k) => !FAMILY_COMPANIONS.has(k))) {
    throw cwError.combination(
      `${key} cannot be combined with parameters other than MaxRecords and NextToken.`,
    );
  }
  const named = byRef(String(input[key]));
  if (!named) return { alarms: [] };
  if (key === 'ChildrenOfAlarmName') {
    const children = named.rule ? ruleAlarms(named.rule).flatMap((ref) => byRef(ref) ?? []) : [];
    return { alarms: [...new Set(children)] };
  }
  return {
    alarms: all.filter((a) => a.rule !== undefined && ruleAlarms(a.rule).some((ref) => byRef(ref) === named)),
  };
}

function filtered(input: JsonObject, all: AlarmRecord[]): AlarmRecord[] {
  if (input.AlarmNames !== undefined && input.AlarmNamePrefix !== undefined) {
    throw cwError.combination('AlarmNames and AlarmNamePrefix cannot be used together.');
  }
  const names = Array.isArray(input.AlarmNames) ? input.AlarmNames.map(String) : undefined;
  const prefix = typeof input.AlarmNamePrefix === 'string' ? input.AlarmNamePrefix : '';
  const types = Array.isArray(input.AlarmTypes) ? input.AlarmTypes.map(String) : ['MetricAlarm'];
  const action = typeof input.ActionPrefix === 'string' ? input.ActionPrefix : undefined;
  return all
    .filter((a) => types.includes(a.type === 'metric' ? 'MetricAlarm' : 'CompositeAlarm'))
    .filter((a) => (names ? names.includes(a.name) : a.name.startsWith(prefix)))
    .filter((a) => input.StateValue === undefined || a.state.value === input.StateValue)
    .filter((a) => action === undefined || actionsOf(a).some((arn) => arn.startsWith(action)));
}

function actionsOf(a: AlarmRecord): string[] {
  return ['AlarmActions', 'OKActions', 'InsufficientDataActions'].flatMap((k) =>
    Array.isArray(a.input[k]) ? (a.input[k] as unknown[]).map(String) : [],
  );
}

const familyView = (a: AlarmRecord): JsonObject => ({
  AlarmName: a.name,
  AlarmArn: a.arn,
  StateValue: a.state.value,
  StateUpdatedTimestamp: a.state.timestamp / 1000,
});
