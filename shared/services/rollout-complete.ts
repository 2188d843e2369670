import { isContinuousFinal } from '../domain/rollout/continuous';
import { RolloutConflictError } from '../domain/rollout/errors';
import { FINAL_STATUSES } from '../domain/rollout/model';
import type { Caller } from './rollout-api';
import { mustGetRollout, record } from './rollout-effects';
import type { RolloutDeps } from './rollout-ports';

/**
 * POST /rollouts/{id}/complete: ends a rollout whose last, continuous stage passed its gate and is
 * being watched. The flag is set once (conditional update); the watching execution is woken through
 * its stored token, or finds the flag when it next parks. It then cancels the job without force.
 */
export async function completeRolloutRequest(deps: RolloutDeps, id: string, comment: string, caller: Caller) {
  const rollout = await mustGetRollout(deps.store, id);
  if (FINAL_STATUSES.includes(rollout.status))
    throw new RolloutConflictError(`rollout ${id} is ${rollout.status}`);
  const i = rollout.currentStage;
  const planned = rollout.plan.stages[i];
  if (!isContinuousFinal(rollout, i))
    throw new RolloutConflictError(
      `rollout ${id} is in stage ${planned?.name ?? i}, not its last, CONTINUOUS stage: only that stage is completed (abort stops a rollout anywhere)`,
    );
  const stage = await deps.store.getStage(id, i);
  if (stage?.watchingSince === undefined)
    throw new RolloutConflictError(
      `stage ${planned?.name} has not passed its gate yet; wait for it, or abort the rollout`,
    );
  const ok = await deps.store.updateRollout(
    id,
    { completeRequested: true, completeRequestedBy: caller.principal, updatedAt: caller.at },
    { status: 'RUNNING', abortRequested: false, completeRequested: false },
  );
  if (!ok)
    throw new RolloutConflictError(
      `cannot complete rollout ${id} while it is ${rollout.status}${rollout.paused ? ' (paused: resume it first)' : ''}${rollout.completeRequested ? ' (completion already requested)' : ''}`,
    );
  const token = await deps.store.claimToken(id, { kind: 'gate', stageIndex: i });
  if (token) await deps.tasks.succeed(token, { wake: 'complete' });
  await record(deps, {
    rolloutId: id,
    action: 'rollout.complete.requested',
    outcome: 'applied',
    actor: caller.principal,
    cause: { type: 'api-request', id: caller.requestId },
    at: caller.at,
    detailType: 'RolloutCompleteRequested',
    details: { stageIndex: i, comment, woke: Boolean(token) },
  });
  return { rolloutId: id, command: 'complete', accepted: true };
}
