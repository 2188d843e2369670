import type { Router } from '@aws-lambda-powertools/event-handler/http';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { summarizeIssues } from '../domain/parse';
import { InvalidRequestError } from '../domain/rollout/errors';
import { alarmNameSchema, enrolRequestSchema } from '../domain/tunnels/enrolment';
import { InvalidInputError } from '../errors';
import { logger, metrics } from '../observability';
import { type ApiCaller, enrolAlarm, listEnrolments, removeEnrolment } from '../services/tunnel-enrol';
import {
  closeByOperator,
  issueSourceToken,
  listOpenTunnels,
  type OperatorRequest,
} from '../services/tunnel-operator';
import type { TunnelDeps } from '../services/tunnel-ports';
import { type ApiRequest, apiRouter, bodyText, callerOf } from './api';
import { refusal } from './errors';
import { json } from './response';

const TUNNEL_ID = /^[a-zA-Z0-9_\-+=:]{1,128}$/;
const MAX_BODY_BYTES = 4096;

type Refused = { status: number; message: string };

/**
 * The tunnel operator API. Tunnels: GET /tunnels, POST /tunnels/{id}/token, POST /tunnels/{id}/close.
 * Enrolments (a separate set of routes, for the principals an admin policy grants): GET/POST
 * /tunnels/enrolments, DELETE /tunnels/enrolments/{alarmName}. The token route returns the source
 * token in its response body and nowhere else.
 */
export function tunnelRouter(deps: TunnelDeps, region: string): Router {
  const app = apiRouter();

  /** A refusal the service returned: logged, then answered with the one error body. */
  const refused = (route: string, caller: ApiCaller & { tunnelId?: string }, result: Refused) => {
    logger.warn(`Operator ${route} refused`, {
      tunnelId: caller.tunnelId,
      principal: caller.principal,
      ...result,
    });
    return refusal(result.status, result.message, caller);
  };

  const operatorRequest = (reqCtx: ApiRequest): OperatorRequest => {
    const tunnelId = reqCtx.params.id ?? '';
    if (!TUNNEL_ID.test(tunnelId)) throw new InvalidRequestError('invalid tunnel id');
    return { tunnelId, ...callerOf(reqCtx) };
  };

  app.get('/tunnels', async (reqCtx) =>
    json(200, { tunnels: await listOpenTunnels(deps, callerOf(reqCtx).at) }),
  );

  app.get('/tunnels/enrolments', async () => json(200, { enrolments: await listEnrolments(deps) }));

  app.post('/tunnels/enrolments', async (reqCtx) => {
    const caller = callerOf(reqCtx);
    const input = enrolRequestSchema.safeParse(jsonOf(await bodyText(reqCtx, MAX_BODY_BYTES)));
    if (!input.success) throw new InvalidInputError('invalid enrolment', summarizeIssues(input.error));
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
  });

  app.delete('/tunnels/enrolments/:alarmName', async (reqCtx) => {
    const caller = callerOf(reqCtx);
    const rawName = reqCtx.params.alarmName ?? '';
    // Clients percent-encode the name; whether the gateway decodes path parameters, try both.
    const decoded = safeDecode(rawName);
    const name = decoded !== rawName && !(await deps.enrolments.get(rawName)) ? decoded : rawName;
    if (!alarmNameSchema.safeParse(name).success) throw new InvalidRequestError('invalid alarm name');
    const result = await removeEnrolment(deps, name, caller);
    if (!result.ok) return refused('unenrol', caller, result);
    logger.info('Alarm enrolment removed', { ...result.enrolment, principal: caller.principal });
    return json(200, { ...result.enrolment, removed: true, auditId: result.auditId });
  });

  app.post('/tunnels/:id/token', async (reqCtx) => {
    const request = operatorRequest(reqCtx);
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
      region,
      sourceAccessToken: result.token,
      usage: `AWSTUNNEL_TOKEN=<sourceAccessToken> localproxy -r ${region} -s 2222, then ssh -p 2222 <user>@localhost`,
      note: 'Single use; this request invalidated earlier source tokens. Shown once: not stored anywhere.',
    });
  });

  app.post('/tunnels/:id/close', async (reqCtx) => {
    const request = operatorRequest(reqCtx);
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
  });

  return app;
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError(
      'body must be JSON: {"alarmName": "...", "thingName": "...", "services": [...]}',
    );
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
