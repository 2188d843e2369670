import { buildAuditRecord } from '../audit/audit-record';
import { alreadyOpen, decideOpen, REFUSAL, type RefusalCode } from '../domain/tunnels/decide';
import {
  isLive,
  RECORD_STATUS,
  type TunnelRecord,
  tunnelDescription,
  tunnelTags,
} from '../domain/tunnels/tunnel-record';
import {
  type AlarmContext,
  type AlarmOutcome,
  alarmCause,
  alarmFacts,
  announceOpened,
  openedAudit,
  type TunnelDeps,
  thingSubject,
} from './tunnel-effects';

/**
 * An alarm went to ALARM for a thing: open one time-boxed tunnel to it, within the guard rails.
 * The thing's record is claimed BEFORE OpenTunnel, so a duplicate event or a second alarm for the
 * same thing finds it taken; a redelivery of the claiming event resumes where it stopped.
 */
export async function openForAlarm(
  alarm: AlarmContext,
  thingName: string,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  const existing = await deps.store.get(thingName);
  if (existing?.claimId === alarm.eventId) return resume(existing, alarm, deps);
  const thing = await deps.things(thingName);
  const decision = decideOpen({ policy: deps.policy, thingName, thing, record: existing, now: alarm.at });
  if (!decision.open) return refuseOpen(alarm, thingName, decision.code, decision.reason, deps);

  const draft: TunnelRecord = {
    thingName,
    status: RECORD_STATUS.OPENING,
    claimId: alarm.eventId,
    alarmName: alarm.alarmName,
    alarmArn: alarm.alarmArn,
    alarmStateAt: alarm.stateAt,
    auditId: '',
    services: deps.policy.services,
    lifetimeMinutes: deps.policy.maxLifetimeMinutes,
    openedAt: alarm.at,
    lifetimeEndsAt: decision.lifetimeEndsAt,
    nextAllowedAt: decision.nextAllowedAt,
  };
  const record = { ...draft, auditId: buildAuditRecord(openedAudit(draft, alarm, deps.actor), 1).id };
  if (!(await deps.store.claim(record, alarm.at))) {
    // Lost a race: another event claimed the thing between our read and our write.
    const winner = await deps.store.get(thingName);
    const lost =
      winner && isLive(winner, alarm.at)
        ? alreadyOpen(winner)
        : decideOpen({ policy: deps.policy, thingName, thing, record: winner, now: alarm.at });
    const reason = lost.open ? 'thing was claimed concurrently' : lost.reason;
    return refuseOpen(alarm, thingName, lost.open ? REFUSAL.ALREADY_OPEN : lost.code, reason, deps);
  }
  return reserveAndOpen(record, alarm, deps);
}

async function reserveAndOpen(record: TunnelRecord, alarm: AlarmContext, deps: TunnelDeps) {
  const max = deps.policy.maxOpenTunnels;
  const slot = await deps.store.reserveSlot(
    record.thingName,
    record.claimId,
    record.lifetimeEndsAt,
    max,
    alarm.at,
  );
  if (!slot.ok) {
    await deps.store.release(record.thingName, record.claimId, alarm.at);
    const reason = `fleet cap reached: ${slot.open} of ${max} tunnels are open`;
    return refuseOpen(alarm, record.thingName, REFUSAL.FLEET_CAP, reason, deps);
  }
  let opened: { tunnelId: string; tunnelArn: string };
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
    await deps.store.release(record.thingName, record.claimId, alarm.at);
    await deps.store.releaseSlot(record.thingName, record.claimId);
    const reason = `AWS refused the tunnel: ${name}: ${(error as Error).message}`;
    return refuseOpen(alarm, record.thingName, REFUSAL.AWS_LIMIT, reason, deps);
  }
  return recordOpened(record, opened, alarm, deps);
}

async function recordOpened(
  record: TunnelRecord,
  opened: { tunnelId: string; tunnelArn: string },
  alarm: AlarmContext,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  await deps.store.markOpen(record.thingName, record.claimId, opened);
  await announceOpened({ ...record, ...opened, status: RECORD_STATUS.OPEN }, alarm, deps);
  return { result: 'opened', thingName: record.thingName, tunnelId: opened.tunnelId };
}

/** The same event again: finish what a crash interrupted, or do nothing. */
async function resume(record: TunnelRecord, alarm: AlarmContext, deps: TunnelDeps): Promise<AlarmOutcome> {
  const duplicate = (reason: string): AlarmOutcome => ({
    result: 'duplicate',
    thingName: record.thingName,
    reason,
  });
  if (record.status === RECORD_STATUS.OPEN) {
    if (!record.announced) await announceOpened(record, alarm, deps);
    return duplicate(`tunnel ${record.tunnelId} was already opened for this event`);
  }
  if (record.status !== RECORD_STATUS.OPENING)
    return duplicate(`this event was already handled (${record.status})`);
  if (!isLive(record, alarm.at)) return duplicate('the claim of this event has expired');
  const found = await deps.tunnels.findOpenedByClaim(record.thingName, record.claimId);
  if (found) return recordOpened(record, found, alarm, deps);
  return reserveAndOpen(record, alarm, deps);
}

/** A refusal is audited with its reason and published; the cap and AWS limits also page on-call. */
export async function refuseOpen(
  alarm: AlarmContext,
  thingName: string | undefined,
  code: RefusalCode,
  reason: string,
  deps: TunnelDeps,
): Promise<AlarmOutcome> {
  const details = {
    ...alarmFacts(alarm),
    thingName,
    code,
    reason,
    services: deps.policy.services,
    lifetimeMinutes: deps.policy.maxLifetimeMinutes,
  };
  const { id } = await deps.audit({
    subject: thingName ? thingSubject(thingName) : { type: 'input', id: 'cloudwatch-alarm' },
    action: 'tunnel.open.refused',
    outcome: 'rejected',
    actor: deps.actor,
    cause: alarmCause(alarm),
    at: alarm.at,
    details,
  });
  await deps.publish([
    {
      detailType: 'TunnelOpenRefused',
      detail: { ...details, auditId: id, actor: deps.actor },
      resources: [alarm.alarmArn],
      time: alarm.at,
    },
  ]);
  if (code === REFUSAL.FLEET_CAP || code === REFUSAL.AWS_LIMIT) {
    await deps.notify({
      subject: `Tunnel refused for ${thingName ?? alarm.alarmName}`,
      message: `No tunnel was opened for alarm ${alarm.alarmName}: ${reason}\nList open tunnels: npx fleet tunnel list`,
      attributes: { event: 'TunnelOpenRefused', code },
    });
  }
  return { result: 'refused', thingName, code, reason };
}
