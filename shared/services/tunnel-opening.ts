import { REFUSAL } from '../domain/tunnels/decide';
import {
  RECORD_STATUS,
  type TunnelRecord,
  tunnelDescription,
  tunnelTags,
} from '../domain/tunnels/tunnel-record';
import { type AlarmContext, type AlarmOutcome, announceOpened } from './tunnel-effects';
import type { OpenedTunnel, TunnelDeps } from './tunnel-ports';
import { refuseOpen } from './tunnel-refuse';

const MINUTE = 60_000;

/**
 * A claimed record goes through the fleet cap, then OpenTunnel. Throttling keeps the claim (the
 * redelivered event resumes it); an AWS refusal gives claim and slot back.
 */
export async function reserveAndOpen(
  record: TunnelRecord,
  alarm: AlarmContext,
  now: number,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  const max = deps.policy.maxOpenTunnels;
  const slot = await deps.store.reserveSlot(
    record.thingName,
    record.claimId,
    record.lifetimeEndsAt,
    max,
    now,
  );
  if (!slot.ok) {
    await deps.store.release(record.thingName, record.claimId, now);
    const reason = `fleet cap reached: ${slot.open} of ${max} tunnels are open`;
    return refuseOpen(alarm, record.thingName, REFUSAL.FLEET_CAP, reason, deps);
  }
  let opened: Awaited<ReturnType<TunnelDeps['tunnels']['open']>>;
  try {
    opened = await deps.tunnels.open({
      thingName: record.thingName,
      services: record.services,
      lifetimeMinutes: record.lifetimeMinutes,
      description: tunnelDescription(record.alarmName),
      tags: tunnelTags(record),
    });
  } catch (error) {
    const name = (error as Error).name;
    // Throttled even after adaptive retries: keep the claim and let Lambda / EventBridge redeliver
    // the event, which resumes it. Bursts queue; they do not fail.
    if (name !== 'LimitExceededException') throw error;
    // AWS refused and opened nothing: give the claim and the slot back.
    await deps.store.release(record.thingName, record.claimId, now);
    await deps.store.releaseSlot(record.thingName, record.claimId);
    const reason = `AWS refused the tunnel: ${name}: ${(error as Error).message}`;
    return refuseOpen(alarm, record.thingName, REFUSAL.AWS_LIMIT, reason, deps);
  }
  return recordOpened(record, opened, alarm, deps);
}

/** Times of a tunnel as AWS keeps them: lifetime and cooldown count from its creation. */
export function openedTimes(openedAt: number, lifetimeMinutes: number, deps: Pick<TunnelDeps, 'policy'>) {
  return {
    openedAt,
    lifetimeEndsAt: openedAt + lifetimeMinutes * MINUTE,
    nextAllowedAt: openedAt + deps.policy.cooldownMinutes * MINUTE,
  };
}

/**
 * The tunnel is open: its record takes AWS's creation time (lifetime and cooldown count from it,
 * whenever the event that asked for it happened), then the audit record, event and page go out.
 */
export async function recordOpened(
  record: TunnelRecord,
  opened: OpenedTunnel,
  alarm: AlarmContext,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  const times = openedTimes(opened.openedAt, record.lifetimeMinutes, deps);
  const { tunnelId, tunnelArn } = opened;
  await deps.store.markOpen(record.thingName, record.claimId, { tunnelId, tunnelArn, ...times });
  await deps.store.refreshSlot(record.thingName, record.claimId, times.lifetimeEndsAt);
  await announceOpened({ ...record, tunnelId, tunnelArn, ...times, status: RECORD_STATUS.OPEN }, alarm, deps);
  return { result: 'opened', thingName: record.thingName, tunnelId };
}
