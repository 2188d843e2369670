import { AppError } from '../../errors';

/**
 * Rollout errors. Names are explicit (minified bundles keep them) because the state machine's Retry
 * and Catch blocks and the API's status codes match on them verbatim.
 */

/** The plan is invalid; every issue names its field, e.g. `stages[1].gate.confidence: ...`. */
export class InvalidPlanError extends AppError {
  override readonly name = 'InvalidPlanError';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid rollout plan:\n- ${issues.join('\n- ')}`);
  }
}

/** An API request is malformed (400). */
export class InvalidRequestError extends AppError {
  override readonly name = 'InvalidRequestError';
}

/** No such rollout (404). */
export class RolloutNotFoundError extends AppError {
  override readonly name = 'RolloutNotFoundError';
}

/** The caller may not do this, e.g. approve their own rollout (403). */
export class ForbiddenActionError extends AppError {
  override readonly name = 'ForbiddenActionError';
}

/** Already decided, or the rollout is in the wrong state for the action (409). */
export class RolloutConflictError extends AppError {
  override readonly name = 'RolloutConflictError';
}

/**
 * A stage targets thing groups that do not exist (404, like AWS's own answer): refused before the
 * rollout starts unless the stage says `allowMissingTargets`; at a stage's start it fails the rollout
 * naming the group instead of a bare ResourceNotFoundException. `issues` names each group and stage.
 */
export class TargetGroupNotFoundError extends AppError {
  override readonly name = 'TargetGroupNotFoundError';
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

/** AWS IoT kept throttling after the SDK's own retries: the state machine retries with backoff. */
export class IotThrottledError extends AppError {
  override readonly name = 'IotThrottledError';
  override readonly retryable = true;
}

/** A conditional write lost a race with another writer of the same item: retry. */
export class RolloutStoreBusyError extends AppError {
  override readonly name = 'RolloutStoreBusyError';
  override readonly retryable = true;
}

/**
 * A state machine step ran for an execution the rollout API did not start, or for a rollout that is
 * closed (HALTED, ABORTED, COMPLETED, FAILED) or at another stage. The step did nothing; the state
 * machine ends in `Refused` without touching the rollout.
 */
export class ExecutionRefusedError extends AppError {
  override readonly name = 'ExecutionRefusedError';
}

/**
 * The promote step found no grounds to promote in the source of truth (the stage's gate decision,
 * the approval record): a forged or replayed wake-up. Nothing moved; the state machine halts.
 */
export class PromotionRefusedError extends AppError {
  override readonly name = 'PromotionRefusedError';
}

/**
 * A plan's fleet alarm is in ALARM (or missing) when the stage is about to be promoted (it can fire
 * while an approval is pending): the rollout is paused and waits for a resume before promoting.
 */
export class FleetAlarmPausedError extends AppError {
  override readonly name = 'FleetAlarmPausedError';
}

/** The same, for a plan whose alarms halt: the state machine halts with reason `fleet-alarm`. */
export class FleetAlarmHaltError extends AppError {
  override readonly name = 'FleetAlarmHaltError';
}

/**
 * A stage checks package versions (`health.packageVersion`) but the account's Software Package Catalog
 * configuration has VersionUpdateByJobsConfig off: AWS IoT Jobs would never write a device's `$package`
 * shadow, so every success would be judged unhealthy (409: the plan is valid, the account cannot run it).
 */
export class PackageVersionReportingError extends AppError {
  override readonly name = 'PackageVersionReportingError';
}

/** Errors sent with SendTaskFailure; the ASL catches exactly these names. */
export const TASK_FAILURES = {
  ABORTED: 'RolloutAborted',
  PAUSED: 'RolloutPaused',
  REJECTED: 'ApprovalRejected',
} as const;

/**
 * A thing group with the rollback's name exists and the automation did not create it (no managedBy
 * attribute, or under a parent): the rollback does not touch it, and IAM would refuse it anyway.
 */
export class RollbackGroupConflictError extends AppError {
  override readonly name = 'RollbackGroupConflictError';
}
