import type { Router } from '@aws-lambda-powertools/event-handler/http';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../helpers/lambda';

// The operator APIs' entry (shared/http/api.ts) around a router with two routes that echo what they got.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
type Api = typeof import('../../../shared/http/api');
let api: Api;
let handle: (event: unknown) => Promise<{ statusCode?: number; body?: string; headers?: unknown }>;
const seen: { route: string; params: Record<string, string> }[] = [];

function echoRouter(m: Api): Router {
  const app = m.apiRouter();
  app.get('/items/:id', async (reqCtx) => {
    seen.push({ route: 'get', params: reqCtx.params });
    return { caller: m.callerOf(reqCtx), id: reqCtx.params.id };
  });
  app.post('/items/:id/notes', async (reqCtx) => ({ text: await m.bodyText(reqCtx, 16) }));
  app.post('/boom', async () => {
    throw new Error('disk on fire');
  });
  return app;
}

beforeAll(async () => {
  api = await import('../../../shared/http/api');
  const handler = api.apiHandler(echoRouter(api));
  handle = (event) => handler(event, lambdaContext('api'));
});

/** An HTTP API (payload 2.0) event with IAM auth, as API Gateway sends it. */
function event(
  routeKey: string,
  o: {
    path?: Record<string, string>;
    rawPath?: string;
    body?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const [method, template = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: o.rawPath ?? template,
    rawQueryString: '',
    headers: { host: 'api.example', ...o.headers },
    ...(o.path ? { pathParameters: o.path } : {}),
    ...(o.body === undefined ? {} : { body: o.body }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      requestId: 'req-1',
      timeEpoch: 1_767_225_600_000,
      http: { method, path: o.rawPath ?? template },
      authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/alice' } },
    },
  };
}
const bodyOf = (r: { body?: string }) => JSON.parse(r.body ?? '') as Record<string, unknown>;

describe('apiHandler', () => {
  it("routes on API Gateway's match: the path parameter as API Gateway gave it, not the decoded rawPath", async () => {
    // Prepare: HTTP APIs hand rawPath over URL-decoded, so a `?`, `#` or `%` in it is not URL syntax.
    const id = 'cpu 50%? #1';
    const request = event('GET /items/{id}', { path: { id }, rawPath: `/items/${id}` });

    // Act
    const response = await handle(request);

    // Assess
    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(response).id).toBe(id);
  });

  it('takes the caller from the IAM authorizer in the request context', async () => {
    // Act
    const response = await handle(event('GET /items/{id}', { path: { id: 'a' } }));

    // Assess
    expect(bodyOf(response).caller).toEqual({
      principal: 'arn:aws:iam::123456789012:user/alice',
      account: '123456789012',
      requestId: 'req-1',
      at: 1_767_225_600_000,
    });
  });

  it('refuses a request without an IAM principal with a 403, before any route runs', async () => {
    // Prepare
    const request = event('GET /items/{id}', { path: { id: 'unseen' } });
    request.requestContext.authorizer = undefined as never;

    // Act
    const response = await handle(request);

    // Assess
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response)).toMatchObject({ error: 'ForbiddenActionError', requestId: 'req-1' });
    expect(seen.some((s) => s.params.id === 'unseen')).toBe(false);
  });

  it('refuses a malformed envelope with a 400', async () => {
    // Act
    const responses = await Promise.all([null, 'GET /items', { routeKey: 'GET /items/{id}' }].map(handle));

    // Assess
    for (const response of responses) {
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toMatchObject({ error: 'InvalidRequestError', message: 'malformed request' });
    }
  });

  it('answers 404 for a route key the router does not hold', async () => {
    // Act
    const response = await handle(event('DELETE /items/{id}', { path: { id: 'a' } }));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({ error: 'NotFound', message: 'no route DELETE /items/{id}' });
  });

  it('refuses an empty or dot path parameter with a 400 instead of routing elsewhere', async () => {
    // Act
    const responses = await Promise.all(
      ['', ' ', '.', '..'].map((id) => handle(event('GET /items/{id}', { path: { id } }))),
    );

    // Assess
    expect(responses.map((r) => r.statusCode)).toEqual([400, 400, 400, 400]);
  });

  it('routes a GET that carries a body, which no GET route reads', async () => {
    // Act
    const response = await handle(event('GET /items/{id}', { path: { id: 'b' }, body: '' }));

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('gives a route its body decoded from base64, and refuses one over the limit with a 400', async () => {
    // Prepare
    const encoded = { ...event('POST /items/{id}/notes', { path: { id: 'c' } }), isBase64Encoded: true };

    // Act
    const small = await handle({ ...encoded, body: Buffer.from('hello').toString('base64') });
    const large = await handle({ ...encoded, body: Buffer.from('x'.repeat(17)).toString('base64') });

    // Assess
    expect(bodyOf(small)).toEqual({ text: 'hello' });
    expect(large.statusCode).toBe(400);
    expect(bodyOf(large)).toMatchObject({ error: 'InvalidRequestError', message: 'body is too large' });
  });

  it('answers an unexpected error with a 500 that names the request and nothing of the error', async () => {
    // Act
    const response = await handle(event('POST /boom'));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: 'InternalError',
      message: 'internal error',
      requestId: 'req-1',
    });
  });

  it.each([
    ['x-forwarded-proto', 'https://x/boom#'],
    ['x-forwarded-proto', 'https://x/boom?'],
    ['host', 'h/boom#'],
    ['Host', 'h/boom?'],
  ])('runs the route API Gateway matched whatever the %s header says (%s)', async (name, value) => {
    // Prepare: IAM authorised POST /items/{id}/notes; the header tries to point the router at /boom.
    const request = event('POST /items/{id}/notes', {
      path: { id: 'a' },
      body: 'hi',
      headers: { [name]: value },
    });

    // Act
    const answer = await handle(request);

    // Assess: the notes route ran, not the one the header named.
    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toEqual({ text: 'hi' });
  });

  it.each([
    ['x-forwarded-proto', 'a b'],
    ['host', 'bad host'],
  ])('answers a request with a malformed %s header as usual, not with a 500', async (name, value) => {
    // Prepare
    const request = event('GET /items/{id}', { path: { id: 'a' }, headers: { [name]: value } });

    // Act
    const answer = await handle(request);

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer).id).toBe('a');
  });
});
