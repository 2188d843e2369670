import type { AuditInput } from '../audit/audit-record';
import { decideEnrolment, type Enrolment, type EnrolRequest } from '../domain/tunnels/enrolment';
import { thingSubject } from './tunnel-effects';
import type { TunnelDeps } from './tunnel-ports';

export type EnrolDeps = Pick<TunnelDeps, 'policy' | 'alarms' | 'enrolments' | 'things' | 'audit'>;

/** The IAM principal of the HTTP API call, its request id and time. */
export type ApiCaller = { principal: string; requestId: string; at: number };

export type EnrolmentView = ReturnType<typeof enrolmentView>;
type Refusal = { ok: false; status: 400 | 404 | 409; message: string };

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export const enrolmentView = (e: Enrolment) => ({
  alarmName: e.alarmName,
  alarmArn: e.alarmArn,
  alarmType: e.alarmType,
  thingName: e.thingName,
  services: e.services,
  enrolledBy: e.enrolledBy,
  enrolledAt: iso(e.enrolledAt) ?? '',
});

/** The audit record of an enrolment, rebuilt from the stored enrolment alone (so a retry heals it). */
function enrolledAudit(e: Enrolment): AuditInput {
  return {
    subject: thingSubject(e.thingName),
    action: 'tunnel.enrolment.created',
    outcome: 'applied',
    actor: e.enrolledBy,
    cause: { type: 'api-request', id: e.enrolRequestId },
    at: e.enrolledAt,
    details: { ...enrolmentView(e), pin: JSON.parse(e.pin) as unknown },
  };
}

function removedAudit(e: Enrolment): AuditInput {
  return {
    subject: thingSubject(e.thingName),
    action: 'tunnel.enrolment.removed',
    outcome: 'applied',
    actor: e.removedBy ?? '',
    cause: { type: 'api-request', id: e.removeRequestId ?? '' },
    at: e.removedAt ?? e.enrolledAt,
    details: enrolmentView(e),
  };
}

/**
 * An operator enrols an alarm for a thing, checked against CloudWatch and the registry now. The
 * enrolment is written, then audited with the principal; an identical request only makes sure
 * that audit record exists (a crash between the two cannot leave an enrolment nobody recorded).
 */
export async function enrolAlarm(
  deps: EnrolDeps,
  request: EnrolRequest,
  caller: ApiCaller,
): Promise<{ ok: true; status: 200 | 201; enrolment: EnrolmentView; auditId: string } | Refusal> {
  const alarm = await deps.alarms.describe(request.alarmName);
  const decision = decideEnrolment({
    request,
    policy: deps.policy,
    alarm,
    alarmTags: alarm ? await deps.alarms.tags(alarm.arn) : {},
    thing: await deps.things(request.thingName),
    existing: await deps.enrolments.get(request.alarmName),
    principal: caller.principal,
    requestId: caller.requestId,
    at: caller.at,
  });
  if (!decision.ok) return decision;
  if (!decision.unchanged && !(await deps.enrolments.create(decision.enrolment))) {
    return {
      ok: false,
      status: 409,
      message: `alarm ${request.alarmName} was enrolled concurrently; list it`,
    };
  }
  const { id } = await deps.audit(enrolledAudit(decision.enrolment));
  const status = decision.unchanged ? 200 : 201;
  return { ok: true, status, enrolment: enrolmentView(decision.enrolment), auditId: id };
}

/**
 * Removes an alarm's enrolment: from then on its ALARM events open nothing. Tunnels it already
 * opened stay until its OK, their lifetime, or `fleet tunnel close`. Kept as REMOVED, so that a
 * retried request finds the removal and makes sure its audit record exists.
 */
export async function removeEnrolment(
  deps: EnrolDeps,
  alarmName: string,
  caller: ApiCaller,
): Promise<{ ok: true; enrolment: EnrolmentView; auditId: string } | Refusal> {
  const existing = await deps.enrolments.get(alarmName);
  if (!existing) return { ok: false, status: 404, message: `alarm ${alarmName} is not enrolled` };
  if (existing.status === 'REMOVED') {
    await deps.audit(removedAudit(existing));
    return {
      ok: false,
      status: 404,
      message: `alarm ${alarmName} is not enrolled (its enrolment was removed by ${existing.removedBy} at ${iso(existing.removedAt)})`,
    };
  }
  const removal = { by: caller.principal, at: caller.at, requestId: caller.requestId };
  if (!(await deps.enrolments.remove(alarmName, existing.enrolRequestId, removal))) {
    return {
      ok: false,
      status: 409,
      message: `the enrolment of alarm ${alarmName} changed concurrently; list it`,
    };
  }
  const removed: Enrolment = {
    ...existing,
    status: 'REMOVED',
    removedBy: removal.by,
    removedAt: removal.at,
    removeRequestId: removal.requestId,
  };
  const { id } = await deps.audit(removedAudit(removed));
  return { ok: true, enrolment: enrolmentView(removed), auditId: id };
}

/** The alarms that can open tunnels now. */
export async function listEnrolments(deps: Pick<EnrolDeps, 'enrolments'>): Promise<EnrolmentView[]> {
  return (await deps.enrolments.list()).filter((e) => e.status === 'ACTIVE').map(enrolmentView);
}
