import { documentUrlIssues } from '../domain/rollout/document-urls';
import {
  ForbiddenActionError,
  InvalidPlanError,
  PackageVersionReportingError,
  RolloutConflictError,
  RolloutNotFoundError,
  TASK_FAILURES,
} from '../domain/rollout/errors';
import { executionArnFor } from '../domain/rollout/execution';
import { callerIdentity, fourEyesProblem, PERSON_HELP } from '../domain/rollout/identity';
import { rolloutIdFor, stageRef } from '../domain/rollout/ids';
import { APPROVAL_KINDS, FINAL_STATUSES, type Rollout } from '../domain/rollout/model';
import { planDigest, type ResolvedPlan, resolvePlan } from '../domain/rollout/plan';
import type { RolloutPolicy } from '../domain/rollout/policy';
import { documentOf, resumerProblem, withDocument } from '../domain/rollout/resume';
import { rolloutStatusView } from '../domain/rollout/status-view';
import { mustGetRollout, record } from './rollout-effects';
import type { RolloutDeps } from './rollout-ports';
import { assertTargetsExist, preflightPlan } from './rollout-preflight';

/** The SigV4 principal; `account` is the API's own account (`requestContext.accountId`). */
export type Caller = { principal: string; account?: string; requestId: string; at: number };

/** What the API needs beyond the rollout adapters: config/rollout-policy.yml and the state machine. */
export type ApiDeps = RolloutDeps & { policy: RolloutPolicy; stateMachineArn: string };

/** Can the plan ever wait on an approval (a required one, or an inconclusive gate that asks)? */
const asksApprovals = (plan: ResolvedPlan) =>
  plan.stages.some(
    (s, i) => (s.approval.required && i < plan.stages.length - 1) || s.gate.onInconclusive === 'ask',
  );

/**
 * A stage that checks package versions needs AWS IoT Jobs to write the `$package` shadow after each
 * success (GetPackageConfiguration): with VersionUpdateByJobsConfig off nothing would, and every success
 * would be judged unhealthy hours later. One call, only for such plans.
 */
async function assertPackageVersionsReported(deps: ApiDeps, plan: ResolvedPlan): Promise<void> {
  const stages = plan.stages.filter((s) => s.health?.packageVersion).map((s) => s.name);
  if (stages.length === 0 || (await deps.packages.versionUpdateByJobs())) return;
  throw new PackageVersionReportingError(
    `stage(s) ${stages.join(', ')} check package versions (health.packageVersion), but the account's Software Package Catalog configuration has versionUpdateByJobsConfig off: AWS IoT Jobs would not write a device's $package shadow after its success. Turn it on (aws iot update-package-configuration --version-update-by-jobs-config enabled=true,roleArn=<role>) or set health.packageVersion: false`,
  );
}

/**
 * POST /rollouts: validate (the plan, its document URLs), store with the creator's identity and the
 * execution's ARN, start the execution named after the rollout. Idempotent per plan.
 */
export async function createRollout(deps: ApiDeps, body: unknown, caller: Caller) {
  const plan = resolvePlan(body, { at: caller.at });
  const urlIssues = documentUrlIssues(plan, deps.policy.documents);
  if (urlIssues.length > 0) throw new InvalidPlanError(urlIssues);
  const creator = callerIdentity(caller.principal, deps.policy.approvers, caller.account);
  if (!creator.person && asksApprovals(plan)) {
    throw new ForbiddenActionError(
      `${creator.describe} cannot start a rollout that may wait on an approval: nobody could be shown to be another person (${PERSON_HELP}), or give the plan no approvals and onInconclusive halt or promote`,
    );
  }
  // A missing group would otherwise fail the rollout only when its stage starts, hours later.
  assertTargetsExist(await preflightPlan(deps.jobs, plan, { countThings: false }, deps.fleetIndex));
  await assertPackageVersionsReported(deps, plan);
  const digest = planDigest(plan);
  const rolloutId = rolloutIdFor(plan.name, digest);
  const executionArn = executionArnFor(deps.stateMachineArn, rolloutId);
  const fresh: Rollout = {
    rolloutId,
    name: plan.name,
    digest,
    plan,
    creator: caller.principal,
    creatorIdentity: creator.key,
    createdAt: caller.at,
    status: 'RUNNING',
    currentStage: 0,
    paused: false,
    abortRequested: false,
    executionArn,
    updatedAt: caller.at,
  };
  const { created, rollout } = await deps.store.createRollout(fresh);
  if (!created && !samePlan(rollout, plan)) {
    // The id carries 8 hex of the digest: another plan can be made to collide on purpose, and
    // answering it as a repeat would make the caller believe they created the stored one.
    throw new RolloutConflictError(
      `rollout ${rolloutId} was created from another plan (digest ${rollout.digest}): give this plan another name`,
    );
  }
  const started = await deps.tasks.start(rolloutId);
  if ('alreadyExists' in started && created) {
    throw new RolloutConflictError(`an execution named ${rolloutId} already exists`);
  }
  if ('executionArn' in started && started.executionArn !== executionArn) {
    throw new Error(`StartExecution answered ${started.executionArn}, expected ${executionArn}`);
  }
  if (created || !('alreadyExists' in started)) {
    await record(deps, {
      rolloutId,
      action: 'rollout.created',
      outcome: 'applied',
      actor: rollout.creator,
      cause: { type: 'api-request', id: rolloutId },
      at: rollout.createdAt,
      detailType: 'RolloutCreated',
      details: { name: plan.name, digest, creator: rollout.creator, stages: plan.stages.map((s) => s.name) },
    });
  }
  return { created, rolloutId, digest: rollout.digest, status: rollout.status };
}

/** The plan the stored rollout was created from (a resume since may have swapped its document). */
function samePlan(stored: Rollout, plan: ResolvedPlan): boolean {
  return planDigest(withDocument(plan, documentOf(stored.plan))) === stored.digest;
}

export async function listRollouts(deps: RolloutDeps, limit = 50) {
  const rollouts = await deps.store.listRollouts(limit);
  return rollouts.map((r) => ({
    rolloutId: r.rolloutId,
    name: r.name,
    status: r.status,
    currentStage: r.currentStage,
    stages: r.plan.stages.length,
    creator: r.creator,
    createdAt: new Date(r.createdAt).toISOString(),
  }));
}

export async function getRollout(deps: RolloutDeps, id: string, at: number) {
  const details = await deps.store.details(id);
  if (!details) throw new RolloutNotFoundError(`rollout ${id} not found`);
  return rolloutStatusView(details.rollout, details.stages, details.approvals, at, details.rollback, {
    attempts: details.attempts,
    earlierRollbacks: details.earlierRollbacks,
  });
}

/**
 * Approve or reject the pending approval: a person other than the creator (identity.ts), once. The
 * record is decided before the token is used, so the promote step finds it APPROVED.
 */
export async function decideApproval(
  deps: ApiDeps,
  id: string,
  verdict: 'approve' | 'reject',
  comment: string,
  caller: Caller,
) {
  const details = await deps.store.details(id);
  if (!details) throw new RolloutNotFoundError(`rollout ${id} not found`);
  const { rollout } = details;
  const approver = callerIdentity(caller.principal, deps.policy.approvers, caller.account);
  const creatorKey =
    rollout.creatorIdentity ?? callerIdentity(rollout.creator, deps.policy.approvers, caller.account).key;
  const problem = fourEyesProblem(creatorKey, approver) ?? resumerProblem(rollout, approver);
  if (problem) throw new ForbiddenActionError(problem);
  if (FINAL_STATUSES.includes(rollout.status))
    throw new RolloutConflictError(`rollout ${id} is ${rollout.status}`);
  const status = verdict === 'approve' ? 'APPROVED' : 'REJECTED';
  // Only the approvals of each stage's current attempt: a resumed stage's earlier ones are history.
  const attemptOf = (i: number) => details.stages.find((s) => s.index === i)?.attempt ?? 0;
  const live = details.approvals.filter((a) => (a.attempt ?? 0) === attemptOf(a.stageIndex));
  // A retry of a decision whose delivery failed (AWS busy): the same person, the same verdict, and
  // the token still parked (a delivered decision's token is gone).
  const retried = live.find(
    (a) =>
      a.status === status && a.decidedByIdentity === approver.key && a.stageIndex === rollout.currentStage,
  );
  const pending = live.find((a) => a.status === 'PENDING') ?? retried;
  if (!pending)
    throw new RolloutConflictError(`rollout ${id} has no pending approval (already decided or none asked)`);
  const attempt = pending.attempt ?? 0;
  if (pending.status === 'PENDING') {
    const decided = await deps.store.decideApproval(
      id,
      pending.stageIndex,
      pending.kind,
      { status, by: caller.principal, byIdentity: approver.key, comment, at: caller.at },
      attempt,
    );
    if (!decided) throw new RolloutConflictError('this approval was already decided');
  }
  const slot = { kind: 'approval', stageIndex: pending.stageIndex, approval: pending.kind } as const;
  const token = await deps.store.claimToken(id, slot);
  if (!token && pending !== undefined && pending.status !== 'PENDING')
    throw new RolloutConflictError('this approval was already decided');
  let sent: 'sent' | 'gone';
  try {
    sent = !token
      ? 'gone'
      : verdict === 'approve'
        ? await deps.tasks.succeed(token, { decision: 'approved', by: caller.principal, comment })
        : await deps.tasks.fail(token, TASK_FAILURES.REJECTED, comment || 'rejected');
  } catch (error) {
    // Park the token again, so that the caller's retry (503) delivers the decision already recorded.
    if (token) await deps.store.storeToken(id, slot, token);
    throw error;
  }
  await record(deps, {
    rolloutId: id,
    action: 'rollout.approval.decided',
    outcome: sent === 'sent' ? 'decided' : 'failed',
    actor: caller.principal,
    cause: { type: 'api-request', id: `${id}:${stageRef(pending.stageIndex, attempt)}:${pending.kind}` },
    at: caller.at,
    detailType: 'RolloutApprovalDecided',
    details: {
      stageIndex: pending.stageIndex,
      kind: pending.kind,
      decision: status,
      comment,
      approver: approver.key,
      delivered: sent === 'sent',
    },
  });
  if (sent !== 'sent') throw new RolloutConflictError('the approval expired before the decision arrived');
  return { rolloutId: id, stageIndex: pending.stageIndex, kind: pending.kind, decision: status };
}

/**
 * Pause, resume, abort: flags on the rollout; a waiting execution is told through its stored token.
 * An abort with `rollback` also rolls back (after the Abort step), which the plan must name.
 */
export async function controlRollout(
  deps: RolloutDeps,
  id: string,
  command: 'pause' | 'resume' | 'abort',
  comment: string,
  caller: Caller,
  options: { rollback?: boolean } = {},
) {
  const rollout = await mustGetRollout(deps.store, id);
  const rollback = command === 'abort' && options.rollback === true;
  if (rollback && !rollout.plan.rollback)
    throw new RolloutConflictError(
      `rollout ${id}'s plan names no rollback (its \`rollback\` field), so an abort cannot roll back: abort without rollback, or give the next plan one`,
    );
  if (FINAL_STATUSES.includes(rollout.status))
    throw new RolloutConflictError(
      rollout.status === 'HALTED' && command === 'resume'
        ? `rollout ${id} is HALTED: a halted rollout goes on only with a fixed document (a body with "document" or "documentSource"; fleet rollout resume ${id} --document <file>), or start a plan with a new name`
        : `rollout ${id} is ${rollout.status}, which is final: to roll the update out again, start a plan with a new name`,
    );
  const ok =
    command === 'pause'
      ? await deps.store.updateRollout(
          id,
          { status: 'PAUSED', paused: true, updatedAt: caller.at },
          { status: 'RUNNING', abortRequested: false },
        )
      : command === 'resume'
        ? await deps.store.updateRollout(
            id,
            { status: 'RUNNING', paused: false, updatedAt: caller.at },
            { status: 'PAUSED', abortRequested: false },
          )
        : await deps.store.updateRollout(
            id,
            { abortRequested: true, ...(rollback ? { rollbackRequested: true } : {}), updatedAt: caller.at },
            { abortRequested: false },
          );
  if (!ok)
    throw new RolloutConflictError(
      `cannot ${command} rollout ${id} while it is ${rollout.status}${rollout.abortRequested ? ' (aborting)' : ''}`,
    );
  const i = rollout.currentStage;
  const why = `${command} by ${caller.principal}${comment ? `: ${comment}` : ''}`;
  if (command === 'pause') {
    const token = await deps.store.claimToken(id, { kind: 'gate', stageIndex: i });
    if (token) await deps.tasks.fail(token, TASK_FAILURES.PAUSED, why);
  } else if (command === 'resume') {
    const token = await deps.store.claimToken(id, { kind: 'resume' });
    if (token) await deps.tasks.succeed(token, {});
  } else {
    const slots = [
      { kind: 'gate', stageIndex: i } as const,
      { kind: 'resume' } as const,
      ...APPROVAL_KINDS.map((approval) => ({ kind: 'approval', stageIndex: i, approval }) as const),
    ];
    for (const slot of slots) {
      const token = await deps.store.claimToken(id, slot);
      if (token) await deps.tasks.fail(token, TASK_FAILURES.ABORTED, why);
    }
  }
  await record(deps, {
    rolloutId: id,
    action: `rollout.${command}.requested`,
    outcome: 'applied',
    actor: caller.principal,
    cause: { type: 'api-request', id: caller.requestId },
    at: caller.at,
    detailType:
      command === 'pause'
        ? 'RolloutPaused'
        : command === 'resume'
          ? 'RolloutResumed'
          : 'RolloutAbortRequested',
    details: { stageIndex: i, comment, ...(command === 'abort' ? { rollback } : {}) },
  });
  return { rolloutId: id, command, accepted: true, ...(command === 'abort' ? { rollback } : {}) };
}
