import {
  ForbiddenActionError,
  RolloutConflictError,
  RolloutNotFoundError,
  TASK_FAILURES,
} from '../domain/rollout/errors';
import { rolloutIdFor } from '../domain/rollout/ids';
import { APPROVAL_KINDS, FINAL_STATUSES, type Rollout } from '../domain/rollout/model';
import { planDigest, resolvePlan } from '../domain/rollout/plan';
import { rolloutStatusView } from '../domain/rollout/status-view';
import { mustGetRollout, type RolloutDeps, record } from './rollout-effects';
import { assertTargetsExist, preflightPlan } from './rollout-preflight';

export type Caller = { principal: string; requestId: string; at: number };

/** POST /rollouts: validate, store, start the execution named after the rollout. Idempotent per plan. */
export async function createRollout(deps: RolloutDeps, body: unknown, caller: Caller) {
  const plan = resolvePlan(body, { at: caller.at });
  // A missing group would otherwise fail the rollout only when its stage starts, hours later.
  assertTargetsExist(await preflightPlan(deps.jobs, plan, { countThings: false }, deps.fleetIndex));
  const digest = planDigest(plan);
  const rolloutId = rolloutIdFor(plan.name, digest);
  const fresh: Rollout = {
    rolloutId,
    name: plan.name,
    digest,
    plan,
    creator: caller.principal,
    createdAt: caller.at,
    status: 'RUNNING',
    currentStage: 0,
    paused: false,
    abortRequested: false,
    updatedAt: caller.at,
  };
  const { created, rollout } = await deps.store.createRollout(fresh);
  const started = await deps.tasks.start(rolloutId);
  if ('alreadyExists' in started && created) {
    throw new RolloutConflictError(`an execution named ${rolloutId} already exists`);
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
  return { created, rolloutId, digest, status: rollout.status };
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
  return rolloutStatusView(details.rollout, details.stages, details.approvals, at);
}

/** Approve or reject the pending approval: another principal than the creator, once. */
export async function decideApproval(
  deps: RolloutDeps,
  id: string,
  verdict: 'approve' | 'reject',
  comment: string,
  caller: Caller,
) {
  const details = await deps.store.details(id);
  if (!details) throw new RolloutNotFoundError(`rollout ${id} not found`);
  if (details.rollout.creator === caller.principal) {
    throw new ForbiddenActionError('the principal who started a rollout cannot decide its approvals');
  }
  const pending = details.approvals.find((a) => a.status === 'PENDING');
  if (!pending)
    throw new RolloutConflictError(`rollout ${id} has no pending approval (already decided or none asked)`);
  const status = verdict === 'approve' ? 'APPROVED' : 'REJECTED';
  const { decided, token } = await deps.store.decideApproval(id, pending.stageIndex, pending.kind, {
    status,
    by: caller.principal,
    comment,
    at: caller.at,
  });
  if (!decided) throw new RolloutConflictError('this approval was already decided');
  const sent = !token
    ? 'gone'
    : verdict === 'approve'
      ? await deps.tasks.succeed(token, { decision: 'approved', by: caller.principal, comment })
      : await deps.tasks.fail(token, TASK_FAILURES.REJECTED, comment || 'rejected');
  await record(deps, {
    rolloutId: id,
    action: 'rollout.approval.decided',
    outcome: sent === 'sent' ? 'decided' : 'failed',
    actor: caller.principal,
    cause: { type: 'api-request', id: `${id}:s${pending.stageIndex}:${pending.kind}` },
    at: caller.at,
    detailType: 'RolloutApprovalDecided',
    details: {
      stageIndex: pending.stageIndex,
      kind: pending.kind,
      decision: status,
      comment,
      delivered: sent === 'sent',
    },
  });
  if (sent !== 'sent') throw new RolloutConflictError('the approval expired before the decision arrived');
  return { rolloutId: id, stageIndex: pending.stageIndex, kind: pending.kind, decision: status };
}

const STATUS = { '#st': 'status' };

/** Pause, resume, abort: flags on the rollout; a waiting execution is told through its stored token. */
export async function controlRollout(
  deps: RolloutDeps,
  id: string,
  command: 'pause' | 'resume' | 'abort',
  comment: string,
  caller: Caller,
) {
  const rollout = await mustGetRollout(deps.store, id);
  if (FINAL_STATUSES.includes(rollout.status))
    throw new RolloutConflictError(`rollout ${id} is ${rollout.status}`);
  const ok =
    command === 'pause'
      ? await deps.store.updateRollout(
          id,
          { status: 'PAUSED', paused: true, updatedAt: caller.at },
          '#st = :r AND abortRequested = :no',
          { ':r': 'RUNNING', ':no': false },
          STATUS,
        )
      : command === 'resume'
        ? await deps.store.updateRollout(
            id,
            { status: 'RUNNING', paused: false, updatedAt: caller.at },
            '#st = :p AND abortRequested = :no',
            { ':p': 'PAUSED', ':no': false },
            STATUS,
          )
        : await deps.store.updateRollout(
            id,
            { abortRequested: true, updatedAt: caller.at },
            'abortRequested = :no',
            { ':no': false },
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
    details: { stageIndex: i, comment },
  });
  return { rolloutId: id, command, accepted: true };
}
