import { MetricUnit } from '@aws-lambda-powertools/metrics';
import policyFile from '../config/tunnel-policy.yml';
import { isTransientAwsError } from '../shared/adapters/transient-errors';
import { summarizeIssues } from '../shared/domain/parse';
import { alarmNameSchema, enrolRequestSchema } from '../shared/domain/tunnels/enrolment';
import { AppError } from '../shared/errors';
import { wrapHandler } from '../shared/handler';
import { logger, metrics } from '../shared/observability';
import { type ApiCaller, enrolAlarm, listEnrolments, removeEnrolment } from '../shared/services/tunnel-enrol';
import {
  closeByOperator,
  issueSourceToken,
  listOpenTunnels,
  type OperatorRequest,
} from '../shared/services/tunnel-operator';
import * as z from '../shared/zod';
import { tunnelDeps } from './wiring/tunnel';

const deps = tunnelDeps('function:tunnel-api', process.env, policyFile);
const REGION = process.env.AWS_REGION ?? 'us-east-1';
const TUNNEL_ID = /^[a-zA-Z0-9_\-+=:]{1,128}$/;
const MAX_BODY_BYTES = 4096;

/** The parts of an HTTP API (payload 2.0) request with IAM auth that the routes read. */
const requestSchema = z.looseObject({
  routeKey: z.string(),
  pathParameters: z.optional(z.record(z.string(), z.string())),
  body: z.optional(z.string()),
  isBase64Encoded: z.optional(z.boolean()),
  requestContext: z.looseObject({
    requestId: z.string().check(z.minLength(1)),
    timeEpoch: z.number(),
    authorizer: z.optional(
      z.looseObject({ iam: z.optional(z.looseObject({ userArn: z.string().check(z.minLength(1)) })) }),
    ),
  }),
});
type Request = z.infer<typeof requestSchema>;

type Response = { statusCode: number; headers: Record<string, string>; body: string };

/** Bodies may carry a token: no caching anywhere on the way back. */
const json = (statusCode: number, body: unknown): Response => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * Operator API (HTTP API, IAM auth). Tunnels: GET /tunnels, POST /tunnels/{id}/token, POST
 * /tunnels/{id}/close. Enrolments (a separate set of routes, for the principals an admin policy
 * grants): GET/POST /tunnels/enrolments, DELETE /tunnels/enrolments/{alarmName}. The token route
 * returns the source token in its response body and nowhere else.
 */
export const handler = wrapHandler(
  async (event: unknown): Promise<Response> => {
    const parsed = requestSchema.safeParse(event);
    if (!parsed.success) return json(400, { message: 'malformed request' });
    const request = parsed.data;
    const { routeKey, pathParameters, requestContext } = request;
    const principal = requestContext.authorizer?.iam?.userArn;
    if (!principal) return json(403, { message: 'an IAM principal is required' });
    const caller: ApiCaller = {
      principal,
      requestId: requestContext.requestId,
      at: requestContext.timeEpoch,
    };
    try {
      if (routeKey === 'GET /tunnels') {
        return json(200, { tunnels: await listOpenTunnels(deps, requestContext.timeEpoch) });
      }
      if (routeKey === 'GET /tunnels/enrolments')
        return json(200, { enrolments: await listEnrolments(deps) });
      if (routeKey === 'POST /tunnels/enrolments') return await enrol(request, caller);
      if (routeKey === 'DELETE /tunnels/enrolments/{alarmName}') {
        return await unenrol(pathParameters?.alarmName ?? '', caller);
      }
      const tunnelId = pathParameters?.id ?? '';
      if (!TUNNEL_ID.test(tunnelId)) return json(400, { message: 'invalid tunnel id' });
      const operator: OperatorRequest = { tunnelId, ...caller };
      if (routeKey === 'POST /tunnels/{id}/token') return await token(operator);
      if (routeKey === 'POST /tunnels/{id}/close') return await close(operator);
      return json(404, { message: `no route ${routeKey}` });
    } catch (error) {
      logger.error('Operator request failed', { routeKey, principal, error: (error as Error).name });
      if (isTransientAwsError(error) || (error instanceof AppError && error.retryable)) {
        const busy = json(503, { message: 'AWS is busy; retry', requestId: requestContext.requestId });
        return { ...busy, headers: { ...busy.headers, 'retry-after': '1' } };
      }
      return json(500, { message: 'internal error', requestId: requestContext.requestId });
    }
  },
  { correlationIdPath: 'requestContext.requestId' },
);

async function enrol(request: Request, caller: ApiCaller): Promise<Response> {
  const raw = request.body ?? '';
  const text = request.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) return json(400, { message: 'body is too large' });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return json(400, {
      message: 'body must be JSON: {"alarmName": "...", "thingName": "...", "services": [...]}',
    });
  }
  const input = enrolRequestSchema.safeParse(body);
  if (!input.success) {
    return json(400, { message: 'invalid enrolment', issues: summarizeIssues(input.error) });
  }
  const result = await enrolAlarm(deps, input.data, caller);
  if (!result.ok) return refused('enrol', caller, result);
  logger.info(result.status === 201 ? 'Alarm enrolled' : 'Alarm already enrolled', {
    ...result.enrolment,
    principal: caller.principal,
  });
  if (result.status === 201) metrics.addMetric('TunnelEnrolments', MetricUnit.Count, 1);
  return json(result.status, {
    ...result.enrolment,
    auditId: result.auditId,
    unchanged: result.status === 200,
  });
}

async function unenrol(rawName: string, caller: ApiCaller): Promise<Response> {
  // Clients percent-encode the name; whether the gateway decodes path parameters, try both.
  const decoded = safeDecode(rawName);
  const name = decoded !== rawName && !(await deps.enrolments.get(rawName)) ? decoded : rawName;
  if (!alarmNameSchema.safeParse(name).success) return json(400, { message: 'invalid alarm name' });
  const result = await removeEnrolment(deps, name, caller);
  if (!result.ok) return refused('unenrol', caller, result);
  logger.info('Alarm enrolment removed', { ...result.enrolment, principal: caller.principal });
  return json(200, { ...result.enrolment, removed: true, auditId: result.auditId });
}

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

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function refused(
  route: string,
  request: ApiCaller & { tunnelId?: string },
  result: { status: number; message: string },
) {
  logger.warn(`Operator ${route} refused`, {
    tunnelId: request.tunnelId,
    principal: request.principal,
    ...result,
  });
  return json(result.status, { message: result.message });
}
