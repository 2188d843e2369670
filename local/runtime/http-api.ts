import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../emulators/common/http';
import { randomUUID } from '../emulators/common/ids';
import type { FunctionHost } from './function-host';
import type { HttpRouteSpec } from './wiring';

type Route = HttpRouteSpec & { pattern: RegExp; params: string[] };

/** SigV4's credential scope names the caller's access key: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
const CREDENTIAL = /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\//;
/** An access key `assumed-role:<role>:<session>` presents a session of a role instead of an IAM user. */
const ASSUMED_ROLE_KEY = /^assumed-role:([\w+=,.@-]{1,64}):([\w+=,.@-]{2,64})$/;

/** `requestContext.authorizer.iam` as API Gateway fills it for an IAM user or a role session. */
export function iamContext(accessKey: string, account: string) {
  const session = ASSUMED_ROLE_KEY.exec(accessKey);
  if (session) {
    const userId = `AROALOCAL${session[1]?.toUpperCase()}:${session[2]}`;
    return {
      accessKey,
      accountId: account,
      callerId: userId,
      principalOrgId: null,
      userArn: `arn:aws:sts::${account}:assumed-role/${session[1]}/${session[2]}`,
      userId,
    };
  }
  return {
    accessKey,
    accountId: account,
    callerId: accessKey,
    principalOrgId: null,
    userArn: `arn:aws:iam::${account}:user/${accessKey}`,
    userId: accessKey,
  };
}

/**
 * API Gateway HTTP API, payload format 2.0, with the routes the template declares. IAM auth:
 * a request must carry a SigV4 Authorization header; its access key names the principal
 * (`arn:aws:iam::<account>:user/<accessKeyId>`, or a role session for a key
 * `assumed-role:<role>:<session>`), so two operators are two access keys. The local stack does not
 * verify signatures: it has no secrets to verify them with.
 */
export function httpApiHandler(
  routes: HttpRouteSpec[],
  host: Pick<FunctionHost, 'invoke'>,
  account: string,
  now: () => number,
) {
  const compiled: Route[] = routes.map((r) => {
    const params: string[] = [];
    const source = r.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
    return { ...r, pattern: new RegExp(`^${source}$`), params };
  });
  return (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const route = compiled.find(
        (r) => (r.method === req.method || r.method === 'ANY') && r.pattern.test(url.pathname),
      );
      if (!route) return send(res, 404, { message: 'Not Found' });
      const principal = CREDENTIAL.exec(String(req.headers.authorization ?? ''))?.[1];
      if (route.auth === 'AWS_IAM' && !principal) return send(res, 403, { message: 'Forbidden' });
      const match = route.pattern.exec(url.pathname) ?? [];
      const body = await readBody(req);
      const at = now();
      const event = {
        version: '2.0',
        routeKey: `${route.method} ${route.path}`,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
        pathParameters: route.params.length
          ? Object.fromEntries(route.params.map((p, i) => [p, decodeURIComponent(match[i + 1] ?? '')]))
          : undefined,
        requestContext: {
          accountId: account,
          apiId: 'local',
          domainName: String(req.headers.host ?? 'localhost'),
          http: {
            method: req.method,
            path: url.pathname,
            protocol: 'HTTP/1.1',
            sourceIp: '127.0.0.1',
            userAgent: String(req.headers['user-agent'] ?? ''),
          },
          requestId: randomUUID(),
          routeKey: `${route.method} ${route.path}`,
          stage: '$default',
          time: new Date(at).toISOString(),
          timeEpoch: at,
          authorizer: principal ? { iam: iamContext(principal, account) } : undefined,
        },
        body: body || undefined,
        isBase64Encoded: false,
      };
      const outcome = await host.invoke(route.functionArn, event);
      if (!outcome.ok) return send(res, 500, { message: 'Internal Server Error' });
      const result = outcome.result as
        | { statusCode?: number; headers?: Record<string, string>; body?: string }
        | undefined;
      if (result && typeof result.statusCode === 'number') {
        res.writeHead(result.statusCode, { 'content-type': 'application/json', ...(result.headers ?? {}) });
        res.end(result.body ?? '');
        return;
      }
      send(res, 200, result ?? null);
    })();
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
