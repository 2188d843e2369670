import { invalidRequest, invalidTransition, notFound } from './errors';
import { finishExecution } from './executions';
import { label, optAttributes, optBool, optNumber, optString, queryBool, type Request } from './input';
import { requireExecution } from './job-executions';
import type { ExecutionRecord, IotContext, JobRecord, Json } from './model';

// The jobs data plane (iot-jobs-data) speaks epoch MILLISECONDS, unlike the control plane.
const MINUTE = 60_000;
const MAX_STATUS_DETAILS = 10;

function pendingFor(ctx: IotContext, thingName: string): { job: JobRecord; exec: ExecutionRecord }[] {
  if (!ctx.state.things.has(thingName)) throw notFound(`Thing ${thingName} cannot be found.`);
  const out: { job: JobRecord; exec: ExecutionRecord }[] = [];
  for (const job of ctx.state.jobs.values()) {
    const exec = job.executions.get(thingName);
    if (exec && (exec.status === 'QUEUED' || exec.status === 'IN_PROGRESS')) out.push({ job, exec });
  }
  return out.sort((a, b) => a.exec.queuedAt - b.exec.queuedAt);
}

const summary = (e: ExecutionRecord): Json => ({
  jobId: e.jobId,
  queuedAt: e.queuedAt,
  startedAt: e.startedAt,
  lastUpdatedAt: e.lastUpdatedAt,
  versionNumber: e.versionNumber,
  executionNumber: e.executionNumber,
});

function executionView(ctx: IotContext, job: JobRecord, e: ExecutionRecord, withDocument: boolean): Json {
  const deadlines = [e.inProgressDeadline, e.stepDeadline].filter((d): d is number => d !== undefined);
  return {
    ...summary(e),
    thingName: e.thingName,
    status: e.status,
    statusDetails: { ...e.statusDetails },
    approximateSecondsBeforeTimedOut:
      deadlines.length > 0
        ? Math.max(0, Math.round((Math.min(...deadlines) - ctx.clock.now()) / 1000))
        : undefined,
    jobDocument: withDocument ? job.document : undefined,
  };
}

function statusDetails(body: Json): Record<string, string> | undefined {
  const d = optAttributes(body, 'statusDetails');
  if (d && Object.keys(d).length > MAX_STATUS_DETAILS)
    throw invalidRequest('statusDetails has more than 10 entries');
  return d;
}

/** stepTimeoutInMinutes: 1..10080 sets a step deadline (never beyond the in-progress deadline); -1 clears. */
function applyStepTimeout(ctx: IotContext, job: JobRecord, exec: ExecutionRecord, body: Json): void {
  const step = optNumber(body, 'stepTimeoutInMinutes');
  if (step === undefined) return;
  if (step === -1) {
    delete exec.stepDeadline;
    return;
  }
  if (!Number.isInteger(step) || step < 1 || step > 10080)
    throw invalidRequest('stepTimeoutInMinutes must be 1..10080 or -1');
  const deadline = ctx.clock.now() + step * MINUTE;
  ctx.state.timed.set(exec, job);
  exec.stepDeadline =
    exec.inProgressDeadline === undefined ? deadline : Math.min(deadline, exec.inProgressDeadline);
}

function start(ctx: IotContext, job: JobRecord, exec: ExecutionRecord): void {
  const now = ctx.clock.now();
  exec.status = 'IN_PROGRESS';
  exec.startedAt = now;
  const minutes = job.timeoutConfig?.inProgressTimeoutInMinutes;
  // timeoutConfig: the in-progress timer starts when the execution enters IN_PROGRESS.
  if (typeof minutes === 'number') {
    exec.inProgressDeadline = now + minutes * MINUTE;
    ctx.state.timed.set(exec, job);
  }
}

export function getPendingJobExecutions(ctx: IotContext, req: Request): Json {
  const pending = pendingFor(ctx, label(req, 'thingName'));
  return {
    inProgressJobs: pending.filter((p) => p.exec.status === 'IN_PROGRESS').map((p) => summary(p.exec)),
    queuedJobs: pending.filter((p) => p.exec.status === 'QUEUED').map((p) => summary(p.exec)),
  };
}

export function startNextPendingJobExecution(ctx: IotContext, req: Request): Json {
  const pending = pendingFor(ctx, label(req, 'thingName'));
  const next = pending.find((p) => p.exec.status === 'IN_PROGRESS') ?? pending[0];
  if (!next) return {};
  const { job, exec } = next;
  const details = statusDetails(req.body);
  if (exec.status === 'QUEUED') {
    start(ctx, job, exec);
    if (details) exec.statusDetails = details;
    applyStepTimeout(ctx, job, exec, req.body);
    exec.versionNumber += 1;
    exec.lastUpdatedAt = ctx.clock.now();
  }
  return { execution: executionView(ctx, job, exec, true) };
}

export function describeJobExecutionData(ctx: IotContext, req: Request): Json {
  const thingName = label(req, 'thingName');
  const jobId = label(req, 'jobId');
  const withDocument = queryBool(req, 'includeJobDocument');
  if (jobId === '$next') {
    const next = pendingFor(ctx, thingName)[0];
    if (!next) throw notFound(`No pending job execution for thing ${thingName}`);
    return { execution: executionView(ctx, next.job, next.exec, withDocument) };
  }
  const n = req.query.get('executionNumber');
  const { job, exec } = requireExecution(ctx, jobId, thingName, n === null ? undefined : Number(n));
  return { execution: executionView(ctx, job, exec, withDocument) };
}

const DEVICE_STATUSES = ['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED'];

export function updateJobExecution(ctx: IotContext, req: Request): Json {
  const b = req.body;
  const n = optNumber(b, 'executionNumber');
  const { job, exec } = requireExecution(ctx, label(req, 'jobId'), label(req, 'thingName'), n);
  const status = optString(b, 'status');
  if (status === undefined || !DEVICE_STATUSES.includes(status)) {
    throw invalidRequest('status must be one of IN_PROGRESS, SUCCEEDED, FAILED, REJECTED');
  }
  // A cancelled (incl. force-cancelled) or otherwise terminal execution accepts no device update.
  if (exec.status !== 'QUEUED' && exec.status !== 'IN_PROGRESS') {
    throw invalidTransition(`Job execution ${job.jobId}/${exec.thingName} is ${exec.status}`);
  }
  const expectedVersion = optNumber(b, 'expectedVersion');
  // Over MQTT this is a VersionMismatch error; the HTTP model offers InvalidStateTransitionException.
  if (expectedVersion !== undefined && expectedVersion !== exec.versionNumber) {
    throw invalidTransition(`VersionMismatch: expected ${expectedVersion}, current ${exec.versionNumber}`);
  }
  const details = statusDetails(b);
  if (details) exec.statusDetails = details;
  if (status === 'IN_PROGRESS') {
    if (exec.status === 'QUEUED') start(ctx, job, exec);
    applyStepTimeout(ctx, job, exec, b);
    exec.versionNumber += 1;
    exec.lastUpdatedAt = ctx.clock.now();
  } else {
    if (exec.status === 'QUEUED') exec.startedAt = ctx.clock.now();
    finishExecution(ctx, job, exec, status as 'SUCCEEDED' | 'FAILED' | 'REJECTED');
  }
  return {
    executionState: optBool(b, 'includeJobExecutionState')
      ? { status: exec.status, statusDetails: { ...exec.statusDetails }, versionNumber: exec.versionNumber }
      : undefined,
    jobDocument: optBool(b, 'includeJobDocument') ? job.document : undefined,
  };
}
