import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonObject, sendJson } from '../common/http';
import type { FaultInjector, RateLimiter } from '../common/limits';
import {
  matchModelRoute,
  notEmulatedMessage,
  restMembersPresent,
  type ServiceModel,
  unsupportedMembers,
} from '../common/smithy';
import { IotError, internalFailure, invalidRequest, serviceUnavailable, throttling } from './errors';
import type { IotContext, Json } from './model';
import { INTERNAL_FAILURE_OPERATIONS } from './quotas';
import { matchRoute, type Route } from './routes';

export interface IotCall {
  operation: string;
  plane: 'control' | 'jobs-data';
  input: Json;
  at: number;
}

export interface Pipeline {
  ctx: IotContext;
  limiter: RateLimiter;
  faults: FaultInjector;
  calls: IotCall[];
  tick(): void;
}

/** A short, log-friendly copy of the input: long strings (job documents) are cut. */
function summarize(labels: Record<string, string>, query: URLSearchParams, body: Json): Json {
  const out: Json = { ...labels, ...Object.fromEntries(query) };
  for (const [k, v] of Object.entries(body)) {
    out[k] = typeof v === 'string' && v.length > 200 ? `${v.slice(0, 200)}… (${v.length} chars)` : v;
  }
  return out;
}

/** Refuses members AWS's model has for the operation that the route does not honour. */
function checkMembers(model: ServiceModel, route: Route, req: IncomingMessage, url: URL, body: Json): void {
  const op = model.get(route.operation);
  if (!op || route.honours === 'all') return;
  const present = restMembersPresent(op, url.searchParams, req.headers, body);
  const refused = unsupportedMembers(op, present, route.honours);
  if (refused.length > 0) {
    throw invalidRequest(notEmulatedMessage(`Parameter ${refused.join(', ')} of ${route.operation}`));
  }
}

/** One HTTP request: route, fault injection, quota, lazy time transitions, operation, AWS error shape. */
export function createHandler(p: Pipeline, routes: Route[], plane: IotCall['plane'], model: ServiceModel) {
  const throttleStatus = plane === 'control' ? 400 : 429;
  const limiterPrefix = plane === 'control' ? '' : 'iot-jobs-data:';
  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string) =>
    sendJson(res, status, body, {
      'x-amzn-requestid': p.ctx.newId(),
      ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const match = matchRoute(routes, method, url.pathname);
    let body: Json;
    try {
      body = await readJsonObject(req);
    } catch {
      const e = invalidRequest('Request body is not a valid JSON object');
      return send(res, e.status, e.body(), e.name);
    }
    if (!match) {
      const modelled = matchModelRoute(model, method, url.pathname);
      const message = modelled
        ? `${notEmulatedMessage(`Operation ${modelled}`)}; emulated: ${routes.map((r) => r.operation).join(', ')}`
        : `No operation for ${method} ${url.pathname}`;
      return send(res, 404, { message }, 'UnknownOperationException');
    }
    const { route, labels } = match;
    try {
      const fault = p.faults.next();
      if (fault === 'throttle') throw throttling(throttleStatus);
      if (fault === 'server-error') {
        throw INTERNAL_FAILURE_OPERATIONS.has(route.operation) ? internalFailure() : serviceUnavailable();
      }
      if (!p.limiter.take(limiterPrefix + route.operation)) throw throttling(throttleStatus);
      checkMembers(model, route, req, url, body);
      p.tick();
      const result = route.run(p.ctx, { labels, query: url.searchParams, body });
      if (method !== 'GET') {
        const input = summarize(labels, url.searchParams, body);
        p.calls.push({ operation: route.operation, plane, input, at: p.ctx.clock.now() });
      }
      send(res, 200, result);
    } catch (err) {
      const e = err instanceof IotError ? err : internalFailure();
      if (!(err instanceof IotError)) console.error('iot emulator: unexpected error', err);
      send(res, e.status, e.body(), e.name);
    }
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res);
  };
}
