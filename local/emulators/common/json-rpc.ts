import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from './errors';
import { randomUUID } from './ids';
import type { FaultInjector, RateLimiter } from './limits';
import { decodeQuery, queryError, queryResponse } from './query';
import { notEmulatedMessage, type ServiceModel, unsupportedMembers } from './smithy';

/**
 * AWS RPC plumbing shared by the tunnels, EventBridge, CloudWatch, SQS and SNS emulators, for both RPC
 * protocols AWS serves: AWS JSON 1.0/1.1 (POST / with `X-Amz-Target: <prefix>.<Operation>`, errors
 * as `__type` + message) and awsQuery (form-encoded `Action=<Operation>&Version=…`, XML answers),
 * which older SDKs and the AWS CLI before 2.13 use for CloudWatch, SQS and SNS.
 */

export { AwsError } from './errors';

export type JsonObject = Record<string, unknown>;
/**
 * Who called and how: the access key of the SigV4 signature (locally, the key names the principal),
 * and the request's headers and URL for the resource-policy checks (local/access-control.ts).
 */
interface Caller {
  accessKeyId?: string;
  headers: IncomingMessage['headers'];
  url: string | undefined;
}
export type CallContext = Caller;
export type Operation = (input: JsonObject, caller: Caller) => JsonObject | Promise<JsonObject>;

export interface RpcService<Op extends string = string> {
  /** The AWS JSON protocol, when AWS serves it for the service. */
  json?: {
    targetPrefix: string;
    version: '1.0' | '1.1';
    /** Adds `x-amzn-query-error` (awsQueryCompatible services such as CloudWatch and SQS). */
    queryCompatible?: boolean;
  };
  /** The awsQuery protocol, when AWS serves it: the namespace of its XML answers. Needs `model`. */
  query?: { xmlNamespace: string };
  /** AWS's model of the service (from the SDK's schemas): query decoding, not-emulated checks. */
  model?: ServiceModel;
  operations: Readonly<Record<Op, Operation>>;
  /** Input members each operation honours; a modelled member outside the list is refused. */
  members?: Readonly<Record<Op, readonly string[]>>;
  /** The service's own error for a parameter the emulator does not emulate. */
  notEmulated?: (message: string) => AwsError;
  limiter: RateLimiter;
  faults: FaultInjector;
  throttleError: () => AwsError;
  serverError: () => AwsError;
  /** Runs before every operation: lazy time-based transitions. */
  beforeEach?: () => void;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

type Protocol = 'json' | 'query';

export function awsRpcHandler<Op extends string>(svc: RpcService<Op>): Handler {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const protocol = protocolOf(svc, req);
      const requestId = randomUUID();
      let action = '';
      const run = async () => {
        const call = protocol === 'query' ? decodeQueryCall(svc, req, body) : decodeJsonCall(svc, req, body);
        action = call.name;
        return invoke(svc, call.name, call.input, callerOf(req));
      };
      run().then(
        (out) => (protocol === 'query' ? sendQuery : sendJson)(res, svc, requestId, 200, out, action),
        (e: unknown) => {
          const err = e instanceof AwsError ? e : new AwsError('InternalFailure', String(e), 500);
          (protocol === 'query' ? sendQueryError : sendJsonError)(res, svc, requestId, err);
        },
      );
    });
  };
}

function protocolOf(svc: RpcService, req: IncomingMessage): Protocol {
  if (req.headers['x-amz-target'] !== undefined || !svc.query) return svc.json ? 'json' : 'query';
  const type = String(req.headers['content-type'] ?? '');
  const form = type.startsWith('application/x-www-form-urlencoded');
  return form || req.method === 'GET' || !svc.json ? 'query' : 'json';
}

const isOperation = <Op extends string>(svc: RpcService<Op>, name: string): name is Op =>
  Object.hasOwn(svc.operations, name);

function unknownOperation(svc: RpcService, name: string, protocol: Protocol): AwsError {
  const code = protocol === 'query' ? 'InvalidAction' : 'UnknownOperationException';
  const message = svc.model?.has(name)
    ? `${notEmulatedMessage(`Operation ${name}`)}; emulated: ${Object.keys(svc.operations).join(', ')}`
    : `Unknown operation ${name}`;
  return new AwsError(code, message, 400, code);
}

function decodeJsonCall<Op extends string>(svc: RpcService<Op>, req: IncomingMessage, body: string) {
  const target = String(req.headers['x-amz-target'] ?? '');
  const [prefix, name = ''] = target.split('.');
  if (req.method !== 'POST' || !svc.json || prefix !== svc.json.targetPrefix || !isOperation(svc, name)) {
    throw unknownOperation(svc, name || target, 'json');
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
  return { name: name as Op, input: input as JsonObject };
}

function decodeQueryCall<Op extends string>(svc: RpcService<Op>, req: IncomingMessage, body: string) {
  const params = new URLSearchParams(body);
  for (const [k, v] of new URL(req.url ?? '/', 'http://local').searchParams) params.append(k, v);
  const name = params.get('Action') ?? '';
  const op = svc.model?.get(name);
  if (!op || !isOperation(svc, name)) throw unknownOperation(svc, name, 'query');
  return { name: name as Op, input: decodeQuery(op.input, params) };
}

const callerOf = (req: IncomingMessage): Caller => {
  const match = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''));
  return { ...(match?.[1] ? { accessKeyId: match[1] } : {}), headers: req.headers, url: req.url };
};

async function invoke<Op extends string>(svc: RpcService<Op>, name: Op, input: JsonObject, caller: Caller) {
  const fault = svc.faults.next();
  if (fault === 'throttle') throw svc.throttleError();
  if (fault === 'server-error') throw svc.serverError();
  if (!svc.limiter.take(name)) throw svc.throttleError();
  const present = Object.keys(input).filter((k) => input[k] !== undefined && input[k] !== null);
  const refused = unsupportedMembers(svc.model?.get(name), present, svc.members?.[name] ?? present);
  if (refused.length > 0 && svc.notEmulated) {
    throw svc.notEmulated(notEmulatedMessage(`Parameter ${refused.join(', ')} of ${name}`));
  }
  svc.beforeEach?.();
  return svc.operations[name](input, caller);
}

function sendJson(res: ServerResponse, svc: RpcService, requestId: string, status: number, body: JsonObject) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': `application/x-amz-json-${svc.json?.version ?? '1.0'}`,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

function sendJsonError(res: ServerResponse, svc: RpcService, requestId: string, err: AwsError): void {
  if (svc.json?.queryCompatible) {
    const fault = err.status >= 500 ? 'Receiver' : 'Sender';
    res.setHeader('x-amzn-query-error', `${err.queryCode ?? err.code};${fault}`);
  }
  res.setHeader('x-amzn-errortype', err.code);
  sendJson(res, svc, requestId, err.status, { __type: err.code, message: err.message });
}

function sendXml(res: ServerResponse, requestId: string, status: number, xml: string): void {
  res.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amzn-requestid': requestId,
  });
  res.end(xml);
}

function sendQuery(
  res: ServerResponse,
  svc: RpcService,
  requestId: string,
  status: number,
  out: JsonObject,
  action: string,
): void {
  // Query calls are decoded from the model, so the operation's output schema is always there.
  const op = svc.model?.get(action);
  const xml = op ? queryResponse(action, op.output, out, svc.query?.xmlNamespace ?? '', requestId) : '';
  sendXml(res, requestId, status, xml);
}

function sendQueryError(res: ServerResponse, svc: RpcService, requestId: string, err: AwsError): void {
  const xml = queryError(
    err.queryCode ?? err.code,
    err.message,
    err.status,
    svc.query?.xmlNamespace ?? '',
    requestId,
  );
  sendXml(res, requestId, err.status, xml);
}

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
