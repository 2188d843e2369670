import type { StageCounts } from '../gate';

/**
 * A stage's job as AWS IoT reports it (DescribeJob: status and jobProcessDetails): the source of truth
 * the rollout decides on. Execution events only tell the tracker when to look again.
 */
export type JobSnapshot = {
  /** Epoch ms when it was read. */
  readonly at: number;
  /** IN_PROGRESS | SCHEDULED | COMPLETED | CANCELED | DELETION_IN_PROGRESS … */
  readonly status: string;
  /** AWS is still creating executions for the job's targets, or the job is continuous. */
  readonly targetsOpen: boolean;
  readonly reasonCode?: string;
  readonly comment?: string;
  readonly queued: number;
  readonly inProgress: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly rejected: number;
  readonly timedOut: number;
  readonly canceled: number;
  readonly removed: number;
};

/** The failure statuses a plan may count; FAILED and TIMED_OUT always count. */
export const FAILURE_STATUSES = ['FAILED', 'REJECTED', 'TIMED_OUT'] as const;
export type FailureStatus = (typeof FAILURE_STATUSES)[number];

/** Terminal counts from execution events (the stage item's counters). */
export type EventCounts = {
  readonly succeeded: number;
  readonly failed: number;
  readonly rejected?: number;
  readonly timedOut?: number;
  readonly excluded: number;
};

type Split = { failed: number; rejected: number; timedOut: number };

/** Failures the plan counts, and executions it ignores (REJECTED when not a failure: never ran it). */
function classify(split: Split, statuses: readonly FailureStatus[]): { failed: number; ignored: number } {
  const rejectedCounts = statuses.includes('REJECTED');
  return {
    failed: split.failed + split.timedOut + (rejectedCounts ? split.rejected : 0),
    ignored: rejectedCounts ? 0 : split.rejected,
  };
}

/**
 * The gate's counts from the job: exact as of the snapshot. While AWS is still creating executions the
 * stage's size is at least the things counted in its groups at the start (`countedTargets`).
 */
export function countsFromJob(
  job: JobSnapshot,
  statuses: readonly FailureStatus[],
  countedTargets = 0,
): StageCounts {
  const { failed, ignored } = classify(job, statuses);
  const started = job.inProgress + job.succeeded + failed;
  const excluded = job.canceled + job.removed;
  const created = started + excluded + job.queued;
  const targets = job.targetsOpen ? Math.max(created, countedTargets - ignored) : created;
  return { targets, started, succeeded: job.succeeded, failed, excluded };
}

/**
 * The gate's counts between two reads of the job, for deciding whether to look again: the events seen
 * since, on top of the last snapshot (or of the targets counted at the stage start). Never used to act.
 */
export function estimateCounts(
  events: EventCounts,
  statuses: readonly FailureStatus[],
  job: JobSnapshot | undefined,
  countedTargets: number,
): StageCounts {
  const split = { failed: events.failed, rejected: events.rejected ?? 0, timedOut: events.timedOut ?? 0 };
  const { failed, ignored } = classify(split, statuses);
  const fromJob = job ? countsFromJob(job, statuses, countedTargets) : undefined;
  const succeeded = Math.max(events.succeeded, fromJob?.succeeded ?? 0);
  const failures = Math.max(failed, fromJob?.failed ?? 0);
  const excluded = Math.max(events.excluded, fromJob?.excluded ?? 0);
  const started = Math.max(fromJob?.started ?? 0, succeeded + failures);
  const targets = Math.max(fromJob?.targets ?? countedTargets - ignored, started + excluded);
  return { targets, started, succeeded, failed: failures, excluded };
}

/** The job was cancelled or deleted by someone other than this rollout (AWS's abortConfig, an operator). */
export function jobStoppedOutside(job: JobSnapshot): boolean {
  return job.status === 'CANCELED' || job.status.startsWith('DELETION');
}
