import { invalidRequest, invalidTransition, notFound, versionConflict } from './errors';
import { finishExecution } from './executions';
import { label, optAttributes, optNumber, paginate, queryBool, queryInt, type Request } from './input';
import { requireJob } from './jobs';
import { type ExecutionRecord, type IotContext, type Json, TERMINAL, toSeconds } from './model';

const STATUSES = [
  'QUEUED',
  'IN_PROGRESS',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'REJECTED',
  'REMOVED',
  'CANCELED',
];

export function requireExecution(
  ctx: IotContext,
  jobId: string,
  thingName: string,
  executionNumber?: number,
) {
  const job = requireJob(ctx, jobId);
  const current = job.executions.get(thingName);
  const exec =
    executionNumber === undefined || current?.executionNumber === executionNumber
      ? current
      : job.history.find((e) => e.thingName === thingName && e.executionNumber === executionNumber);
  if (!exec) throw notFound(`Job execution of job ${jobId} on thing ${thingName} does not exist.`);
  return { job, exec };
}

function approximateSecondsBeforeTimedOut(ctx: IotContext, exec: ExecutionRecord): number | undefined {
  const deadlines = [exec.inProgressDeadline, exec.stepDeadline].filter((d): d is number => d !== undefined);
  if (exec.status !== 'IN_PROGRESS' || deadlines.length === 0) return undefined;
  return Math.max(0, Math.round((Math.min(...deadlines) - ctx.clock.now()) / 1000));
}

export function describeJobExecution(ctx: IotContext, req: Request): Json {
  const number = queryInt(req, 'executionNumber', 0, Number.MAX_SAFE_INTEGER);
  const { exec } = requireExecution(ctx, label(req, 'jobId'), label(req, 'thingName'), number);
  return {
    execution: {
      jobId: exec.jobId,
      status: exec.status,
      forceCanceled: exec.forceCanceled,
      statusDetails: { detailsMap: { ...exec.statusDetails } },
      thingArn: exec.thingArn,
      queuedAt: toSeconds(exec.queuedAt),
      startedAt: toSeconds(exec.startedAt),
      lastUpdatedAt: toSeconds(exec.lastUpdatedAt),
      executionNumber: exec.executionNumber,
      versionNumber: exec.versionNumber,
      approximateSecondsBeforeTimedOut: approximateSecondsBeforeTimedOut(ctx, exec),
    },
  };
}

export function listJobExecutionsForJob(ctx: IotContext, req: Request): Json {
  const job = requireJob(ctx, label(req, 'jobId'));
  const status = req.query.get('status');
  if (status !== null && !STATUSES.includes(status)) throw invalidRequest(`Invalid status ${status}`);
  const execs = [...job.executions.values()].filter((e) => status === null || e.status === status);
  const { page, nextToken } = paginate(execs, req, 250);
  return {
    executionSummaries: page.map((e) => ({
      thingArn: e.thingArn,
      jobExecutionSummary: {
        status: e.status,
        queuedAt: toSeconds(e.queuedAt),
        startedAt: toSeconds(e.startedAt),
        lastUpdatedAt: toSeconds(e.lastUpdatedAt),
        executionNumber: e.executionNumber,
        retryAttempt: e.retryAttempt,
      },
    })),
    nextToken,
  };
}

/**
 * CancelJobExecution: QUEUED → CANCELED; IN_PROGRESS only with force; a terminal execution, or
 * IN_PROGRESS without force, is InvalidStateTransitionException (API reference).
 */
export function cancelJobExecution(ctx: IotContext, req: Request): Json {
  const { job, exec } = requireExecution(ctx, label(req, 'jobId'), label(req, 'thingName'));
  const force = queryBool(req, 'force');
  const expectedVersion = optNumber(req.body, 'expectedVersion');
  if (expectedVersion !== undefined && expectedVersion !== exec.versionNumber) {
    throw versionConflict(
      `Expected version ${expectedVersion} but the execution is at ${exec.versionNumber}`,
    );
  }
  if (TERMINAL.has(exec.status)) throw invalidTransition(`Job execution is already ${exec.status}`);
  if (exec.status === 'IN_PROGRESS' && !force) {
    throw invalidTransition('Job execution is IN_PROGRESS; set force to cancel it');
  }
  const details = optAttributes(req.body, 'statusDetails');
  if (details) exec.statusDetails = details;
  exec.forceCanceled = exec.status === 'IN_PROGRESS';
  finishExecution(ctx, job, exec, 'CANCELED');
  return {};
}
