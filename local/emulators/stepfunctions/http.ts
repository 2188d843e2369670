import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from '../common/ids';
import type { FaultInjector, RateLimiter } from '../common/limits';
import type { Operation } from './api';
import { SfnApiError } from './errors';

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AWSStepFunctions.';

export interface HttpDeps {
  limiter: RateLimiter;
  faults: FaultInjector;
  /** Lazy time-based transitions, run before every request. */
  beforeRequest(): void;
  inFlight: { count: number };
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': CONTENT_TYPE,
    'x-amzn-requestid': randomUUID(),
  };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers).end(text);
}

function sendError(res: ServerResponse, code: string, message: string, status: number): void {
  send(res, status, { __type: code, message }, code);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** awsJson1_0 front end: `X-Amz-Target: AWSStepFunctions.<Op>`, errors as `{ __type, message }`. */
export function createHttpHandler(ops: Record<string, Operation>, deps: HttpDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    deps.inFlight.count += 1;
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const text = await readBody(req);
      deps.beforeRequest();
      const fn = ops[op];
      if (!fn) return sendError(res, 'UnknownOperationException', `Unknown operation ${target}`, 400);
      const fault = deps.faults.next();
      if (fault === 'server-error') return sendError(res, 'InternalFailure', 'Internal failure', 500);
      if (fault === 'throttle' || !deps.limiter.take(op)) {
        return sendError(res, 'ThrottlingException', 'Rate exceeded', 400);
      }
      let input: Record<string, unknown>;
      try {
        input = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        return sendError(res, 'SerializationException', 'Request body is not JSON', 400);
      }
      send(res, 200, await fn(input));
    } catch (e) {
      if (e instanceof SfnApiError) sendError(res, e.code, e.message, e.status);
      else sendError(res, 'InternalFailure', e instanceof Error ? e.message : String(e), 500);
    } finally {
      deps.inFlight.count -= 1;
    }
  };
}
