import type { AuditCause, AuditInput, AuditSubject } from '../audit/audit-record';
import { MANAGED_BY } from '../domain/managed-by';
import type { AlarmKind } from '../domain/tunnels/alarm-thing';
import type { Enrolment } from '../domain/tunnels/enrolment';
import { type TunnelRecord, tokenCommand } from '../domain/tunnels/tunnel-record';
import type { TunnelDeps } from './tunnel-ports';

/** One alarm state change, as the services see it. `at` is the event's time (the audit's `at`). */
export type AlarmContext = {
  eventId: string;
  at: number;
  alarmName: string;
  alarmArn: string;
  alarmKind: AlarmKind;
  /** When the alarm entered the state this event reports (its state timestamp). */
  stateAt: number;
  /** The operator's enrolment the decision rests on, once it has been found. */
  enrolment?: Enrolment;
};

export type AlarmOutcome =
  | { result: 'opened' | 'closed'; thingName: string; tunnelId: string }
  | {
      result: 'refused' | 'close-skipped' | 'open-skipped';
      thingName?: string;
      code?: string;
      reason: string;
    }
  | { result: 'duplicate'; thingName: string; reason: string }
  | { result: 'ignored'; reason: string };

export const alarmCause = (alarm: AlarmContext): AuditCause => ({
  type: 'eventbridge-event',
  id: alarm.eventId,
});

export const thingSubject = (thingName: string): AuditSubject => ({ type: 'thing', id: thingName });

/** Alarms that name no usable thing are recorded against the input source, like other bad input. */
export const ALARM_INPUT_SUBJECT: AuditSubject = { type: 'input', id: 'cloudwatch-alarm' };

/** What every alarm-caused record says about the alarm, its state time and who enrolled it. */
export const alarmFacts = (alarm: AlarmContext) => ({
  alarmName: alarm.alarmName,
  alarmArn: alarm.alarmArn,
  alarmKind: alarm.alarmKind,
  alarmStateAt: new Date(alarm.stateAt).toISOString(),
  ...(alarm.enrolment
    ? {
        enrolledBy: alarm.enrolment.enrolledBy,
        enrolledAt: new Date(alarm.enrolment.enrolledAt).toISOString(),
      }
    : {}),
});

/** The audit record of an open, built before OpenTunnel so its id can go in the tunnel's tags. */
export function openedAudit(record: TunnelRecord, alarm: AlarmContext, actor: string): AuditInput {
  return {
    subject: thingSubject(record.thingName),
    action: 'tunnel.opened',
    outcome: 'applied',
    actor,
    cause: alarmCause(alarm),
    at: alarm.at,
    details: {
      ...alarmFacts(alarm),
      thingName: record.thingName,
      tunnelId: record.tunnelId,
      tunnelArn: record.tunnelArn,
      services: record.services,
      lifetimeMinutes: record.lifetimeMinutes,
      // AWS's creation time of the tunnel, which the lifetime counts from (not the event's time).
      openedAt: record.tunnelId ? new Date(record.openedAt).toISOString() : undefined,
      lifetimeEndsAt: record.tunnelId ? new Date(record.lifetimeEndsAt).toISOString() : undefined,
      managedBy: MANAGED_BY.value,
    },
  };
}

/** Audit, then the domain event, then on-call: the record exists before anyone hears of the tunnel. */
export async function announceOpened(record: TunnelRecord, alarm: AlarmContext, deps: TunnelDeps) {
  const tunnelId = record.tunnelId ?? '';
  const audit = openedAudit(record, alarm, deps.actor);
  const { id } = await deps.audit(audit);
  await deps.publish([
    {
      detailType: 'TunnelOpened',
      detail: { ...audit.details, auditId: id, actor: deps.actor },
      resources: [record.tunnelArn ?? '', alarm.alarmArn].filter(Boolean),
      time: alarm.at,
    },
  ]);
  await deps.notify({
    subject: `Tunnel open to ${record.thingName}`,
    message: [
      `A secure tunnel is open to thing ${record.thingName} (services ${record.services.join(', ')}),`,
      `opened for alarm ${alarm.alarmName}. It closes by itself at ${new Date(record.lifetimeEndsAt).toISOString()}.`,
      '',
      `Tunnel id: ${tunnelId}`,
      `Get a source token (printed once, for you alone): ${tokenCommand(tunnelId)}`,
      `Close it when you are done: npx fleet tunnel close ${tunnelId}`,
      `Audit record: ${id}`,
    ].join('\n'),
    attributes: { event: 'TunnelOpened', thingName: record.thingName, tunnelId },
  });
  await deps.store.markAnnounced(record.thingName, record.claimId);
}

export type CloseRequest = {
  actor: string;
  cause: AuditCause;
  at: number;
  /** What asked for the close: `alarm-ok` or `operator`. */
  via: string;
};

/**
 * Closes a tunnel this automation opened, frees its fleet slot, and records who closed it and why.
 * The record is never stamped before the tunnel opened: a recovery that happened while the ALARM
 * event was still queued is stamped at the opening (its own time is in the details).
 */
export async function closeManagedTunnel(
  thingName: string,
  tunnel: { tunnelId: string; tunnelArn?: string },
  record: TunnelRecord | undefined,
  request: CloseRequest,
  deps: Pick<TunnelDeps, 'tunnels' | 'store' | 'audit' | 'publish'>,
): Promise<string> {
  const mine = record?.tunnelId === tunnel.tunnelId ? record : undefined;
  const at = Math.max(request.at, mine?.openedAt ?? request.at);
  await deps.tunnels.close(tunnel.tunnelId);
  if (mine) {
    await deps.store.markClosed(thingName, tunnel.tunnelId, {
      at,
      by: request.actor,
      cause: request.cause.id,
    });
    await deps.store.releaseSlot(thingName, mine.claimId);
  }
  const details = {
    thingName,
    tunnelId: tunnel.tunnelId,
    via: request.via,
    alarmName: mine?.alarmName,
    openedAt: mine ? new Date(mine.openedAt).toISOString() : undefined,
    lifetimeMinutes: mine?.lifetimeMinutes,
    causeAt: at === request.at ? undefined : new Date(request.at).toISOString(),
  };
  const { id } = await deps.audit({
    subject: thingSubject(thingName),
    action: 'tunnel.closed',
    outcome: 'applied',
    actor: request.actor,
    cause: request.cause,
    at,
    details,
  });
  await deps.publish([
    {
      detailType: 'TunnelClosed',
      detail: { ...details, auditId: id, actor: request.actor },
      resources: [tunnel.tunnelArn ?? mine?.tunnelArn ?? ''].filter(Boolean),
      time: at,
    },
  ]);
  return id;
}
