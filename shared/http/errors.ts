import { NotFoundError, ParameterValidationError } from '@aws-lambda-powertools/event-handler/http';
import { AwsTransientError, isTransientAwsError } from '../adapters/transient-errors';
import { FleetIndexFieldError, InvalidFleetQueryError } from '../domain/fleet-index/errors';
import { InvalidGatePolicyError } from '../domain/gate';
import {
  ForbiddenActionError,
  InvalidPlanError,
  InvalidRequestError,
  PackageVersionReportingError,
  RolloutConflictError,
  RolloutNotFoundError,
  TargetGroupNotFoundError,
} from '../domain/rollout/errors';
import { DynamicGroupLimitError, QueryGroupConflictError } from '../domain/rollout/query-errors';
import { AppError, InvalidInputError } from '../errors';
import { type JsonResponse, json } from './response';

/**
 * The one error body of the operator APIs. `error` names the typed error, or the HTTP status when
 * the answer has none (a refusal a service returned, no such route, AWS busy, a fault).
 */
export type ErrorBody = {
  error: string;
  message: string;
  /** One line per problem, when the error lists them (a plan's fields, an enrolment's). */
  issues?: readonly string[];
  /** The API Gateway request id, to find the request's logs (unknown only in a malformed event). */
  requestId?: string;
};

/** The request an error belongs to, as far as its event tells. */
export type FailedRequest = { requestId?: string; routeKey: string };

const STATUS: [new (...args: never[]) => Error, number][] = [
  [InvalidPlanError, 400],
  [InvalidGatePolicyError, 400],
  [InvalidRequestError, 400],
  [InvalidInputError, 400],
  [InvalidFleetQueryError, 400],
  // The router's own: a path parameter it could not take.
  [ParameterValidationError, 400],
  [ForbiddenActionError, 403],
  [RolloutNotFoundError, 404],
  [TargetGroupNotFoundError, 404],
  [RolloutConflictError, 409],
  // The plan is valid; the account (its fleet index, its dynamic groups) cannot run it as it is.
  [FleetIndexFieldError, 409],
  [PackageVersionReportingError, 409],
  [DynamicGroupLimitError, 409],
  [QueryGroupConflictError, 409],
];

/** `error` of an answer that no typed error names. */
const STATUS_NAMES: Record<number, string> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
};

/** An error answer; the body always has this shape. */
type Ids = Pick<FailedRequest, 'requestId'>;

function answer(status: number, body: Omit<ErrorBody, 'requestId'>, request: Ids, headers = {}) {
  return json(status, { ...body, ...(request.requestId ? { requestId: request.requestId } : {}) }, headers);
}

/** A refusal a service returned as a result (status and message), not as a typed error. */
export function refusal(status: number, message: string, request: Ids): JsonResponse {
  return answer(status, { error: STATUS_NAMES[status] ?? `Http${status}`, message }, request);
}

/**
 * The answer to a request that failed with `error`: typed errors keep their status; AWS busy after
 * the SDK's retries (throttling, a 5xx) or any retryable typed error is a 503 with Retry-After, which
 * the CLI retries; anything else is a 500 that names only the request.
 */
export function errorResponse(error: unknown, request: FailedRequest): JsonResponse {
  // Powertools' router found no route for the method and path.
  if (error instanceof NotFoundError) return refusal(404, `no route ${request.routeKey}`, request);
  // Also our own retryable errors: IoT throttling after the SDK's retries, a busy store item.
  const retryable = error instanceof AppError && error.retryable;
  if (isTransientAwsError(error) || error instanceof AwsTransientError || retryable) {
    const message = `AWS is busy (${(error as Error).name}); retry`;
    return answer(503, { error: 'ServiceUnavailable', message }, request, { 'retry-after': '1' });
  }
  const match = STATUS.find(([type]) => error instanceof type);
  if (!match) return answer(500, { error: 'InternalError', message: 'internal error' }, request);
  const e = error as Error & { issues?: readonly string[] };
  return answer(
    match[1],
    { error: e.name, message: e.message, ...(e.issues ? { issues: e.issues } : {}) },
    request,
  );
}
