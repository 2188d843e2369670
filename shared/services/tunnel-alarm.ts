import { type AlarmEvent, alarmArnOf, parseAlarmTime } from '../domain/tunnels/alarm-event';
import { alarmKind, markedBy, resolveThing } from '../domain/tunnels/alarm-thing';
import { REFUSAL } from '../domain/tunnels/decide';
import { closeForAlarm, skipClose } from './tunnel-close';
import type { AlarmContext, AlarmOutcome, TunnelDeps } from './tunnel-effects';
import { openForAlarm, refuseOpen } from './tunnel-open';

/**
 * One "CloudWatch Alarm State Change": ALARM opens, OK closes, anything else is ignored. Alarms the
 * deployment did not mark, or that name no thing, are refused with a reason; never retried.
 */
export async function handleAlarmEvent(event: AlarmEvent, deps: TunnelDeps): Promise<AlarmOutcome> {
  const { detail } = event;
  const at = Date.parse(event.time);
  const alarm: AlarmContext = {
    eventId: event.id,
    at,
    alarmName: detail.alarmName,
    alarmArn: alarmArnOf(event),
    alarmKind: alarmKind(detail),
    stateAt: parseAlarmTime(detail.state.timestamp),
  };
  const state = detail.state.value;
  if (state === 'INSUFFICIENT_DATA') {
    return { result: 'ignored', reason: 'INSUFFICIENT_DATA opens and closes nothing' };
  }
  if (!markedBy(detail, deps.policy.alarms.namePrefix)) {
    const reason = `alarm ${detail.alarmName} is not marked for tunnels (name prefix "${deps.policy.alarms.namePrefix}" or tag FleetAutopilotTunnel=true)`;
    return state === 'ALARM'
      ? refuseOpen(alarm, undefined, REFUSAL.NOT_MARKED, reason, deps)
      : skipClose(alarm, undefined, reason, deps);
  }
  const thing = resolveThing(detail);
  if (!thing.ok) {
    return state === 'ALARM'
      ? refuseOpen(alarm, undefined, REFUSAL.NO_THING, thing.reason, deps)
      : skipClose(alarm, undefined, thing.reason, deps);
  }
  return state === 'ALARM'
    ? openForAlarm(alarm, thing.thingName, deps)
    : closeForAlarm(alarm, thing.thingName, deps);
}
