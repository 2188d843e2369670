import { RECORD_STATUS } from '../domain/tunnels/tunnel-record';
import {
  ALARM_INPUT_SUBJECT,
  type AlarmContext,
  type AlarmOutcome,
  alarmCause,
  alarmFacts,
  closeManagedTunnel,
  thingSubject,
} from './tunnel-effects';
import type { TunnelDeps } from './tunnel-ports';

/**
 * An alarm went back to OK: close the tunnel THIS alarm opened for the thing, if any. Tunnels a
 * person opened are never in our records, so they are never touched.
 */
export async function closeForAlarm(
  alarm: AlarmContext,
  thingName: string,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  if (!deps.policy.closeOnOk)
    return skipClose(alarm, thingName, 'closeOnOk is off in the tunnel policy', deps);
  const record = await deps.store.get(thingName);
  if (
    !record ||
    record.alarmName !== alarm.alarmName ||
    record.alarmArn !== alarm.alarmArn ||
    !record.tunnelId
  ) {
    return skipClose(
      alarm,
      thingName,
      `OK without a prior ALARM: alarm opened no tunnel to ${thingName}`,
      deps,
    );
  }
  if (record.status === RECORD_STATUS.CLOSED && record.closeCause === alarm.eventId) {
    return { result: 'duplicate', thingName, reason: `tunnel ${record.tunnelId} was closed for this event` };
  }
  if (record.status === RECORD_STATUS.CLOSED) {
    return skipClose(
      alarm,
      thingName,
      `tunnel ${record.tunnelId} is already closed (by ${record.closedBy})`,
      deps,
    );
  }
  if (record.status !== RECORD_STATUS.OPEN) {
    return skipClose(alarm, thingName, `tunnel for ${thingName} is ${record.status}`, deps);
  }
  if (alarm.stateAt < record.alarmStateAt) {
    // Events arrive unordered: an OK from before the ALARM that opened the tunnel closes nothing.
    return skipClose(alarm, thingName, 'this OK is older than the ALARM that opened the tunnel', deps);
  }
  const tunnelId = record.tunnelId;
  await closeManagedTunnel(
    thingName,
    { tunnelId, tunnelArn: record.tunnelArn },
    record,
    { actor: deps.actor, cause: alarmCause(alarm), at: alarm.at, via: 'alarm-ok' },
    deps,
  );
  return { result: 'closed', thingName, tunnelId };
}

/** Nothing to close: a clear audit record says why, and nothing else happens. */
export async function skipClose(
  alarm: AlarmContext,
  thingName: string | undefined,
  reason: string,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  await deps.audit({
    subject: thingName ? thingSubject(thingName) : ALARM_INPUT_SUBJECT,
    action: 'tunnel.close.skipped',
    outcome: 'skipped',
    actor: deps.actor,
    cause: alarmCause(alarm),
    at: alarm.at,
    details: { ...alarmFacts(alarm), thingName, reason },
  });
  return { result: 'close-skipped', thingName, reason };
}
