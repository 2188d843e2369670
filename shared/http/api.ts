import { NotFoundError, Router } from '@aws-lambda-powertools/event-handler/http';
import type { RequestContext } from '@aws-lambda-powertools/event-handler/types';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { ForbiddenActionError, InvalidRequestError } from '../domain/rollout/errors';
import { logger } from '../observability';
import * as z from '../zod';
import { errorResponse, type FailedRequest } from './errors';

/** Who called, as API Gateway's IAM authorizer names them: every route acts for this principal. */
export type ApiCaller = { principal: string; account: string; requestId: string; at: number };
export type ApiRequest = RequestContext;

/** The parts of an HTTP API (payload 2.0) request with IAM auth that the APIs read. */
const envelopeSchema = z.looseObject({
  routeKey: z.string(),
  pathParameters: z.optional(z.record(z.string(), z.string())),
  body: z.optional(z.string()),
  isBase64Encoded: z.optional(z.boolean()),
  requestContext: z.looseObject({
    accountId: z.string(),
    requestId: z.string().check(z.minLength(1)),
    timeEpoch: z.number(),
    authorizer: z.optional(
      z.looseObject({ iam: z.optional(z.looseObject({ userArn: z.optional(z.string()) })) }),
    ),
  }),
});
type Envelope = z.infer<typeof envelopeSchema>;

/** The host of the URL the router parses: a constant, never the caller's. */
const ROUTER_HOST = 'operator-api.invalid';
const ROUTE_KEY = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/\S*)$/;

/** The request a failure belongs to, from whatever the event holds. */
function requestOf(event: unknown): FailedRequest {
  const e = (event ?? {}) as { routeKey?: unknown; requestContext?: { requestId?: unknown } };
  const requestId = e.requestContext?.requestId;
  return {
    routeKey: typeof e.routeKey === 'string' ? e.routeKey : '(none)',
    ...(typeof requestId === 'string' && requestId ? { requestId } : {}),
  };
}

/** Every failure answers with the one error body (errors.ts), logged once here. */
function failed(error: unknown, request: FailedRequest) {
  const response = errorResponse(error, request);
  const fields = { routeKey: request.routeKey, status: response.statusCode, error: (error as Error)?.name };
  if (response.statusCode === 500) logger.error('API request failed', { ...fields, cause: error });
  else logger.warn('API request refused', fields);
  return response;
}

function pathSegment(name: string, value: string | undefined): string {
  // Empty, blank and dot segments do not survive as a URL path segment ('/a/../b' is '/b').
  if (!value?.trim() || value === '.' || value === '..') {
    throw new InvalidRequestError(`path parameter ${name} is missing or empty`);
  }
  try {
    return encodeURIComponent(value);
  } catch {
    throw new InvalidRequestError(`path parameter ${name} is not valid text`);
  }
}

/**
 * The event the router sees: the route API Gateway matched (routeKey, pathParameters) as its method
 * and path. Not rawPath: HTTP APIs hand it to Lambda URL-decoded, and the router parses it as a URL,
 * so a `?`, `#` or `%` in a path parameter (an alarm name may hold them) would cut or break the path.
 */
function routedEvent(e: Envelope): APIGatewayProxyEventV2 {
  const key = ROUTE_KEY.exec(e.routeKey);
  if (!key) throw new NotFoundError(`no route ${e.routeKey}`);
  const [, method = 'GET', template = '/'] = key;
  const rawPath = template.replace(/\{([^}]+)\}/g, (_, name: string) =>
    pathSegment(name, e.pathParameters?.[name]),
  );
  const http = (e.requestContext as { http?: object }).http ?? {};
  return {
    ...e,
    version: '2.0',
    rawPath,
    // The routes read no query string, cookie or header. The router builds its URL from the Host and
    // X-Forwarded-Proto headers: a caller's `x-forwarded-proto: https://x/other#` would route the
    // request to a path IAM never authorised, and a malformed one would be a 500. So none pass.
    rawQueryString: '',
    headers: {},
    cookies: undefined,
    isBase64Encoded: e.isBase64Encoded ?? false,
    // A fetch Request refuses a body on GET and HEAD (the router builds one); no route reads it there.
    body: method === 'GET' || method === 'HEAD' ? undefined : e.body,
    requestContext: { ...e.requestContext, domainName: ROUTER_HOST, http: { ...http, method } },
  } as unknown as APIGatewayProxyEventV2;
}

/** A router whose failures all answer with the one error body. */
export function apiRouter(): Router {
  const router = new Router({ logger });
  router.errorHandler(Error, async (error, reqCtx) => failed(error, requestOf(reqCtx.event)));
  return router;
}

/** The caller of a routed request; apiHandler has checked every field before routing. */
export function callerOf(reqCtx: ApiRequest): ApiCaller {
  const { requestContext } = reqCtx.event as APIGatewayProxyEventV2WithIAMAuthorizer;
  return {
    principal: requestContext.authorizer.iam.userArn,
    account: requestContext.accountId,
    requestId: requestContext.requestId,
    at: requestContext.timeEpoch,
  };
}

/** The request body as text (the router has decoded base64), refused above `maxBytes`. */
export async function bodyText(reqCtx: ApiRequest, maxBytes: number): Promise<string> {
  const text = await reqCtx.req.text();
  if (Buffer.byteLength(text, 'utf8') > maxBytes) throw new InvalidRequestError('body is too large');
  return text;
}

/**
 * The Lambda handler of an operator API (HTTP API, payload 2.0, IAM auth): a request without a
 * well-formed envelope or without an IAM principal is refused before any route runs (the router
 * throws on an event it does not recognise instead of answering).
 */
export function apiHandler(router: Router) {
  return async (event: unknown, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const request = requestOf(event);
    const parsed = envelopeSchema.safeParse(event);
    if (!parsed.success) return failed(new InvalidRequestError('malformed request'), request);
    if (!parsed.data.requestContext.authorizer?.iam?.userArn) {
      return failed(new ForbiddenActionError('no IAM principal'), request);
    }
    try {
      return await router.resolve(routedEvent(parsed.data), context);
    } catch (error) {
      return failed(error, request);
    }
  };
}
