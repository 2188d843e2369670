import { safeJson } from '../../shared/domain/parse';
import { resolvePlan } from '../../shared/domain/rollout/plan';
import { readPlan } from '../../shared/domain/rollout/plan-text';
import { apiRequest } from '../functions/rollout-harness';
import { planCases } from './cases-config';
import { deepJson, INJECTION_NAMES } from './corpus';

// HTTP API (payload 2.0, IAM auth) requests for rollout-api and tunnel-api.

export type HttpCase = { label: string; event: unknown; status: number[] };
const ALICE = 'arn:aws:iam::123456789012:user/alice';
const ACTIONS = ['approve', 'reject', 'pause', 'resume', 'abort'];

/** A request with one part of the API Gateway envelope broken. */
function envelopeCases(route: string, id?: string): HttpCase[] {
  const valid = apiRequest(route, ALICE, id ? { id } : {}) as unknown as Record<string, unknown>;
  const context = valid.requestContext as Record<string, unknown>;
  return [
    {
      label: `${route}: no requestContext`,
      event: { ...valid, requestContext: undefined },
      status: [400, 403],
    },
    {
      label: `${route}: no authorizer`,
      event: { ...valid, requestContext: { ...context, authorizer: undefined } },
      status: [403],
    },
    {
      label: `${route}: empty principal`,
      event: { ...valid, requestContext: { ...context, authorizer: { iam: { userArn: '' } } } },
      status: [400, 403],
    },
    {
      label: `${route}: unknown route`,
      event: { ...valid, routeKey: `DELETE ${route.split(' ')[1]}` },
      status: [400, 404],
    },
  ];
}

export function rolloutApiCases(): HttpCase[] {
  const refused = planCases().filter((c) => {
    try {
      resolvePlan(typeof c.value === 'string' ? readPlan(c.value) : c.value);
      return false;
    } catch {
      return true;
    }
  });
  // A plan object too deep to stringify cannot be a request body (the 20,000-deep body below covers it).
  const plans: HttpCase[] = refused.flatMap((c) => {
    const body = typeof c.value === 'string' ? c.value : safeJson(c.value);
    if (body.startsWith('(unserializable')) return [];
    return [
      {
        label: `POST /rollouts: ${c.label}`,
        event: apiRequest('POST /rollouts', ALICE, { body }),
        status: [400],
      },
    ];
  });
  const bodies: HttpCase[] = [
    {
      label: 'POST /rollouts: empty body',
      event: apiRequest('POST /rollouts', ALICE, { body: '' }),
      status: [400],
    },
    {
      label: 'POST /rollouts: over 128 KB',
      event: apiRequest('POST /rollouts', ALICE, { body: 'x'.repeat(140_000) }),
      status: [400],
    },
    {
      label: 'POST /rollouts: nested 20,000 deep',
      event: apiRequest('POST /rollouts', ALICE, { body: deepJson(20_000) }),
      status: [400],
    },
    {
      label: 'POST /rollouts: base64 garbage',
      event: { ...apiRequest('POST /rollouts', ALICE, { body: '!!!notbase64' }), isBase64Encoded: true },
      status: [400],
    },
    {
      label: 'POST /rollouts: plan wrapper with a 10,000-element plan',
      event: apiRequest('POST /rollouts', ALICE, { body: { plan: Array.from({ length: 10_000 }, () => 1) } }),
      status: [400],
    },
  ];
  const ids: HttpCase[] = INJECTION_NAMES.flatMap((id) =>
    ['GET /rollouts/{id}', 'POST /rollouts/{id}/abort'].map((route) => ({
      label: `${route}: id ${JSON.stringify(id).slice(0, 24)}`,
      event: apiRequest(route, ALICE, { id, body: '' }),
      status: [400, 404],
    })),
  );
  const comments: HttpCase[] = ACTIONS.flatMap((action) =>
    [
      'not json',
      '{"comment": 7}',
      `{"comment": "${'x'.repeat(1001)}"}`,
      '{"comment": "ok", "extra": 1}',
      '[1,2]',
      'null',
    ].map((body) => ({
      label: `POST /rollouts/{id}/${action}: body ${body.slice(0, 20)}`,
      event: apiRequest(`POST /rollouts/{id}/${action}`, 'arn:aws:iam::123456789012:user/bob', {
        id: 'fw-abc12345',
        body,
      }),
      status: [400],
    })),
  );
  return [
    ...plans,
    ...bodies,
    ...ids,
    ...comments,
    ...envelopeCases('POST /rollouts'),
    ...envelopeCases('POST /rollouts/{id}/approve', 'fw-abc12345'),
  ];
}

export function tunnelApiCases(): HttpCase[] {
  const ids: HttpCase[] = INJECTION_NAMES.filter((id) => !/^[a-zA-Z0-9_\-+=:]{1,128}$/.test(id)).flatMap(
    (id) =>
      ['POST /tunnels/{id}/token', 'POST /tunnels/{id}/close'].map((route) => ({
        label: `${route}: id ${JSON.stringify(id).slice(0, 24)}`,
        event: apiRequest(route, ALICE, { id }),
        status: [400],
      })),
  );
  const unknown: HttpCase[] = ['POST /tunnels/{id}/token', 'POST /tunnels/{id}/close'].map((route) => ({
    label: `${route}: a tunnel that does not exist`,
    event: apiRequest(route, ALICE, { id: 'tunnel-unknown' }),
    status: [404],
  }));
  return [
    { label: 'null event', event: null, status: [400] },
    { label: 'a string event', event: 'GET /tunnels', status: [400] },
    {
      label: 'timeEpoch as string',
      event: { ...apiRequest('GET /tunnels', ALICE), requestContext: { requestId: 'r', timeEpoch: '1' } },
      status: [400],
    },
    ...ids,
    ...unknown,
    ...envelopeCases('POST /tunnels/{id}/token', 'tunnel-1'),
    ...envelopeCases('GET /tunnels'),
  ];
}
