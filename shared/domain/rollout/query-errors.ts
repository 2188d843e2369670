import { AppError } from '../../errors';

/**
 * Errors of a stage that targets a fleet indexing query. Names are explicit: the state machine's
 * Retry matches DynamicGroupBuildingError verbatim, the API maps the others to status codes.
 */

/** The account already has AWS's 100 dynamic thing groups: the stage cannot get one (409). */
export class DynamicGroupLimitError extends AppError {
  override readonly name = 'DynamicGroupLimitError';
}

/**
 * The stage's dynamic group is still being backfilled (status BUILDING or REBUILDING): a SNAPSHOT job
 * created now would miss things. The state machine retries with backoff.
 */
export class DynamicGroupBuildingError extends AppError {
  override readonly name = 'DynamicGroupBuildingError';
  override readonly retryable = true;
}

/** A group of the stage's name exists with another query, or is not dynamic: never taken over (409). */
export class QueryGroupConflictError extends AppError {
  override readonly name = 'QueryGroupConflictError';
}
