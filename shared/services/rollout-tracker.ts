import type { ExecutionCounters } from '../adapters/rollout-transact';
import { parseJobId } from '../domain/rollout/ids';
import type { ExecutionTerminal } from '../domain/rollout/job-event';
import { stepDecision } from '../domain/rollout/model';
import { evaluateStage, noteOutcome, type RolloutDeps } from './rollout-effects';

export type TrackerDeps = Pick<RolloutDeps, 'store' | 'tasks' | 'audit' | 'publish' | 'notify' | 'actor'> & {
  counters: ExecutionCounters;
};

export type TrackResult = 'not-ours' | 'unknown-stage' | 'applied' | 'stale' | 'woke';

/**
 * One terminal job execution event: update the thing's status and the stage counters idempotently,
 * re-evaluate the gate at the event's time, and wake the waiting execution only when the gate is
 * conclusive. A duplicate still re-evaluates (a crash may have happened before the wake-up); the
 * conditional token claim makes sure only one sender ever wakes it.
 */
export async function trackExecution(event: ExecutionTerminal, deps: TrackerDeps): Promise<TrackResult> {
  const owner = parseJobId(event.jobId);
  if (!owner) return 'not-ours';
  const applied = await deps.counters(owner.rolloutId, owner.stageIndex, event);
  if (applied === 'unknown-stage') return applied;
  const [rollout, stage] = await Promise.all([
    deps.store.getRollout(owner.rolloutId),
    deps.store.getStage(owner.rolloutId, owner.stageIndex),
  ]);
  if (!rollout || !stage || stage.status !== 'RUNNING' || stage.jobId !== event.jobId) return applied;
  const decision = evaluateStage(rollout, stage, event.at);
  await noteOutcome(deps, stage, decision, event.at, { type: 'eventbridge-event', id: event.eventId });
  if (decision.outcome === 'CONTINUE' || rollout.paused || rollout.abortRequested) return applied;
  const token = await deps.store.claimToken(owner.rolloutId, { kind: 'gate', stageIndex: owner.stageIndex });
  if (!token) return applied;
  await deps.tasks.succeed(token, stepDecision(decision, event.at));
  return 'woke';
}
