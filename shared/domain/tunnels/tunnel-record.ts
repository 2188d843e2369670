import { MANAGED_BY } from '../managed-by';

/**
 * The automation's own record of the tunnel it opened for a thing (ListTunnels cannot filter by
 * status, and a record written with a condition is what makes "one tunnel per thing" hold).
 */
export const RECORD_STATUS = {
  /** Claimed before OpenTunnel: blocks other claims until it turns OPEN or is released. */
  OPENING: 'OPENING',
  OPEN: 'OPEN',
  CLOSED: 'CLOSED',
  /** The claim was given back (fleet cap, AWS refusal): the tunnel never opened. */
  RELEASED: 'RELEASED',
} as const;
export type RecordStatus = (typeof RECORD_STATUS)[keyof typeof RECORD_STATUS];

export type TunnelRecord = {
  thingName: string;
  status: RecordStatus;
  /** The event that claimed the record (EventBridge event id); a redelivery of it resumes, never repeats. */
  claimId: string;
  alarmName: string;
  alarmArn: string;
  /** When the alarm entered ALARM (its state timestamp), so an older OK cannot close a newer tunnel. */
  alarmStateAt: number;
  auditId: string;
  services: string[];
  lifetimeMinutes: number;
  openedAt: number;
  /** When AWS closes the tunnel by itself (epoch ms); past it the record blocks nothing. */
  lifetimeEndsAt: number;
  /** Cooldown: no new automated tunnel for this thing before this time (epoch ms). */
  nextAllowedAt: number;
  tunnelId?: string;
  tunnelArn?: string;
  /** Audit, domain event and notification done. */
  announced?: boolean;
  closedAt?: number;
  closedBy?: string;
  /** The event or request that closed it, so a redelivered OK is recognised. */
  closeCause?: string;
};

export const TAG_PREFIX = 'fleet-autopilot:';

/** True while the record stands for a tunnel that is (or is being) open. */
export function isLive(record: TunnelRecord | undefined, now: number): boolean {
  return (
    record !== undefined &&
    (record.status === RECORD_STATUS.OPENING || record.status === RECORD_STATUS.OPEN) &&
    record.lifetimeEndsAt > now
  );
}

/** Tag values allow letters, digits, spaces and _.:/=+-@ up to 256 characters; alarm names allow more. */
export function tagValue(value: string): string {
  return value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256);
}

/** Tags that link a tunnel to its alarm, its audit record and the claim that opened it. */
export function tunnelTags(input: {
  alarmName: string;
  alarmArn: string;
  auditId: string;
  claimId: string;
}): { key: string; value: string }[] {
  return [
    { key: MANAGED_BY.key, value: MANAGED_BY.value },
    { key: `${TAG_PREFIX}alarm-name`, value: tagValue(input.alarmName) },
    { key: `${TAG_PREFIX}alarm-arn`, value: tagValue(input.alarmArn) },
    { key: `${TAG_PREFIX}audit-id`, value: tagValue(input.auditId) },
    { key: `${TAG_PREFIX}claim`, value: tagValue(input.claimId) },
  ];
}

/** OpenTunnel's description: 1 to 2048 characters, no control characters. */
export function tunnelDescription(alarmName: string): string {
  return `Opened by fleet-autopilot for alarm ${alarmName}`.replace(/\p{C}/gu, ' ').slice(0, 2048);
}

/** What on-call runs to get a source token for a tunnel. */
export function tokenCommand(tunnelId: string): string {
  return `npx fleet tunnel token ${tunnelId}`;
}
