import { clipText } from './health-self-check';

/**
 * The plan's CloudWatch alarms while a stage runs (docs/rollouts.md, "Health after success"). The
 * states are what DescribeAlarms answered (CloudWatch API Reference, "MetricAlarm" and "CompositeAlarm").
 */

export type AlarmState = {
  name: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason?: string;
  /** StateUpdatedTimestamp, epoch ms. */
  updatedAt?: number;
};

export type AlarmEvidence = {
  name: string;
  state: AlarmState['state'];
  reason: string | null;
  updatedAt: number | null;
};

const MAX_REASON = 256;

/**
 * Which of the plan's alarms are in ALARM, and which do not exist. A missing alarm is not OK: the
 * caller asks a human (it may have been renamed or deleted, and then nothing watches the fleet).
 * Both lists follow the plan's order of names; an alarm in `found` the plan does not name is ignored.
 */
export function alarmVerdict(
  names: readonly string[],
  found: readonly AlarmState[],
): { firing: AlarmState[]; missing: string[] } {
  const wanted = [...new Set(names)];
  return {
    firing: wanted.flatMap((name) => found.filter((a) => a.name === name && a.state === 'ALARM')),
    missing: wanted.filter((name) => !found.some((a) => a.name === name)),
  };
}

/** What an audit record keeps of the firing alarms: bounded, with every field present. */
export function alarmEvidence(firing: readonly AlarmState[]): AlarmEvidence[] {
  return firing.map((a) => ({
    name: a.name,
    state: a.state,
    reason: a.reason === undefined ? null : clipText(a.reason, MAX_REASON),
    updatedAt: a.updatedAt ?? null,
  }));
}
