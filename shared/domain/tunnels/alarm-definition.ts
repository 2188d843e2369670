import { THING_NAME_KEY } from './alarm-thing';

/**
 * A CloudWatch alarm as DescribeAlarms shows it, reduced to what the tunnel guard rails read: what
 * it watches (its identity) and its state. Thresholds, periods and actions are left out on purpose:
 * an operator may tune them without re-enrolling, and none of them changes which device it is about.
 */
export type AlarmMetric = {
  id: string;
  expression?: string;
  namespace?: string;
  metricName?: string;
  dimensions: Record<string, string>;
};

export type AlarmDefinition =
  | { type: 'metric'; metrics: AlarmMetric[] }
  | { type: 'composite'; alarmRule: string };

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export type AlarmFacts = {
  name: string;
  arn: string;
  definition: AlarmDefinition;
  state: AlarmStateValue;
  /** StateTransitionedTimestamp (epoch ms): when StateValue last changed. */
  stateTransitionedAt: number;
  /** StateUpdatedTimestamp (epoch ms): the last update of the state or its reason. */
  stateUpdatedAt: number;
  /** AlarmConfigurationUpdatedTimestamp (epoch ms), for the audit trail. */
  configUpdatedAt: number | undefined;
};

const sortedEntries = (o: Record<string, string>) =>
  Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * What an enrolment pins: the alarm's identity-bearing configuration as one canonical string
 * (metrics by id with namespace, name, dimensions and expression; or a composite alarm's rule). A
 * later PutMetricAlarm that keeps the name but points the alarm at another device or metric
 * changes the pin, and the alarm stops opening tunnels until someone enrols it again.
 */
export function alarmPin(definition: AlarmDefinition): string {
  if (definition.type === 'composite') return JSON.stringify({ alarmRule: definition.alarmRule });
  const metrics = [...definition.metrics]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((m) => [
      m.id,
      m.namespace ?? null,
      m.metricName ?? null,
      sortedEntries(m.dimensions),
      m.expression ?? null,
    ]);
  return JSON.stringify({ metrics });
}

/** The thing names the alarm's own metrics carry in their ThingName dimension (distinct). */
export function thingsNamedBy(definition: AlarmDefinition): string[] {
  if (definition.type === 'composite') return [];
  const names = definition.metrics.flatMap((m) => {
    const value = m.dimensions[THING_NAME_KEY];
    return value === undefined ? [] : [value];
  });
  return [...new Set(names)];
}
