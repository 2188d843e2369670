import { type AlarmFacts, alarmPin, thingsNamedBy } from './alarm-definition';
import { REFUSAL, type RefusalCode, SKIP, type SkipCode } from './decide';
import type { Enrolment } from './enrolment';

/** The account and region the deployment runs in: the only ones whose alarms it acts on. */
export type Home = { account: string; region: string };

/**
 * Alarm state timestamps in an event and in DescribeAlarms are the same instant written twice;
 * this much disagreement is rounding, not a different state change.
 */
const STATE_TIME_TOLERANCE_MS = 1000;

/** Why an event from outside the deployment's account or region is refused, or undefined. */
export function foreignOrigin(
  event: { account: string; region: string; alarmArn: string; alarmName: string },
  home: Home,
): string | undefined {
  if (event.account !== home.account || event.region !== home.region) {
    return `event from account ${event.account} in ${event.region}; this deployment acts on ${home.account} in ${home.region} only`;
  }
  const arn = /^arn:[a-z-]+:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/s.exec(event.alarmArn);
  if (!arn || arn[1] !== home.region || arn[2] !== home.account || arn[3] !== event.alarmName) {
    return `alarm ARN ${event.alarmArn.slice(0, 300)} is not alarm ${event.alarmName} of account ${home.account} in ${home.region}`;
  }
  return undefined;
}

export type AlarmVerdict =
  /** Open, deciding as of `now`: the later of the event's time and what DescribeAlarms saw. */
  | { ok: true; now: number }
  | { ok: false; outcome: 'refused'; code: RefusalCode; reason: string }
  | { ok: false; outcome: 'skipped'; code: SkipCode; reason: string }
  /** DescribeAlarms does not show this state change yet: try again later (Lambda retries). */
  | { ok: false; outcome: 'retry'; reason: string };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * An ALARM event for an enrolled alarm is acted on only if the alarm still is what was enrolled
 * (ARN, thing, metrics or rule) and still is in the ALARM state this event reports, as
 * DescribeAlarms says now. Order comes from the alarm's state timestamps, never from arrival: an
 * event that waited in a queue while the alarm recovered, or recovered and fired again, opens nothing.
 */
export function verifyAlarmForOpen(input: {
  enrolment: Enrolment;
  event: { alarmArn: string; at: number; stateAt: number; thingNamed: string | undefined };
  current: AlarmFacts | undefined;
}): AlarmVerdict {
  const { enrolment, event, current } = input;
  const mismatch = (reason: string): AlarmVerdict => ({
    ok: false,
    outcome: 'refused',
    code: REFUSAL.ENROLMENT_MISMATCH,
    reason: `alarm ${enrolment.alarmName} does not match its enrolment (by ${enrolment.enrolledBy}): ${reason}`,
  });
  if (event.alarmArn !== enrolment.alarmArn) {
    return mismatch(`the event is from ${event.alarmArn}, the enrolment is for ${enrolment.alarmArn}`);
  }
  if (event.thingNamed !== undefined && event.thingNamed !== enrolment.thingName) {
    return mismatch(`the alarm names thing ${event.thingNamed}, the enrolment thing ${enrolment.thingName}`);
  }
  if (!current) {
    return {
      ok: false,
      outcome: 'skipped',
      code: SKIP.STALE,
      reason: `alarm ${enrolment.alarmName} no longer exists`,
    };
  }
  if (current.arn !== enrolment.alarmArn || alarmPin(current.definition) !== enrolment.pin) {
    return mismatch(
      'it was redefined since it was enrolled (another metric, dimensions or rule); enrol it again',
    );
  }
  const named = thingsNamedBy(current.definition).filter((t) => t !== enrolment.thingName);
  if (named.length > 0) return mismatch(`its metrics name thing ${named.join(', ')}`);
  if (current.stateTransitionedAt < event.stateAt - STATE_TIME_TOLERANCE_MS) {
    return {
      ok: false,
      outcome: 'retry',
      reason: `DescribeAlarms shows ${current.state} since ${iso(current.stateTransitionedAt)}, older than this event's ALARM at ${iso(event.stateAt)}`,
    };
  }
  if (current.state !== 'ALARM') {
    return {
      ok: false,
      outcome: 'skipped',
      code: SKIP.STALE,
      reason: `the alarm is ${current.state} since ${iso(current.stateTransitionedAt)}: this ALARM (${iso(event.stateAt)}) is over`,
    };
  }
  if (current.stateTransitionedAt > event.stateAt + STATE_TIME_TOLERANCE_MS) {
    return {
      ok: false,
      outcome: 'skipped',
      code: SKIP.SUPERSEDED,
      reason: `the alarm entered ALARM again at ${iso(current.stateTransitionedAt)}; that event decides, not this one (${iso(event.stateAt)})`,
    };
  }
  return { ok: true, now: Math.max(event.at, current.stateUpdatedAt) };
}
