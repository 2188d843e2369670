import type { GateDecision } from '../gate';
import { continuousEndsAt, isContinuousFinal } from './continuous';
import { jobIdFor } from './ids';
import type { Approval, Rollout, Stage, StageAttempt } from './model';
import { approvalsOf } from './promotion';
import { queryGroupName } from './query-target';
import { executionNameOf } from './resume';
import { type Rollback, rollbackCounts } from './rollback';
import { estimateStageGate } from './stage-gate';

/** What a resume left behind: the stages' earlier attempts and the earlier attempts' rollbacks. */
export type StatusHistory = { attempts?: readonly StageAttempt[]; earlierRollbacks?: readonly Rollback[] };

/**
 * What GET /rollouts/{id} shows: no task token, ever (the items never reach here with one).
 * `now`: the request's time. A running stage shows the gate evaluated now, on the last read of its job
 * and the events since (`latest`), beside the last decision the rollout acted on or audited.
 */
export function rolloutStatusView(
  rollout: Rollout,
  stages: Stage[],
  approvals: Approval[],
  now: number,
  rollback?: Rollback,
  history: StatusHistory = {},
) {
  // The rollback item is the newest attempt's; one of an earlier attempt is history until this one's begins.
  const current = rollback && (rollback.attempt ?? 0) === (rollout.attempt ?? 0) ? rollback : undefined;
  const earlier = [...(history.earlierRollbacks ?? []), ...(rollback && !current ? [rollback] : [])];
  const rolledBack = rollbackView(rollout, current);
  return {
    rolloutId: rollout.rolloutId,
    name: rollout.name,
    status: rollout.status,
    paused: rollout.paused,
    abortRequested: rollout.abortRequested,
    reason: rollout.reason,
    digest: rollout.digest,
    creator: rollout.creator,
    createdAt: new Date(rollout.createdAt).toISOString(),
    currentStage: rollout.currentStage,
    /** Resumes with a document so far; 0 for a rollout never resumed that way. */
    attempt: rollout.attempt ?? 0,
    resumes: (rollout.resumes ?? []).map((r) => ({
      attempt: r.attempt,
      execution: executionNameOf(r.executionArn),
      stageIndex: r.stageIndex,
      stage: rollout.plan.stages[r.stageIndex]?.name,
      haltReason: r.haltReason,
      by: r.by,
      at: new Date(r.at).toISOString(),
      comment: r.comment,
      previousDigest: r.previousDigest,
      digest: r.digest,
      previousDocumentHash: r.previousDocumentHash,
      documentHash: r.documentHash,
    })),
    ...(rolledBack
      ? {
          rollback: {
            ...rolledBack,
            ...(earlier.length > 0 ? { earlier: earlier.map(earlierRollbackView) } : {}),
          },
        }
      : {}),
    stages: rollout.plan.stages.map((planned) => {
      const stage = stages.find((s) => s.index === planned.index);
      const latest = stage ? latestEvaluation(rollout, stage, now) : undefined;
      const evidence = latest?.evidence ?? stage?.lastDecision?.evidence;
      const decided = stage?.lastDecision;
      const jobId = stage?.jobId ?? jobIdFor(rollout.rolloutId, planned.index);
      const earlierAttempts = (history.attempts ?? [])
        .filter((a) => a.index === planned.index)
        .sort((a, b) => (a.attempt ?? 0) - (b.attempt ?? 0));
      return {
        index: planned.index,
        name: planned.name,
        targets: planned.targets,
        ...(planned.query === undefined ? {} : { query: planned.query, queryGroup: queryGroupName(jobId) }),
        ...(isContinuousFinal(rollout, planned.index)
          ? {
              continuous: {
                watchingSince:
                  stage?.watchingSince === undefined
                    ? undefined
                    : new Date(stage.watchingSince).toISOString(),
                endsAt: new Date(continuousEndsAt(rollout, planned.index)).toISOString(),
                completeRequestedBy: rollout.completeRequested ? rollout.completeRequestedBy : undefined,
              },
            }
          : {}),
        status: stage?.status ?? 'NOT_STARTED',
        /** Which attempt of the stage this is (0: the first; each resume of it with a document adds one). */
        attempt: stage?.attempt ?? 0,
        jobId: stage?.jobId,
        startedAt: stage ? new Date(stage.startedAt).toISOString() : undefined,
        counts: evidence
          ? {
              targets: evidence.targets,
              started: evidence.started,
              succeeded: evidence.succeeded,
              failed: evidence.failed,
              excluded: evidence.excluded,
              finished: evidence.finished,
              pending: evidence.pending,
              queued: evidence.queued,
            }
          : undefined,
        failureRate: evidence?.observedFailureRate ?? null,
        jobReadAt: stage?.job ? new Date(stage.job.at).toISOString() : undefined,
        gate: {
          failureThreshold: planned.gate.failureThreshold,
          confidence: planned.gate.confidence,
          /** The gate now for a running stage (evaluated at `evaluatedAt`), else the last decision. */
          decision: latest?.outcome ?? decided?.outcome,
          reason: latest?.reason ?? decided?.reason,
          rule: latest ? latest.rule : (decided?.rule ?? null),
          explanation: latest?.explanation ?? decided?.explanation,
          lowerBound: evidence?.lowerBound ?? null,
          upperBound: evidence?.upperBound ?? null,
          haltLevel: evidence?.haltLevel ?? null,
          evaluatedAt: latest ? new Date(now).toISOString() : undefined,
          /** The last decision the rollout took or audited (on the job), with its evidence. */
          lastDecision: decided
            ? {
                outcome: decided.outcome,
                reason: decided.reason,
                rule: decided.rule ?? null,
                ruleConfidence: decided.ruleConfidence ?? null,
                explanation: decided.explanation,
                at: new Date(decided.at).toISOString(),
                evidence: decided.evidence,
              }
            : undefined,
        },
        ...(planned.health ? { health: healthView(planned.health, stage) } : {}),
        approvals: approvalsOf({ index: planned.index, attempt: stage?.attempt }, approvals).map(
          approvalView,
        ),
        /** The stage's earlier attempts (each halted, then resumed with a fixed document), kept as they were. */
        attempts: earlierAttempts.map((a) => attemptView(a, approvalsOf(a, approvals))),
      };
    }),
  };
}

function approvalView(a: Approval) {
  return {
    kind: a.kind,
    status: a.status,
    reason: a.reason,
    requestedAt: new Date(a.requestedAt).toISOString(),
    expiresAt: new Date(a.expiresAt).toISOString(),
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt === undefined ? undefined : new Date(a.decidedAt).toISOString(),
    comment: a.comment,
  };
}

/** An earlier attempt of a stage: its job, what it counted and the decision it ended on. */
function attemptView(a: StageAttempt, approvals: Approval[]) {
  const decided = a.lastDecision;
  const evidence = decided?.evidence;
  const job = a.job;
  return {
    attempt: a.attempt ?? 0,
    jobId: a.jobId,
    status: a.status,
    startedAt: new Date(a.startedAt).toISOString(),
    keptAt: new Date(a.archivedAt).toISOString(),
    counts: evidence
      ? {
          targets: evidence.targets,
          started: evidence.started,
          succeeded: evidence.succeeded,
          failed: evidence.failed,
          excluded: evidence.excluded,
          finished: evidence.finished,
        }
      : undefined,
    failureRate: evidence?.observedFailureRate ?? null,
    job: job
      ? {
          readAt: new Date(job.at).toISOString(),
          status: job.status,
          succeeded: job.succeeded,
          failed: job.failed,
          rejected: job.rejected,
          timedOut: job.timedOut,
          inProgress: job.inProgress,
          queued: job.queued,
        }
      : undefined,
    events: {
      succeeded: a.succeeded,
      failed: a.failed,
      rejected: a.rejected ?? 0,
      timedOut: a.timedOut ?? 0,
    },
    decision: decided
      ? {
          outcome: decided.outcome,
          reason: decided.reason,
          explanation: decided.explanation,
          at: new Date(decided.at).toISOString(),
        }
      : undefined,
    unhealthy: a.health?.unhealthy ?? 0,
    approvals: approvals.map(approvalView),
  };
}

/** A rollback of an earlier attempt, in short. */
function earlierRollbackView(r: Rollback) {
  return {
    attempt: r.attempt ?? 0,
    state: r.state,
    trigger: r.trigger,
    stageIndexes: r.stageIndexes,
    groupName: r.groupName,
    jobId: r.jobCreatedAt === undefined ? undefined : r.jobId,
    devices: r.added,
    counts: rollbackCounts(r.job),
    completedAt: iso(r.completedAt),
    error: r.error,
  };
}

const iso = (at: number | undefined) => (at === undefined ? undefined : new Date(at).toISOString());

/**
 * The plan's rollback: NOT_STARTED until the rollout halts (or aborts asking for it); then its group,
 * job, devices and the job's counts as last read. ATTENTION: running, and failing on many devices.
 */
function rollbackView(rollout: Rollout, rollback: Rollback | undefined) {
  const planned = rollout.plan.rollback;
  if (!planned) return undefined;
  const plan = { scope: planned.scope, onAbort: planned.onAbort, failureThreshold: planned.failureThreshold };
  if (!rollback)
    return { state: 'NOT_STARTED', ...plan, requestedOnAbort: rollout.rollbackRequested === true };
  return {
    state: rollback.state === 'RUNNING' && rollback.attentionAt !== undefined ? 'ATTENTION' : rollback.state,
    ...plan,
    trigger: rollback.trigger,
    stageIndexes: rollback.stageIndexes,
    groupName: rollback.groupName,
    jobId: rollback.jobCreatedAt === undefined ? undefined : rollback.jobId,
    devices: rollback.added,
    excluded: rollback.excluded,
    notAdded: rollback.notAdded,
    notAddedSample: rollback.notAddedSample,
    counts: rollbackCounts(rollback.job),
    jobStatus: rollback.job?.status,
    jobReadAt: iso(rollback.job?.at),
    startedAt: iso(rollback.startedAt),
    attentionAt: iso(rollback.attentionAt),
    completedAt: iso(rollback.completedAt),
    error: rollback.error,
  };
}

/** A running stage's gate now; other stages keep their last decision. */
function latestEvaluation(rollout: Rollout, stage: Stage, now: number): GateDecision | undefined {
  if (stage.status !== 'RUNNING') return undefined;
  return estimateStageGate(rollout, stage, Math.max(now, stage.startedAt));
}

/** The stage's health signals and what Reconcile last found (devices that succeeded but are not well). */
function healthView(
  health: NonNullable<Rollout['plan']['stages'][number]['health']>,
  stage: Stage | undefined,
) {
  const found = stage?.health;
  return {
    signals: {
      reconnectMinutes: health.reconnectMinutes ?? null,
      selfCheck: health.selfCheck ? Object.keys(health.selfCheck) : null,
      alarms: health.alarms ?? null,
      packageVersion: health.packageVersion === true,
    },
    unhealthy: found?.unhealthy ?? 0,
    unjudged: found?.unjudged ?? 0,
    // Suspects some event made; every success of a package version stage is judged, so not counted here.
    suspects: (stage?.suspects?.selfCheck ?? 0) + (stage?.suspects?.reconnect ?? 0),
    checkedAt: found ? new Date(found.checkedAt).toISOString() : undefined,
    examples: found?.examples ?? [],
  };
}
