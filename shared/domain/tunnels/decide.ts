import type { TunnelPolicy } from './policy';
import { isLive, type TunnelRecord } from './tunnel-record';

/** Why a tunnel was not opened; stable codes for logs, metrics and the audit trail. */
export const REFUSAL = {
  /** The event comes from another account or region than the deployment's. */
  FOREIGN_ACCOUNT: 'foreign-account',
  NOT_MARKED: 'not-marked',
  /** No operator enrolled this alarm (a name or tag alone opens nothing). */
  NOT_ENROLLED: 'not-enrolled',
  /** The alarm disagrees with its enrolment: another ARN, thing, metric or rule. */
  ENROLMENT_MISMATCH: 'enrolment-mismatch',
  NO_THING: 'no-thing',
  THING_NOT_FOUND: 'thing-not-found',
  GROUP_DENIED: 'group-denied',
  GROUP_NOT_ALLOWED: 'group-not-allowed',
  ALREADY_OPEN: 'already-open',
  COOLDOWN: 'cooldown',
  FLEET_CAP: 'fleet-cap',
  AWS_LIMIT: 'aws-limit',
} as const;
export type RefusalCode = (typeof REFUSAL)[keyof typeof REFUSAL];

/** Why an ALARM event opened nothing although nothing was wrong with it: it was no longer true. */
export const SKIP = {
  /** DescribeAlarms shows the alarm no longer in ALARM (or gone): the event waited too long. */
  STALE: 'stale',
  /** The alarm left ALARM and entered it again after this event: the newer event decides. */
  SUPERSEDED: 'superseded',
} as const;
export type SkipCode = (typeof SKIP)[keyof typeof SKIP];

export type OpenDecision =
  | { open: true; lifetimeEndsAt: number; nextAllowedAt: number }
  | { open: false; code: RefusalCode; reason: string };

export type ThingFacts = { exists: boolean; groups: string[] };

const MINUTE = 60_000;

/**
 * The guard rails, in order: the thing exists, its groups are allowed, it has no live tunnel and
 * is out of cooldown. The fleet cap is checked against shared state afterwards (see tunnel store).
 */
export function decideOpen(input: {
  policy: TunnelPolicy;
  thingName: string;
  thing: ThingFacts;
  record: TunnelRecord | undefined;
  now: number;
}): OpenDecision {
  const { policy, thingName, thing, record, now } = input;
  if (!thing.exists) {
    return { open: false, code: REFUSAL.THING_NOT_FOUND, reason: `thing ${thingName} does not exist` };
  }
  const denied = thing.groups.filter((g) => policy.thingGroups.deny.includes(g));
  if (denied.length > 0) {
    return {
      open: false,
      code: REFUSAL.GROUP_DENIED,
      reason: `thing ${thingName} is in denied group(s) ${denied.join(', ')}`,
    };
  }
  const allow = policy.thingGroups.allow;
  if (allow && !thing.groups.some((g) => allow.includes(g))) {
    return {
      open: false,
      code: REFUSAL.GROUP_NOT_ALLOWED,
      reason: `thing ${thingName} is in none of the allowed groups ${allow.join(', ')}`,
    };
  }
  if (record && isLive(record, now)) return alreadyOpen(record);
  if (record && record.nextAllowedAt > now) {
    return {
      open: false,
      code: REFUSAL.COOLDOWN,
      reason: `thing ${thingName} is in cooldown until ${new Date(record.nextAllowedAt).toISOString()}`,
    };
  }
  return {
    open: true,
    lifetimeEndsAt: now + policy.maxLifetimeMinutes * MINUTE,
    nextAllowedAt: now + policy.cooldownMinutes * MINUTE,
  };
}

export function alreadyOpen(record: TunnelRecord): OpenDecision {
  const which = record.tunnelId ? `tunnel ${record.tunnelId}` : 'a tunnel being opened';
  return {
    open: false,
    code: REFUSAL.ALREADY_OPEN,
    reason: `thing ${record.thingName} already has ${which} (alarm ${record.alarmName})`,
  };
}
