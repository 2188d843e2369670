import { buildAuditRecord } from '../audit/audit-record';
import { verifyAlarmForOpen } from '../domain/tunnels/alarm-check';
import { alreadyOpen, decideOpen, REFUSAL } from '../domain/tunnels/decide';
import type { Enrolment } from '../domain/tunnels/enrolment';
import { isLive, RECORD_STATUS, type TunnelRecord } from '../domain/tunnels/tunnel-record';
import { type AlarmContext, type AlarmOutcome, openedAudit } from './tunnel-effects';
import { AlarmStateNotVisibleError } from './tunnel-errors';
import { reserveAndOpen } from './tunnel-opening';
import type { TunnelDeps } from './tunnel-ports';
import { refuseOpen, skipOpen } from './tunnel-refuse';
import { resumeClaim } from './tunnel-resume';

/**
 * An enrolled alarm went to ALARM. Before anything else, DescribeAlarms must confirm that the
 * alarm still is what was enrolled and still is in this ALARM: a queued event whose alarm has
 * since recovered opens nothing. Then one time-boxed tunnel to the ENROLLED thing, within policy.
 */
export async function openForEnrolled(
  alarm: AlarmContext,
  enrolment: Enrolment,
  thingNamed: string | undefined,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  const thingName = enrolment.thingName;
  const verdict = verifyAlarmForOpen({
    enrolment,
    event: { alarmArn: alarm.alarmArn, at: alarm.at, stateAt: alarm.stateAt, thingNamed },
    current: await deps.alarms.describe(alarm.alarmName),
  });
  if (!verdict.ok && verdict.outcome === 'retry') throw new AlarmStateNotVisibleError(verdict.reason);
  const existing = await deps.store.get(thingName);
  if (existing?.claimId === alarm.eventId) return resumeClaim(existing, alarm, verdict, deps);
  if (!verdict.ok) {
    return verdict.outcome === 'refused'
      ? refuseOpen(alarm, thingName, verdict.code, verdict.reason, deps)
      : skipOpen(alarm, thingName, verdict.code, verdict.reason, deps);
  }
  return openForAlarm(alarm, enrolment, existing, verdict.now, deps);
}

/**
 * Opens within the guard rails. The thing's record is claimed BEFORE OpenTunnel, so a duplicate
 * event or a second alarm for the same thing finds it taken. `now` is the latest time known from
 * the event and CloudWatch; the record's times are corrected to AWS's creation time once open.
 */
async function openForAlarm(
  alarm: AlarmContext,
  enrolment: Enrolment,
  existing: TunnelRecord | undefined,
  now: number,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  const thingName = enrolment.thingName;
  const thing = await deps.things(thingName);
  const decision = decideOpen({ policy: deps.policy, thingName, thing, record: existing, now });
  if (!decision.open) return refuseOpen(alarm, thingName, decision.code, decision.reason, deps);

  const draft: TunnelRecord = {
    thingName,
    status: RECORD_STATUS.OPENING,
    claimId: alarm.eventId,
    alarmName: alarm.alarmName,
    alarmArn: alarm.alarmArn,
    alarmStateAt: alarm.stateAt,
    auditId: '',
    services: enrolment.services,
    lifetimeMinutes: deps.policy.maxLifetimeMinutes,
    openedAt: now,
    lifetimeEndsAt: decision.lifetimeEndsAt,
    nextAllowedAt: decision.nextAllowedAt,
  };
  const record = { ...draft, auditId: buildAuditRecord(openedAudit(draft, alarm, deps.actor), 1).id };
  if (!(await deps.store.claim(record, now))) {
    // Lost a race: another event claimed the thing between our read and our write.
    const winner = await deps.store.get(thingName);
    const lost =
      winner && isLive(winner, now)
        ? alreadyOpen(winner)
        : decideOpen({ policy: deps.policy, thingName, thing, record: winner, now });
    const reason = lost.open ? 'thing was claimed concurrently' : lost.reason;
    return refuseOpen(alarm, thingName, lost.open ? REFUSAL.ALREADY_OPEN : lost.code, reason, deps);
  }
  return reserveAndOpen(record, alarm, now, deps);
}
