import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector, RateLimiter } from './limits';

/**
 * AWS JSON 1.0/1.1 RPC plumbing shared by the tunnels, EventBridge and CloudWatch emulators:
 * POST / with `X-Amz-Target: <prefix>.<Operation>`, JSON in, JSON out, errors as `__type` + message.
 * (Candidate for local/emulators/common/ once that folder is free to change.)
 */

/** An error as AWS returns it. `queryCode` is the awsQuery code for query-compatible services. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly queryCode?: string,
  ) {
    super(message);
    this.name = code;
  }
}

export type JsonObject = Record<string, unknown>;
/** What an operation may need of the HTTP request beyond its input: who signed it. */
export type CallContext = { headers: IncomingMessage['headers']; url: string | undefined };
export type Operation = (input: JsonObject, call: CallContext) => JsonObject;

export interface JsonRpcService {
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  operations: Readonly<Record<string, Operation>>;
  limiter: RateLimiter;
  faults: FaultInjector;
  throttleError: () => AwsError;
  serverError: () => AwsError;
  /** Adds `x-amzn-query-error` (awsQueryCompatible services such as CloudWatch). */
  queryCompatible?: boolean;
  /** Runs before every operation: lazy time-based transitions. */
  beforeEach?: () => void;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function jsonRpcHandler(svc: JsonRpcService): Handler {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const out = dispatch(svc, req, Buffer.concat(chunks).toString('utf8'));
        send(res, svc, 200, out);
      } catch (e) {
        const err = e instanceof AwsError ? e : new AwsError('InternalFailure', String(e), 500);
        sendError(res, svc, err);
      }
    });
  };
}

function dispatch(svc: JsonRpcService, req: IncomingMessage, body: string): JsonObject {
  const target = String(req.headers['x-amz-target'] ?? '');
  const [prefix, name] = target.split('.');
  const op = name === undefined ? undefined : svc.operations[name];
  if (req.method !== 'POST' || prefix !== svc.targetPrefix || op === undefined || name === undefined) {
    throw new AwsError('UnknownOperationException', `Unknown operation ${target}`);
  }
  let input: unknown;
  try {
    input = body.length === 0 ? {} : JSON.parse(body);
  } catch {
    throw new AwsError('SerializationException', 'Request body is not valid JSON');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AwsError('SerializationException', 'Request body must be a JSON object');
  }
  const fault = svc.faults.next();
  if (fault === 'throttle') throw svc.throttleError();
  if (fault === 'server-error') throw svc.serverError();
  if (!svc.limiter.take(name)) throw svc.throttleError();
  svc.beforeEach?.();
  return op(input as JsonObject, { headers: req.headers, url: req.url });
}

function send(res: ServerResponse, svc: JsonRpcService, status: number, body: JsonObject): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': `application/x-amz-json-${svc.jsonVersion}`,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

function sendError(res: ServerResponse, svc: JsonRpcService, err: AwsError): void {
  if (svc.queryCompatible) {
    const fault = err.status >= 500 ? 'Receiver' : 'Sender';
    res.setHeader('x-amzn-query-error', `${err.queryCode ?? err.code};${fault}`);
  }
  res.setHeader('x-amzn-errortype', err.code);
  send(res, svc, err.status, { __type: err.code, message: err.message });
}

/** JSON protocols carry timestamps as epoch seconds. */
export const epochSeconds = (ms: number): number => ms / 1000;

/** Opaque paging token over a numeric position. */
export function encodeToken(position: number): string {
  return Buffer.from(`p:${position}`).toString('base64url');
}

export function decodeToken(token: unknown, error: () => AwsError): number | undefined {
  if (token === undefined || token === null) return undefined;
  const text = typeof token === 'string' ? Buffer.from(token, 'base64url').toString('utf8') : '';
  const match = /^p:(\d+)$/.exec(text);
  if (!match?.[1]) throw error();
  return Number(match[1]);
}
