import { randomBytes } from 'node:crypto';
import { documentUrlIssues } from '../domain/rollout/document-urls';
import {
  ForbiddenActionError,
  InvalidPlanError,
  InvalidRequestError,
  RolloutConflictError,
  RolloutNotFoundError,
} from '../domain/rollout/errors';
import { executionArnFor } from '../domain/rollout/execution';
import { callerIdentity, PERSON_HELP } from '../domain/rollout/identity';
import { jobIdFor } from '../domain/rollout/ids';
import type { ResumeRecord, Rollout, Stage } from '../domain/rollout/model';
import { planDigest, type ResolvedPlan } from '../domain/rollout/plan';
import {
  authorsOf,
  documentHash,
  documentOf,
  executionNameOf,
  resumeDocument,
  resumeExecutionName,
  resumeRefusal,
  resumeWarnings,
  withDocument,
} from '../domain/rollout/resume';
import type { Rollback } from '../domain/rollout/rollback';
import type { ApiDeps, Caller } from './rollout-api';
import { record } from './rollout-effects';
import type { RolloutDetails } from './rollout-store-port';

export type ResumeRequest = { document?: unknown; documentSource?: unknown; comment: string };

/** Can the plan ever wait on an approval (a required one, or an inconclusive gate that asks)? */
const asksApprovals = (plan: ResolvedPlan) =>
  plan.stages.some(
    (s, i) => (s.approval.required && i < plan.stages.length - 1) || s.gate.onInconclusive === 'ask',
  );

/** What the halted attempt showed: the job as last read (what it was judged on) and its event counters. */
function haltedAttempt(stage: Stage) {
  const { job, lastDecision: decision } = stage;
  return {
    stageIndex: stage.index,
    stage: stage.name,
    attempt: stage.attempt ?? 0,
    jobId: stage.jobId,
    startedAt: new Date(stage.startedAt).toISOString(),
    job: job
      ? {
          readAt: new Date(job.at).toISOString(),
          status: job.status,
          queued: job.queued,
          inProgress: job.inProgress,
          succeeded: job.succeeded,
          failed: job.failed,
          rejected: job.rejected,
          timedOut: job.timedOut,
          canceled: job.canceled,
          removed: job.removed,
        }
      : null,
    events: {
      succeeded: stage.succeeded,
      failed: stage.failed,
      rejected: stage.rejected ?? 0,
      timedOut: stage.timedOut ?? 0,
      excluded: stage.excluded,
    },
    unhealthy: stage.health?.unhealthy ?? 0,
    decision: decision
      ? { outcome: decision.outcome, reason: decision.reason, explanation: decision.explanation }
      : null,
  };
}

const rollbackSummary = (rollback: Rollback | undefined) =>
  rollback
    ? {
        state: rollback.state,
        jobId: rollback.jobId,
        devices: rollback.added,
        stageIndexes: rollback.stageIndexes,
      }
    : null;

/**
 * POST /rollouts/{id}/resume with a document: a HALTED rollout goes on with a fixed document from the
 * halted stage (docs/rollouts.md "Resume with a fixed document"). One conditional update on the
 * halted rollout item swaps the plan's document, digest, attempt and execution, then the execution
 * `<rolloutId>--r<n>-<nonce>` starts at the halted stage, whose StartStage keeps the halted attempt
 * apart and runs a new one from zero. The same request again (the same principal, the same document)
 * finds it done and starts the same execution (a no-op), so a retry never makes two; any other is
 * refused.
 */
export async function resumeWithDocument(deps: ApiDeps, id: string, request: ResumeRequest, caller: Caller) {
  const document = resumeDocument(request);
  const details = await deps.store.details(id);
  if (!details) throw new RolloutNotFoundError(`rollout ${id} not found`);
  const { rollout } = details;
  const plan = withDocument(rollout.plan, document);
  const digest = planDigest(plan);
  const replayed = sameResume(rollout, digest, caller);
  if (replayed) return started(deps, rollout, replayed, details.rollback, haltedOf(details, replayed));
  const urlIssues = documentUrlIssues(plan, deps.policy.documents);
  if (urlIssues.length > 0) throw new InvalidPlanError(urlIssues);
  const stage = details.stages.find((s) => s.index === rollout.currentStage);
  const refusal = resumeRefusal({ rollout, stage, rollback: details.rollback, document });
  if (refusal)
    throw refusal.kind === 'invalid'
      ? new InvalidRequestError(refusal.message)
      : new RolloutConflictError(refusal.message);
  if (!stage) throw new Error(`rollout ${id} has no stage ${rollout.currentStage}`);
  // A rollback that FAILED may have left its job running on these devices: a new attempt would race it.
  const rollbackJob =
    details.rollback?.state === 'FAILED' && details.rollback.jobCreatedAt !== undefined
      ? await deps.jobs.describeJob(details.rollback.jobId, caller.at)
      : undefined;
  if (rollbackJob && rollbackJob.status === 'IN_PROGRESS' && rollbackJob.queued + rollbackJob.inProgress > 0)
    throw new RolloutConflictError(
      `rollout ${id}'s rollback FAILED but its job ${details.rollback?.jobId} still runs (${rollbackJob.inProgress} in progress, ${rollbackJob.queued} queued): cancel it (aws iot cancel-job) or let it finish before resuming`,
    );
  const resumer = callerIdentity(caller.principal, deps.policy.approvers, caller.account);
  if (!resumer.person && asksApprovals(plan))
    throw new ForbiddenActionError(
      `${resumer.describe} cannot resume a rollout that may wait on an approval with a document: nobody could be shown to be another person (${PERSON_HELP})`,
    );
  // Four-eyes on the document itself: the halted stage may lie past an approval given for the old
  // document, so in a plan with approvals a new document needs a person who did not write one.
  const creatorKey = rollout.creatorIdentity ?? callerIdentity(rollout.creator, { sessionNameRoles: [] }).key;
  if (asksApprovals(plan) && authorsOf(rollout, creatorKey).includes(resumer.key))
    throw new ForbiddenActionError(
      `${resumer.describe} created this rollout or resumed it with a document before: in a plan with approvals another person resumes it with a new document`,
    );
  const attempt = (rollout.attempt ?? 0) + 1;
  const name = resumeExecutionName(id, attempt, randomBytes(4).toString('hex'));
  const executionArn = executionArnFor(deps.stateMachineArn, name);
  const resume: ResumeRecord = {
    attempt,
    stageIndex: stage.index,
    stageAttempt: stage.attempt ?? 0,
    haltReason: rollout.reason ?? 'unknown',
    by: caller.principal,
    byIdentity: resumer.key,
    at: caller.at,
    comment: request.comment,
    previousDigest: rollout.digest,
    digest,
    previousDocumentHash: documentHash(documentOf(rollout.plan)),
    documentHash: documentHash(document),
    executionArn,
  };
  // The commit point: only one resume (or any other change) of this halted item wins.
  const ok = await deps.store.updateRollout(
    id,
    {
      status: 'RUNNING',
      paused: false,
      reason: 'resumed-with-document',
      plan,
      digest,
      attempt,
      executionArn,
      resumes: [...(rollout.resumes ?? []), resume],
      updatedAt: caller.at,
    },
    {
      status: 'HALTED',
      digest: rollout.digest,
      executionArn: rollout.executionArn ?? '',
      abortRequested: false,
    },
  );
  if (!ok) {
    const now = await deps.store.details(id);
    const again = now && sameResume(now.rollout, digest, caller);
    if (again) return started(deps, now.rollout, again, now.rollback, haltedOf(now, again));
    throw new RolloutConflictError(
      `rollout ${id} changed while it was being resumed (another resume or command came first): see \`fleet rollout status ${id}\``,
    );
  }
  const resumed: Rollout = { ...rollout, status: 'RUNNING', attempt, digest, plan, executionArn };
  return started(deps, resumed, resume, details.rollback, stage);
}

/** The halted attempt a resume left: still the stage item, or kept apart once the new attempt began. */
function haltedOf(details: RolloutDetails, resume: ResumeRecord): Stage | undefined {
  const same = (s: Stage) => s.index === resume.stageIndex && (s.attempt ?? 0) === resume.stageAttempt;
  return details.stages.find(same) ?? details.attempts.find(same);
}

/** The rollout's last resume, if it is this request's: the same principal, the same resulting plan, not halted since. */
function sameResume(rollout: Rollout, digest: string, caller: Caller): ResumeRecord | undefined {
  const last = rollout.resumes?.at(-1);
  if (!last || last.attempt !== rollout.attempt || rollout.status === 'HALTED') return undefined;
  return last.digest === digest && last.by === caller.principal ? last : undefined;
}

/** Starts (or finds) the resume's execution, then audits, publishes and notifies once per resume. */
async function started(
  deps: ApiDeps,
  rollout: Rollout,
  resume: ResumeRecord,
  rollback: Rollback | undefined,
  halted: Stage | undefined,
) {
  const id = rollout.rolloutId;
  // The name recorded with the resume: a retried request starts the very same execution.
  const name = executionNameOf(resume.executionArn);
  const out = await deps.tasks.start(id, { name, stageIndex: resume.stageIndex });
  if ('executionArn' in out && out.executionArn !== resume.executionArn)
    throw new Error(`StartExecution answered ${out.executionArn}, expected ${resume.executionArn}`);
  const planned = rollout.plan.stages[resume.stageIndex];
  const nextAttempt = resume.stageAttempt + 1;
  const jobId = jobIdFor(id, resume.stageIndex, nextAttempt);
  const warnings = resumeWarnings({ ...rollout, currentStage: resume.stageIndex }, rollback);
  // Written at the resume's own time and cause: a retried request writes the same record once.
  await record(deps, {
    rolloutId: id,
    action: 'rollout.resumed.with-document',
    outcome: 'applied',
    actor: resume.by,
    cause: { type: 'api-request', id: `${id}:resume:r${resume.attempt}` },
    at: resume.at,
    detailType: 'RolloutResumedWithDocument',
    details: {
      attempt: resume.attempt,
      execution: name,
      stageIndex: resume.stageIndex,
      stage: planned?.name ?? null,
      haltReason: resume.haltReason,
      comment: resume.comment,
      by: resume.by,
      byIdentity: resume.byIdentity,
      previousDigest: resume.previousDigest,
      digest: resume.digest,
      previousDocumentHash: resume.previousDocumentHash,
      documentHash: resume.documentHash,
      haltedAttempt: halted ? haltedAttempt(halted) : null,
      nextAttempt: { attempt: nextAttempt, jobId },
      rollback: rollbackSummary(rollback),
      warnings,
      note: `The new attempt of stage ${planned?.name ?? resume.stageIndex} starts from zero: a new job, zero counts, its own bake and deadline. The halted attempt's counts, job and decision are kept apart as its history, and its job's late events count towards nothing.`,
    },
    notify: {
      subject: `Rollout resumed with a new document: ${rollout.name}`,
      message:
        `Rollout ${id} was resumed by ${resume.by} with a new document (digest ${resume.digest.slice(0, 12)}, was ${resume.previousDigest.slice(0, 12)}) from stage ${planned?.name ?? resume.stageIndex}, after it halted (${resume.haltReason}). ${warnings.join(' ')}`.trim(),
    },
  });
  return {
    rolloutId: id,
    command: 'resume',
    accepted: true,
    // A retried request may find the rollout moved on since (paused, halted again, completed).
    status: rollout.status,
    attempt: resume.attempt,
    execution: name,
    stageIndex: resume.stageIndex,
    stage: planned?.name,
    stageAttempt: nextAttempt,
    jobId,
    previousDigest: resume.previousDigest,
    digest: resume.digest,
    previousDocumentHash: resume.previousDocumentHash,
    documentHash: resume.documentHash,
    warnings,
  };
}
