import { publishExecution, publishJob } from './events';
import { rootToParent, thingsInTree } from './hierarchy';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  type IotContext,
  type JobRecord,
  type Json,
  TERMINAL,
} from './model';
import { reportPackageVersions } from './packages';

/** Thing names a job's targets resolve to now: thing ARNs, and group ARNs expanded with child groups. */
export function resolveTargets(ctx: IotContext, targets: string[]): string[] {
  const names = new Set<string>();
  for (const arn of targets) {
    const [kind, name] = arn.split(':').pop()?.split('/') ?? [];
    if (name === undefined) continue;
    if (kind === 'thing' && ctx.state.things.has(name)) names.add(name);
    const group = kind === 'thinggroup' ? ctx.state.groups.get(name) : undefined;
    if (group) for (const t of thingsInTree(ctx, group)) names.add(t);
  }
  return [...names];
}

export function createExecution(
  ctx: IotContext,
  job: JobRecord,
  thingName: string,
  retryAttempt = 0,
): ExecutionRecord {
  const now = ctx.clock.now();
  const executionNumber = ctx.state.executionNumbers.get(thingName) ?? 1;
  ctx.state.executionNumbers.set(thingName, executionNumber + 1);
  const exec: ExecutionRecord = {
    jobId: job.jobId,
    thingName,
    thingArn: ctx.arn(`thing/${thingName}`),
    status: 'QUEUED',
    statusDetails: {},
    queuedAt: now,
    lastUpdatedAt: now,
    executionNumber,
    versionNumber: 1,
    retryAttempt,
    forceCanceled: false,
  };
  const previous = job.executions.get(thingName);
  if (previous) job.history.push(previous);
  job.executions.set(thingName, exec);
  // Jobs guide, "Jobs device MQTT API": AWS IoT tells the device on notify-next.
  ctx.notifyDevice(`$aws/things/${thingName}/jobs/notify-next`, {
    timestamp: Math.floor(now / 1000),
    execution: {
      jobId: job.jobId,
      status: exec.status,
      queuedAt: Math.floor(now / 1000),
      lastUpdatedAt: Math.floor(now / 1000),
      versionNumber: exec.versionNumber,
      executionNumber: exec.executionNumber,
    },
  });
  return exec;
}

/** Moves an execution to a terminal status and applies what follows: event, retry, abort, completion. */
export function finishExecution(
  ctx: IotContext,
  job: JobRecord,
  exec: ExecutionRecord,
  status: ExecutionStatus,
): void {
  exec.status = status;
  exec.lastUpdatedAt = ctx.clock.now();
  exec.versionNumber += 1;
  delete exec.inProgressDeadline;
  delete exec.stepDeadline;
  publishExecution(ctx, exec);
  if (status === 'SUCCEEDED') {
    job.rollout.succeeded += 1;
    reportPackageVersions(ctx, job, exec.thingName);
  }
  maybeRetry(ctx, job, exec);
  evaluateAbort(ctx, job);
  checkCompletion(ctx, job);
}

/** jobExecutionsRetryConfig: FAILED / TIMED_OUT are retried up to numberOfRetries; REJECTED never (dev guide). */
function maybeRetry(ctx: IotContext, job: JobRecord, exec: ExecutionRecord): void {
  if (job.status !== 'IN_PROGRESS' || (exec.status !== 'FAILED' && exec.status !== 'TIMED_OUT')) return;
  const criteria = (job.retryConfig?.criteriaList ?? []) as Json[];
  const rule =
    criteria.find((c) => c.failureType === exec.status) ?? criteria.find((c) => c.failureType === 'ALL');
  const allowed = typeof rule?.numberOfRetries === 'number' ? rule.numberOfRetries : 0;
  if (exec.retryAttempt < allowed) createExecution(ctx, job, exec.thingName, exec.retryAttempt + 1);
}

const FAILURE_TYPES: Record<string, ExecutionStatus[]> = {
  FAILED: ['FAILED'],
  REJECTED: ['REJECTED'],
  TIMED_OUT: ['TIMED_OUT'],
  ALL: ['FAILED', 'REJECTED', 'TIMED_OUT'],
};

/**
 * abortConfig (dev guide, job-configurations): criteria are checked in order; once at least
 * minNumberOfExecutedThings executions have completed and thresholdPercentage of them match the
 * failureType, the job is cancelled. Only QUEUED executions are cancelled, never IN_PROGRESS ones.
 */
function evaluateAbort(ctx: IotContext, job: JobRecord): void {
  if (job.status !== 'IN_PROGRESS' || !job.abortConfig) return;
  const attempts = [...job.history, ...job.executions.values()].filter(
    (e) => TERMINAL.has(e.status) && e.status !== 'CANCELED' && e.status !== 'REMOVED',
  );
  for (const c of (job.abortConfig.criteriaList ?? []) as Json[]) {
    const types = FAILURE_TYPES[String(c.failureType)] ?? [];
    const failures = attempts.filter((e) => types.includes(e.status)).length;
    const min = Number(c.minNumberOfExecutedThings);
    const threshold = Number(c.thresholdPercentage);
    if (attempts.length >= min && (failures * 100) / attempts.length >= threshold) {
      const comment = `Job aborted: ${failures} of ${attempts.length} executions ${c.failureType}, threshold ${threshold}% with at least ${min} executed things`;
      cancelJob(ctx, job, {
        force: false,
        reasonCode: `AUTO_ABORT_${String(c.failureType)}_THRESHOLD_EXCEEDED`,
        comment,
      });
      return;
    }
  }
}

/** A SNAPSHOT job completes once rollout is over and every execution is terminal; CONTINUOUS never does. */
export function checkCompletion(ctx: IotContext, job: JobRecord): void {
  if (job.status !== 'IN_PROGRESS' || job.targetSelection !== 'SNAPSHOT' || job.pending.length > 0) return;
  if (![...job.executions.values()].every((e) => TERMINAL.has(e.status))) return;
  const now = ctx.clock.now();
  job.status = 'COMPLETED';
  job.completedAt = now;
  job.lastUpdatedAt = now;
  publishJob(ctx, job, 'completed');
}

export interface CancelOptions {
  force: boolean;
  reasonCode?: string | undefined;
  comment?: string | undefined;
}

/** CancelJob: stops rollout, cancels QUEUED executions, and IN_PROGRESS ones only with force. */
export function cancelJob(ctx: IotContext, job: JobRecord, opts: CancelOptions): void {
  const now = ctx.clock.now();
  const wasCanceled = job.status === 'CANCELED';
  if (opts.reasonCode !== undefined) job.reasonCode = opts.reasonCode;
  if (opts.comment !== undefined) job.comment = opts.comment;
  job.pending = [];
  if (!wasCanceled) publishJob(ctx, job, 'cancellation_in_progress');
  for (const exec of job.executions.values()) {
    const inProgress = exec.status === 'IN_PROGRESS';
    if (exec.status !== 'QUEUED' && !(opts.force && inProgress)) continue;
    exec.forceCanceled = inProgress;
    exec.status = 'CANCELED';
    exec.lastUpdatedAt = now;
    exec.versionNumber += 1;
    delete exec.inProgressDeadline;
    delete exec.stepDeadline;
    publishExecution(ctx, exec);
  }
  job.status = 'CANCELED';
  job.forceCanceled = job.forceCanceled || opts.force;
  job.completedAt = now;
  job.lastUpdatedAt = now;
  if (!wasCanceled) publishJob(ctx, job, 'canceled');
}

/**
 * CONTINUOUS jobs: a thing that joins a target group gets an execution in near real time (not
 * rate-limited, dev guide); a thing that leaves has its QUEUED execution marked REMOVED.
 */
export function onMembershipChanged(ctx: IotContext, thingName: string): void {
  for (const job of ctx.state.jobs.values()) {
    if (job.targetSelection !== 'CONTINUOUS' || job.status !== 'IN_PROGRESS') continue;
    const targeted = targetsThing(ctx, job, thingName);
    const exec = job.executions.get(thingName);
    if (targeted && (exec === undefined || exec.status === 'REMOVED') && !job.pending.includes(thingName)) {
      createExecution(ctx, job, thingName);
    } else if (!targeted && exec?.status === 'QUEUED') {
      finishExecution(ctx, job, exec, 'REMOVED');
    } else if (!targeted) {
      job.pending = job.pending.filter((t) => t !== thingName);
    }
  }
}

/** Whether a job's targets reach the thing now: by its ARN, or a group it (or a parent group) is in. */
function targetsThing(ctx: IotContext, job: JobRecord, thingName: string): boolean {
  const thing = ctx.state.things.get(thingName);
  if (!thing) return false;
  const groups = new Set<string>();
  for (const name of thing.groups) {
    const group = ctx.state.groups.get(name);
    if (!group) continue;
    groups.add(name);
    for (const parent of rootToParent(ctx, group)) groups.add(parent.thingGroupName);
  }
  return job.targets.some((arn) => {
    const [kind, name] = arn.split(':').pop()?.split('/') ?? [];
    return name !== undefined && (kind === 'thing' ? name === thingName : groups.has(name));
  });
}

export function countersOf(job: JobRecord): Record<string, number> {
  const n = (s: ExecutionStatus) => [...job.executions.values()].filter((e) => e.status === s).length;
  return {
    numberOfCanceledThings: n('CANCELED'),
    numberOfSucceededThings: n('SUCCEEDED'),
    numberOfFailedThings: n('FAILED'),
    numberOfRejectedThings: n('REJECTED'),
    numberOfQueuedThings: n('QUEUED'),
    numberOfInProgressThings: n('IN_PROGRESS'),
    numberOfRemovedThings: n('REMOVED'),
    numberOfTimedOutThings: n('TIMED_OUT'),
  };
}
