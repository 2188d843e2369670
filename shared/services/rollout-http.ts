import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
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
import { AppError } from '../errors';

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

const STATUS: [new (...args: never[]) => Error, number][] = [
  [InvalidPlanError, 400],
  [InvalidGatePolicyError, 400],
  [InvalidRequestError, 400],
  [ForbiddenActionError, 403],
  [RolloutNotFoundError, 404],
  [TargetGroupNotFoundError, 404],
  [RolloutConflictError, 409],
  [InvalidFleetQueryError, 400],
  // The plan is valid; the account (its fleet index, its dynamic groups) cannot run it as it is.
  [FleetIndexFieldError, 409],
  [PackageVersionReportingError, 409],
  [DynamicGroupLimitError, 409],
  [QueryGroupConflictError, 409],
];

/**
 * Typed errors become typed responses; AWS being busy after the SDK's retries (throttling, a 5xx)
 * or any retryable typed error is a 503 with Retry-After, which the CLI retries; anything else is a 500 (undefined here).
 */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 | undefined {
  // Also our own retryable errors: IoT throttling after the SDK's retries, a busy store item.
  const retryable = error instanceof AppError && error.retryable;
  if (isTransientAwsError(error) || error instanceof AwsTransientError || retryable) {
    return {
      ...json(503, { error: 'ServiceUnavailable', message: `AWS is busy (${(error as Error).name}); retry` }),
      headers: { 'content-type': 'application/json', 'retry-after': '1' },
    };
  }
  const match = STATUS.find(([type]) => error instanceof type);
  if (!match) return undefined;
  const e = error as Error & { issues?: readonly string[] };
  return json(match[1], { error: e.name, message: e.message, ...(e.issues ? { issues: e.issues } : {}) });
}
