import type { AlarmVerdict } from '../domain/tunnels/alarm-check';
import { SKIP } from '../domain/tunnels/decide';
import { isLive, RECORD_STATUS, type TunnelRecord } from '../domain/tunnels/tunnel-record';
import {
  type AlarmContext,
  type AlarmOutcome,
  alarmCause,
  announceOpened,
  closeManagedTunnel,
} from './tunnel-effects';
import { openedTimes, recordOpened, reserveAndOpen } from './tunnel-opening';
import type { TunnelDeps } from './tunnel-ports';
import { refuseOpen, skipOpen } from './tunnel-refuse';

type Verdict = Exclude<AlarmVerdict, { outcome: 'retry' }>;

/**
 * The event that claimed the record, delivered again (a duplicate, or a retry after a crash or a
 * throttle): finish what was interrupted, never open a second tunnel. If the alarm meanwhile
 * stopped being the enrolled ALARM, nothing more opens, and a tunnel the interrupted attempt did
 * open is closed, because the OK that would have closed it may already have passed.
 */
export async function resumeClaim(
  record: TunnelRecord,
  alarm: AlarmContext,
  verdict: Verdict,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  const duplicate = (reason: string): AlarmOutcome => ({
    result: 'duplicate',
    thingName: record.thingName,
    reason,
  });
  // A newer ALARM episode still means the alarm is firing: the interrupted open may finish.
  const stillFiring = verdict.ok || verdict.code === SKIP.SUPERSEDED;
  const now = verdict.ok ? verdict.now : alarm.at;
  if (record.status === RECORD_STATUS.OPEN) {
    if (!record.announced) await announceOpened(record, alarm, deps);
    if (!stillFiring) return closeOver(record, alarm, deps);
    return duplicate(`tunnel ${record.tunnelId} was already opened for this event`);
  }
  if (record.status !== RECORD_STATUS.OPENING) {
    return duplicate(`this event was already handled (${record.status})`);
  }
  const found = await deps.tunnels.findOpenedByClaim(record.thingName, record.claimId);
  if (found) {
    const outcome = await recordOpened(record, found, alarm, deps);
    if (stillFiring) return outcome;
    const times = openedTimes(found.openedAt, record.lifetimeMinutes, deps);
    return closeOver({ ...record, ...found, ...times, status: RECORD_STATUS.OPEN }, alarm, deps);
  }
  if (!stillFiring) {
    await deps.store.release(record.thingName, record.claimId, now);
    await deps.store.releaseSlot(record.thingName, record.claimId);
    return verdict.outcome === 'refused'
      ? refuseOpen(alarm, record.thingName, verdict.code, verdict.reason, deps)
      : skipOpen(alarm, record.thingName, verdict.code, verdict.reason, deps);
  }
  if (!isLive(record, now)) return duplicate('the claim of this event has expired');
  return reserveAndOpen(record, alarm, now, deps);
}

/** The alarm is over (or no longer the enrolled one) while its tunnel is open: close it now. */
async function closeOver(record: TunnelRecord, alarm: AlarmContext, deps: TunnelDeps): Promise<AlarmOutcome> {
  const tunnelId = record.tunnelId ?? '';
  await closeManagedTunnel(
    record.thingName,
    { tunnelId, ...(record.tunnelArn ? { tunnelArn: record.tunnelArn } : {}) },
    record,
    { actor: deps.actor, cause: alarmCause(alarm), at: alarm.at, via: 'alarm-over' },
    deps,
  );
  return { result: 'closed', thingName: record.thingName, tunnelId };
}
