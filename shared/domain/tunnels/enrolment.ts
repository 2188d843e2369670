import * as z from '../../zod';
import { type AlarmFacts, alarmPin, thingsNamedBy } from './alarm-definition';
import { THING_NAME, THING_NAME_KEY, TUNNEL_MARK_TAG } from './alarm-thing';
import type { ThingFacts } from './decide';
import type { TunnelPolicy } from './policy';

/**
 * An operator's statement "this alarm may open tunnels to this thing": the only way an alarm gets
 * to open a tunnel. It pins the alarm's ARN and identity (`pin`, see alarmPin) as they were when it
 * was enrolled, and names the thing: the thing is never taken from the alarm alone.
 */
export type Enrolment = {
  alarmName: string;
  alarmArn: string;
  alarmType: 'metric' | 'composite';
  pin: string;
  thingName: string;
  services: string[];
  /** ACTIVE opens tunnels; REMOVED is kept so a retried removal finds its own audit record. */
  status: 'ACTIVE' | 'REMOVED';
  enrolledBy: string;
  enrolledAt: number;
  /** The API request that enrolled it: the cause of its audit record. */
  enrolRequestId: string;
  removedBy?: string;
  removedAt?: number;
  removeRequestId?: string;
};

/** CloudWatch alarm names: 1 to 255 characters, no control characters. */
export const alarmNameSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(255), z.regex(/^[^\p{C}]+$/u, 'must not contain control characters'));

export const enrolRequestSchema = z.strictObject({
  alarmName: alarmNameSchema,
  thingName: z.string().check(z.regex(THING_NAME, 'must match [a-zA-Z0-9:_-]{1,128}')),
  /** Defaults to all of the policy's services; otherwise a subset of them. */
  services: z.optional(
    z
      .array(z.string().check(z.regex(/^[a-zA-Z0-9:_-]{1,128}$/, 'must match [a-zA-Z0-9:_-]{1,128}')))
      .check(z.minLength(1), z.maxLength(3)),
  ),
});
export type EnrolRequest = z.infer<typeof enrolRequestSchema>;

export type EnrolDecision =
  | { ok: true; enrolment: Enrolment; unchanged: boolean }
  | { ok: false; status: 400 | 404 | 409; message: string };

/**
 * Whether an operator may enrol an alarm for a thing, from what AWS says now: the alarm exists, is
 * marked (so its events reach the tunnel function at all), names no other thing, and the thing
 * exists in groups the policy allows; the services are within the policy. An identical enrolment is a no-op; a different one
 * must be removed first, so a change of thing is always two audited steps.
 */
export function decideEnrolment(input: {
  request: EnrolRequest;
  policy: TunnelPolicy;
  alarm: AlarmFacts | undefined;
  alarmTags: Record<string, string>;
  thing: ThingFacts;
  existing: Enrolment | undefined;
  principal: string;
  requestId: string;
  at: number;
}): EnrolDecision {
  const { request, policy, alarm, existing } = input;
  const services = request.services ?? policy.services;
  const outside = services.filter((s) => !policy.services.includes(s));
  if (outside.length > 0 || new Set(services).size !== services.length) {
    return {
      ok: false,
      status: 400,
      message: `services must be distinct and within the tunnel policy (${policy.services.join(', ')}); got ${services.join(', ')}`,
    };
  }
  if (!alarm) return { ok: false, status: 404, message: `alarm ${request.alarmName} does not exist` };
  const prefix = policy.alarms.namePrefix;
  const marked =
    (prefix !== '' && alarm.name.startsWith(prefix)) ||
    input.alarmTags[TUNNEL_MARK_TAG]?.toLowerCase() === 'true';
  if (!marked) {
    return {
      ok: false,
      status: 409,
      message: `alarm ${alarm.name} is not marked for tunnels: its name must start with "${prefix}" or it must carry the tag ${TUNNEL_MARK_TAG}=true (with tag propagation), or its events never reach the tunnel function`,
    };
  }
  const named = [...new Set([...thingsNamedBy(alarm.definition), ...tagThing(input.alarmTags)])];
  const others = named.filter((n) => n !== request.thingName);
  if (others.length > 0) {
    return {
      ok: false,
      status: 409,
      message: `alarm ${alarm.name} is about ${others.join(', ')} (${THING_NAME_KEY} dimension or tag), not ${request.thingName}`,
    };
  }
  if (!input.thing.exists)
    return { ok: false, status: 404, message: `thing ${request.thingName} does not exist` };
  const groups = groupProblem(policy, input.thing.groups);
  if (groups) return { ok: false, status: 409, message: `thing ${request.thingName} ${groups}` };
  const enrolment: Enrolment = {
    alarmName: alarm.name,
    alarmArn: alarm.arn,
    alarmType: alarm.definition.type,
    pin: alarmPin(alarm.definition),
    thingName: request.thingName,
    services,
    status: 'ACTIVE',
    enrolledBy: input.principal,
    enrolledAt: input.at,
    enrolRequestId: input.requestId,
  };
  if (existing?.status === 'ACTIVE') {
    if (sameEnrolment(existing, enrolment)) return { ok: true, enrolment: existing, unchanged: true };
    return {
      ok: false,
      status: 409,
      message: `alarm ${alarm.name} is already enrolled for thing ${existing.thingName} (services ${existing.services.join(', ')}) by ${existing.enrolledBy}; remove that enrolment first`,
    };
  }
  return { ok: true, enrolment, unchanged: false };
}

/** The same group rules the alarm handler applies when it opens, checked early for the operator. */
function groupProblem(policy: TunnelPolicy, groups: string[]): string | undefined {
  const denied = groups.filter((g) => policy.thingGroups.deny.includes(g));
  if (denied.length > 0) return `is in denied group(s) ${denied.join(', ')}: it never gets a tunnel`;
  const allow = policy.thingGroups.allow;
  if (allow && !groups.some((g) => allow.includes(g)))
    return `is in none of the allowed groups ${allow.join(', ')}: it never gets a tunnel`;
  return undefined;
}

function tagThing(tags: Record<string, string>): string[] {
  const value = tags[THING_NAME_KEY];
  return value === undefined ? [] : [value];
}

function sameEnrolment(a: Enrolment, b: Enrolment): boolean {
  return (
    a.alarmArn === b.alarmArn &&
    a.pin === b.pin &&
    a.thingName === b.thingName &&
    [...a.services].sort().join(',') === [...b.services].sort().join(',')
  );
}
