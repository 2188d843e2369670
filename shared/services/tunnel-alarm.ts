import { foreignOrigin } from '../domain/tunnels/alarm-check';
import { type AlarmEvent, alarmArnOf, parseAlarmTime } from '../domain/tunnels/alarm-event';
import { alarmKind, markedBy, resolveThing } from '../domain/tunnels/alarm-thing';
import { REFUSAL, type RefusalCode } from '../domain/tunnels/decide';
import { closeForAlarm, skipClose } from './tunnel-close';
import type { AlarmContext, AlarmOutcome } from './tunnel-effects';
import { openForEnrolled } from './tunnel-open';
import type { TunnelDeps } from './tunnel-ports';
import { refuseOpen } from './tunnel-refuse';

/**
 * One "CloudWatch Alarm State Change": ALARM opens, OK closes, anything else is ignored. Only an
 * alarm an operator enrolled opens a tunnel, and only to the enrolled thing: the name prefix and
 * the tag merely route events here. Events from another account or region, unmarked alarms and
 * alarms naming an unusable thing are refused (or skipped, for OK) with a reason; never retried.
 */
export async function handleAlarmEvent(event: AlarmEvent, deps: TunnelDeps): Promise<AlarmOutcome> {
  const { detail } = event;
  const alarm: AlarmContext = {
    eventId: event.id,
    at: Date.parse(event.time),
    alarmName: detail.alarmName,
    alarmArn: alarmArnOf(event),
    alarmKind: alarmKind(detail),
    stateAt: parseAlarmTime(detail.state.timestamp),
  };
  const state = detail.state.value;
  if (state === 'INSUFFICIENT_DATA') {
    return { result: 'ignored', reason: 'INSUFFICIENT_DATA opens and closes nothing' };
  }
  const refuse = (code: RefusalCode, reason: string) =>
    state === 'ALARM'
      ? refuseOpen(alarm, undefined, code, reason, deps)
      : skipClose(alarm, undefined, reason, deps);

  const foreign = foreignOrigin(
    { ...event, alarmArn: alarm.alarmArn, alarmName: alarm.alarmName },
    deps.home,
  );
  if (foreign) return refuse(REFUSAL.FOREIGN_ACCOUNT, foreign);
  if (!markedBy(detail, deps.policy.alarms.namePrefix)) {
    const reason = `alarm ${detail.alarmName} is not marked for tunnels (name prefix "${deps.policy.alarms.namePrefix}" or tag FleetAutopilotTunnel=true)`;
    return refuse(REFUSAL.NOT_MARKED, reason);
  }
  const named = resolveThing(detail);
  if (!named.ok && named.invalid) return refuse(REFUSAL.NO_THING, named.reason);
  const thingNamed = named.ok ? named.thingName : undefined;

  const found = await deps.enrolments.get(detail.alarmName);
  const enrolment = found?.status === 'ACTIVE' ? found : undefined;
  if (state === 'OK') {
    // Closing is the safe direction: the tunnel record itself says which alarm opened it.
    const thing = enrolment?.thingName ?? thingNamed;
    if (!thing)
      return skipClose(alarm, undefined, `alarm is not enrolled and ${named.ok ? '' : named.reason}`, deps);
    return closeForAlarm({ ...alarm, ...(enrolment ? { enrolment } : {}) }, thing, deps);
  }
  if (!enrolment) {
    const reason = `alarm ${detail.alarmName} is not enrolled for tunnels${found ? ` (its enrolment was removed by ${found.removedBy})` : ''}: a name or tag alone opens nothing; an operator enrols it with \`fleet tunnel enrol\``;
    return refuseOpen(alarm, thingNamed, REFUSAL.NOT_ENROLLED, reason, deps);
  }
  return openForEnrolled({ ...alarm, enrolment }, enrolment, thingNamed, deps);
}
