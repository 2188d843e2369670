import type { AuditCause } from '../audit/audit-record';
import { isManagedBy } from '../domain/managed-by';
import { isLive, RECORD_STATUS, tokenCommand } from '../domain/tunnels/tunnel-record';
import { closeManagedTunnel, thingSubject } from './tunnel-effects';
import type { TunnelDeps } from './tunnel-ports';

export type OperatorDeps = Pick<TunnelDeps, 'store' | 'tunnels' | 'audit' | 'publish'>;

/** Who asks, and the request that carries it: the IAM principal of the HTTP API call. */
export type OperatorRequest = { tunnelId: string; principal: string; requestId: string; at: number };

export type OperatorRefusal = { ok: false; status: 404 | 403 | 409; message: string };

/** The tunnels this automation has open now, from its own records (never from ListTunnels). */
export async function listOpenTunnels(deps: Pick<OperatorDeps, 'store'>, now: number) {
  const records = await deps.store.getMany(await deps.store.liveThings(now));
  return records
    .filter((r) => isLive(r, now) && r.status === RECORD_STATUS.OPEN && r.tunnelId)
    .map((r) => ({
      tunnelId: r.tunnelId ?? '',
      thingName: r.thingName,
      alarmName: r.alarmName,
      services: r.services,
      openedAt: new Date(r.openedAt).toISOString(),
      expiresAt: new Date(r.lifetimeEndsAt).toISOString(),
      tokenCommand: tokenCommand(r.tunnelId ?? ''),
    }));
}

/** Only an OPEN tunnel that carries our managedBy tag can be handled through the operator API. */
async function managedOpenTunnel(deps: OperatorDeps, tunnelId: string) {
  const facts = await deps.tunnels.describe(tunnelId);
  if (!facts) return { ok: false, status: 404, message: `tunnel ${tunnelId} not found` } as const;
  if (!isManagedBy(facts.tags) || !facts.thingName) {
    return {
      ok: false,
      status: 403,
      message: `tunnel ${tunnelId} is not managed by fleet-autopilot`,
    } as const;
  }
  if (facts.status !== 'OPEN')
    return { ok: false, status: 409, message: `tunnel ${tunnelId} is closed` } as const;
  return { ok: true, facts: { ...facts, thingName: facts.thingName } } as const;
}

const requestCause = (request: OperatorRequest): AuditCause => ({
  type: 'api-request',
  id: request.requestId,
});

/**
 * A fresh source token for one operator. Rotating invalidates earlier source tokens. The token
 * is returned to the caller only; the audit record names the principal, never the token, and is
 * written before the token is handed out (no token without its record).
 */
export async function issueSourceToken(
  deps: OperatorDeps,
  request: OperatorRequest,
): Promise<{ ok: true; thingName: string; token: string } | OperatorRefusal> {
  const found = await managedOpenTunnel(deps, request.tunnelId);
  if (!found.ok) return found;
  const token = await deps.tunnels.issueSourceToken(request.tunnelId);
  await deps.audit({
    subject: thingSubject(found.facts.thingName),
    action: 'tunnel.token.issued',
    outcome: 'applied',
    actor: request.principal,
    cause: requestCause(request),
    at: request.at,
    details: { tunnelId: request.tunnelId, thingName: found.facts.thingName, clientMode: 'SOURCE' },
  });
  return { ok: true, thingName: found.facts.thingName, token };
}

/** An operator closes a tunnel the automation opened (a person's own tunnels are refused). */
export async function closeByOperator(
  deps: OperatorDeps,
  request: OperatorRequest,
): Promise<{ ok: true; thingName: string; auditId: string } | OperatorRefusal> {
  const found = await managedOpenTunnel(deps, request.tunnelId);
  if (!found.ok) return found;
  const { thingName, tunnelArn } = found.facts;
  const record = await deps.store.get(thingName);
  const auditId = await closeManagedTunnel(
    thingName,
    { tunnelId: request.tunnelId, tunnelArn },
    record,
    { actor: request.principal, cause: requestCause(request), at: request.at, via: 'operator' },
    deps,
  );
  return { ok: true, thingName, auditId };
}
