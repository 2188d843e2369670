import { MetricUnit } from '@aws-lambda-powertools/metrics';
import policyFile from '../config/tunnel-policy.yml';
import { tunnelDeps } from '../shared/adapters/tunnel-deps';
import { wrapHandler } from '../shared/handler';
import { logger, metrics } from '../shared/observability';
import {
  closeByOperator,
  issueSourceToken,
  listOpenTunnels,
  type OperatorRequest,
} from '../shared/services/tunnel-operator';
import * as z from '../shared/zod';

const deps = tunnelDeps('function:tunnel-api', process.env, policyFile);
const REGION = process.env.AWS_REGION ?? 'us-east-1';
const TUNNEL_ID = /^[a-zA-Z0-9_\-+=:]{1,128}$/;

/** The parts of an HTTP API (payload 2.0) request with IAM auth that the routes read. */
const requestSchema = z.looseObject({
  routeKey: z.string(),
  pathParameters: z.optional(z.record(z.string(), z.string())),
  requestContext: z.looseObject({
    requestId: z.string().check(z.minLength(1)),
    timeEpoch: z.number(),
    authorizer: z.optional(
      z.looseObject({ iam: z.optional(z.looseObject({ userArn: z.string().check(z.minLength(1)) })) }),
    ),
  }),
});

type Response = { statusCode: number; headers: Record<string, string>; body: string };

/** Bodies may carry a token: no caching anywhere on the way back. */
const json = (statusCode: number, body: unknown): Response => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * Operator API (HTTP API, IAM auth): GET /tunnels, POST /tunnels/{id}/token, POST /tunnels/{id}/close.
 * The token route returns the source token in its response body and nowhere else: it is not
 * logged, audited, published or stored.
 */
export const handler = wrapHandler(
  async (event: unknown): Promise<Response> => {
    const parsed = requestSchema.safeParse(event);
    if (!parsed.success) return json(400, { message: 'malformed request' });
    const { routeKey, pathParameters, requestContext } = parsed.data;
    const principal = requestContext.authorizer?.iam?.userArn;
    if (!principal) return json(403, { message: 'an IAM principal is required' });
    try {
      if (routeKey === 'GET /tunnels') {
        return json(200, { tunnels: await listOpenTunnels(deps, requestContext.timeEpoch) });
      }
      const tunnelId = pathParameters?.id ?? '';
      if (!TUNNEL_ID.test(tunnelId)) return json(400, { message: 'invalid tunnel id' });
      const request: OperatorRequest = {
        tunnelId,
        principal,
        requestId: requestContext.requestId,
        at: requestContext.timeEpoch,
      };
      if (routeKey === 'POST /tunnels/{id}/token') return await token(request);
      if (routeKey === 'POST /tunnels/{id}/close') return await close(request);
      return json(404, { message: `no route ${routeKey}` });
    } catch (error) {
      logger.error('Operator request failed', { routeKey, principal, error: (error as Error).name });
      return json(500, { message: 'internal error', requestId: requestContext.requestId });
    }
  },
  { correlationIdPath: 'requestContext.requestId' },
);

async function token(request: OperatorRequest): Promise<Response> {
  const result = await issueSourceToken(deps, request);
  if (!result.ok) return refused('token', request, result);
  logger.info('Source token issued', {
    tunnelId: request.tunnelId,
    thingName: result.thingName,
    principal: request.principal,
  });
  metrics.addMetric('TunnelTokensIssued', MetricUnit.Count, 1);
  return json(200, {
    tunnelId: request.tunnelId,
    thingName: result.thingName,
    clientMode: 'SOURCE',
    region: REGION,
    sourceAccessToken: result.token,
    usage: `AWSTUNNEL_TOKEN=<sourceAccessToken> localproxy -r ${REGION} -s 2222, then ssh -p 2222 <user>@localhost`,
    note: 'Single use; this request invalidated earlier source tokens. Shown once: not stored anywhere.',
  });
}

async function close(request: OperatorRequest): Promise<Response> {
  const result = await closeByOperator(deps, request);
  if (!result.ok) return refused('close', request, result);
  logger.info('Tunnel closed by operator', {
    tunnelId: request.tunnelId,
    thingName: result.thingName,
    principal: request.principal,
  });
  return json(200, {
    tunnelId: request.tunnelId,
    thingName: result.thingName,
    closed: true,
    auditId: result.auditId,
  });
}

function refused(route: string, request: OperatorRequest, result: { status: number; message: string }) {
  logger.warn(`Operator ${route} refused`, {
    tunnelId: request.tunnelId,
    principal: request.principal,
    ...result,
  });
  return json(result.status, { message: result.message });
}
