import { alreadyExists, invalidRequest, limitExceeded, notFound } from './errors';
import { cancelJob, checkCompletion, countersOf, resolveTargets } from './executions';
import { label, optNumber, optObject, optString, paginate, queryBool, type Request } from './input';
import {
  validateAbort,
  validateRetry,
  validateRollout,
  validateScheduling,
  validateTimeout,
} from './job-config';
import { type IotContext, type JobRecord, type Json, toSeconds } from './model';
import { validatePackageVersions } from './packages';
import { parseScheduleTime, releaseRollout } from './rollout';

const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const TARGET = /^arn:aws[a-z-]*:iot:[^:]*:\d*:(thing|thinggroup)\/[a-zA-Z0-9:_-]+$/;
const MAX_DOCUMENT_BYTES = 32768;
const MAX_TARGETS = 100;

export function requireJob(ctx: IotContext, jobId: string): JobRecord {
  const job = ctx.state.jobs.get(jobId);
  if (!job) throw notFound(`Job ${jobId} does not exist.`);
  return job;
}

function validateTargets(ctx: IotContext, raw: unknown): string[] {
  // CreateJob: targets min 1; AssociateTargetsWithJob doc: "must not exceed 100" per job.
  if (!Array.isArray(raw) || raw.length < 1) throw invalidRequest('targets must list at least one ARN');
  if (raw.length > MAX_TARGETS) throw limitExceeded(`A job can have at most ${MAX_TARGETS} targets`);
  for (const t of raw) {
    const m = typeof t === 'string' ? TARGET.exec(t) : null;
    if (!m) throw invalidRequest(`Invalid target ARN ${String(t)}`);
    const name = t.split('/').pop() ?? '';
    const exists = m[1] === 'thing' ? ctx.state.things.has(name) : ctx.state.groups.has(name);
    if (!exists) throw notFound(`Target ${t} does not exist`);
  }
  return raw as string[];
}

export function createJob(ctx: IotContext, req: Request): Json {
  const jobId = label(req, 'jobId');
  if (!JOB_ID.test(jobId)) throw invalidRequest(`jobId must match [a-zA-Z0-9_-]{1,64}`);
  const jobArn = ctx.arn(`job/${jobId}`);
  // CreateJob: a repeated jobId is ResourceAlreadyExistsException, not an idempotent success.
  if (ctx.state.jobs.has(jobId)) throw alreadyExists(`Job ${jobId} already exists`, jobId, jobArn);
  const b = req.body;
  const targets = validateTargets(ctx, b.targets);
  const document = optString(b, 'document');
  const documentSource = optString(b, 'documentSource');
  if (
    document === undefined &&
    documentSource === undefined &&
    optString(b, 'jobTemplateArn') === undefined
  ) {
    throw invalidRequest('document or documentSource is required');
  }
  if (document !== undefined && Buffer.byteLength(document) > MAX_DOCUMENT_BYTES) {
    throw invalidRequest(`document exceeds ${MAX_DOCUMENT_BYTES} bytes`);
  }
  if (documentSource !== undefined && documentSource.length > 1350)
    throw invalidRequest('documentSource too long');
  const targetSelection = optString(b, 'targetSelection') ?? 'SNAPSHOT';
  if (targetSelection !== 'SNAPSHOT' && targetSelection !== 'CONTINUOUS') {
    throw invalidRequest('targetSelection must be SNAPSHOT or CONTINUOUS');
  }
  const rolloutConfig = optObject(b, 'jobExecutionsRolloutConfig');
  const abortConfig = optObject(b, 'abortConfig');
  const timeoutConfig = optObject(b, 'timeoutConfig');
  const retryConfig = optObject(b, 'jobExecutionsRetryConfig');
  const schedulingConfig = optObject(b, 'schedulingConfig');
  const now = ctx.clock.now();
  const scheduledStart = parseScheduleTime(schedulingConfig?.startTime);
  validateRollout(rolloutConfig);
  validateAbort(abortConfig);
  validateTimeout(timeoutConfig);
  validateRetry(retryConfig);
  validateScheduling(schedulingConfig, scheduledStart, now);
  const destinationPackageVersions = validatePackageVersions(ctx, b.destinationPackageVersions);
  const description = optString(b, 'description');
  const presignedUrlConfig = optObject(b, 'presignedUrlConfig');
  const job: JobRecord = {
    jobId,
    jobArn,
    targets,
    targetSelection,
    status: scheduledStart === undefined ? 'IN_PROGRESS' : 'SCHEDULED',
    createdAt: now,
    lastUpdatedAt: now,
    forceCanceled: false,
    pending: resolveTargets(ctx, targets),
    rollout: { windowStart: now, releasedInWindow: 0, notified: 0, succeeded: 0 },
    executions: new Map(),
    history: [],
    ...(description === undefined ? {} : { description }),
    ...(document === undefined ? {} : { document }),
    ...(documentSource === undefined ? {} : { documentSource }),
    ...(rolloutConfig === undefined ? {} : { rolloutConfig }),
    ...(abortConfig === undefined ? {} : { abortConfig }),
    ...(timeoutConfig === undefined ? {} : { timeoutConfig }),
    ...(retryConfig === undefined ? {} : { retryConfig }),
    ...(schedulingConfig === undefined ? {} : { schedulingConfig }),
    ...(presignedUrlConfig === undefined ? {} : { presignedUrlConfig }),
    ...(destinationPackageVersions === undefined ? {} : { destinationPackageVersions }),
    ...(scheduledStart === undefined ? {} : { scheduledStart }),
    ...(Array.isArray(b.tags) ? { tags: b.tags } : {}),
  };
  ctx.state.jobs.set(jobId, job);
  releaseRollout(ctx, job);
  checkCompletion(ctx, job);
  return { jobArn, jobId, description };
}

function jobView(job: JobRecord): Json {
  const rollingOut = job.pending.length > 0;
  return {
    jobArn: job.jobArn,
    jobId: job.jobId,
    targetSelection: job.targetSelection,
    status: job.status,
    forceCanceled: job.forceCanceled,
    reasonCode: job.reasonCode,
    comment: job.comment,
    targets: [...job.targets],
    description: job.description,
    presignedUrlConfig: job.presignedUrlConfig,
    jobExecutionsRolloutConfig: job.rolloutConfig,
    abortConfig: job.abortConfig,
    createdAt: toSeconds(job.createdAt),
    lastUpdatedAt: toSeconds(job.lastUpdatedAt),
    completedAt: toSeconds(job.completedAt),
    // processingTargets is null once rollout to all targets has finished (JobProcessDetails doc).
    jobProcessDetails: { ...(rollingOut ? { processingTargets: [...job.targets] } : {}), ...countersOf(job) },
    timeoutConfig: job.timeoutConfig,
    jobExecutionsRetryConfig: job.retryConfig,
    isConcurrent: rollingOut,
    schedulingConfig: job.schedulingConfig,
    destinationPackageVersions: job.destinationPackageVersions,
  };
}

export function describeJob(ctx: IotContext, req: Request): Json {
  const job = requireJob(ctx, label(req, 'jobId'));
  return { documentSource: job.documentSource, job: jobView(job) };
}

export function listJobs(ctx: IotContext, req: Request): Json {
  const status = req.query.get('status');
  const selection = req.query.get('targetSelection');
  const groupId = req.query.get('thingGroupId');
  const groupName =
    req.query.get('thingGroupName') ??
    (groupId === null
      ? null
      : ([...ctx.state.groups.values()].find((g) => g.thingGroupId === groupId)?.thingGroupName ?? groupId));
  const jobs = [...ctx.state.jobs.values()].filter(
    (j) =>
      (status === null || j.status === status) &&
      (selection === null || j.targetSelection === selection) &&
      (groupName === null || j.targets.includes(ctx.arn(`thinggroup/${groupName}`))),
  );
  const { page, nextToken } = paginate(jobs.reverse(), req, 250);
  return {
    jobs: page.map((j) => ({
      jobArn: j.jobArn,
      jobId: j.jobId,
      targetSelection: j.targetSelection,
      status: j.status,
      createdAt: toSeconds(j.createdAt),
      lastUpdatedAt: toSeconds(j.lastUpdatedAt),
      completedAt: toSeconds(j.completedAt),
      isConcurrent: j.pending.length > 0,
    })),
    nextToken,
  };
}

export function cancelJobOperation(ctx: IotContext, req: Request): Json {
  const job = requireJob(ctx, label(req, 'jobId'));
  const force = queryBool(req, 'force');
  const reasonCode = optString(req.body, 'reasonCode');
  const comment = optString(req.body, 'comment');
  if (reasonCode !== undefined && !/^[A-Z0-9_]{1,128}$/.test(reasonCode)) {
    throw invalidRequest('reasonCode must match [\\p{Upper}\\p{Digit}_]+ (max 128)');
  }
  if (comment !== undefined && comment.length > 2028) throw invalidRequest('comment exceeds 2028 characters');
  if (job.status === 'COMPLETED')
    throw invalidRequest(`Job ${job.jobId} is COMPLETED and cannot be canceled`);
  // Assumption: cancelling an already CANCELED job succeeds (and can escalate to force).
  cancelJob(ctx, job, { force, reasonCode, comment });
  return { jobArn: job.jobArn, jobId: job.jobId, description: job.description };
}

export function updateJob(ctx: IotContext, req: Request): Json {
  const job = requireJob(ctx, label(req, 'jobId'));
  const b = req.body;
  const rollout = optObject(b, 'jobExecutionsRolloutConfig');
  const abort = optObject(b, 'abortConfig');
  const timeout = optObject(b, 'timeoutConfig');
  const retry = optObject(b, 'jobExecutionsRetryConfig');
  validateRollout(rollout);
  validateAbort(abort);
  validateTimeout(timeout);
  validateRetry(retry);
  // UpdateJob doc: after creation the retry count can only be set to 0.
  for (const c of (retry?.criteriaList ?? []) as Json[]) {
    if (optNumber(c, 'numberOfRetries') !== 0)
      throw invalidRequest('UpdateJob can only set numberOfRetries to 0');
  }
  const description = optString(b, 'description');
  if (description !== undefined) job.description = description;
  if (rollout) {
    job.rolloutConfig = rollout;
    delete job.rollout.windowRate;
  }
  if (abort) job.abortConfig = abort;
  if (timeout) job.timeoutConfig = timeout;
  if (retry) job.retryConfig = retry;
  job.lastUpdatedAt = ctx.clock.now();
  return {};
}
