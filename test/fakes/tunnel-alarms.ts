import type {
  AlarmDefinition,
  AlarmFacts,
  AlarmMetric,
  AlarmStateValue,
} from '../../shared/domain/tunnels/alarm-definition';
import type { AlarmDirectory } from '../../shared/services/tunnel-ports';
import { Faults } from './faults';

export type FakeAlarm = AlarmFacts & {
  tags: Record<string, string>;
  /** Tag propagation on: CloudWatch puts the alarm's tags in its state change events. */
  propagateTags: boolean;
};

/** A single metric watched on one thing's `ThingName` dimension. */
export const metricOn = (thing: string, metricName = 'Temperature', id = 'm1'): AlarmMetric => ({
  id,
  namespace: 'Fleet',
  metricName,
  dimensions: { ThingName: thing },
});

/**
 * CloudWatch alarms in memory: what DescribeAlarms and ListTagsForResource answer now. A Put
 * redefines an alarm and keeps its state; a state change moves the transition time, an update of the
 * same state moves only the update time. `now` is CloudWatch's clock for configuration changes.
 * Faults: `describe`, `tags`.
 */
export class FakeCloudWatch implements AlarmDirectory {
  readonly alarms = new Map<string, FakeAlarm>();
  readonly faults = new Faults();
  described = 0;
  now = 0;

  /** PutMetricAlarm: one metric, or several for metric math. */
  putMetricAlarm(
    name: string,
    metrics: AlarmMetric[],
    o: { tags?: Record<string, string>; propagateTags?: boolean } = {},
  ): void {
    this.#put(name, { type: 'metric', metrics: structuredClone(metrics) }, o);
  }

  /** PutCompositeAlarm. */
  putCompositeAlarm(
    name: string,
    alarmRule: string,
    o: { tags?: Record<string, string>; propagateTags?: boolean } = {},
  ): void {
    this.#put(name, { type: 'composite', alarmRule }, o);
  }

  /** SetAlarmState (or an evaluation). */
  setState(name: string, state: AlarmStateValue, at: number): void {
    const alarm = this.alarms.get(name);
    if (!alarm) throw new Error(`no alarm ${name}`);
    if (alarm.state !== state) alarm.stateTransitionedAt = at;
    alarm.state = state;
    alarm.stateUpdatedAt = at;
  }

  /** DeleteAlarms. */
  delete(name: string): void {
    this.alarms.delete(name);
  }

  async describe(name: string): Promise<AlarmFacts | undefined> {
    this.faults.check('describe');
    this.described += 1;
    const alarm = this.alarms.get(name);
    if (!alarm) return undefined;
    const { tags: _tags, propagateTags: _propagate, ...facts } = alarm;
    return structuredClone(facts);
  }

  async tags(arn: string): Promise<Record<string, string>> {
    this.faults.check('tags');
    return { ...([...this.alarms.values()].find((a) => a.arn === arn)?.tags ?? {}) };
  }

  #put(
    name: string,
    definition: AlarmDefinition,
    o: { tags?: Record<string, string>; propagateTags?: boolean },
  ): void {
    const known = this.alarms.get(name);
    this.alarms.set(name, {
      name,
      arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
      definition,
      state: known?.state ?? 'INSUFFICIENT_DATA',
      stateTransitionedAt: known?.stateTransitionedAt ?? this.now,
      stateUpdatedAt: known?.stateUpdatedAt ?? this.now,
      configUpdatedAt: this.now,
      tags: { ...(known?.tags ?? {}), ...(o.tags ?? {}) },
      propagateTags: o.propagateTags ?? known?.propagateTags ?? false,
    });
  }
}
