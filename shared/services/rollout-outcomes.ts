import { TASK_FAILURES } from '../domain/rollout/errors';
import { stageRef } from '../domain/rollout/ids';
import type { Rollout, Stage } from '../domain/rollout/model';
import { mustGetRollout, record } from './rollout-effects';
import type { RolloutDeps } from './rollout-ports';

const cause = (id: string, what: string) => ({ type: 'execution' as const, id: `${id}:${what}` });

type ErrorInfo = { Error?: string; Cause?: string };
const errorOf = (state: Record<string, unknown>) => (state.error ?? {}) as ErrorInfo;

/** A Lambda task's Cause is JSON with `errorMessage`: its first line names what failed (e.g. the group). */
export function causeMessage(cause: string | undefined, max = 200): string {
  if (!cause) return '';
  let text = cause;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') text = parsed.errorMessage;
  } catch {
    // Not JSON: the cause is the message.
  }
  return (text.split('\n')[0] ?? '').slice(0, max);
}

/** Why the state machine halts: the gate, the plan's inconclusive action, a rejection or an expiry. */
export function haltReason(state: Record<string, unknown>): string {
  const error = errorOf(state).Error;
  if (error === TASK_FAILURES.REJECTED) return 'approval-rejected';
  if (error === 'PromotionRefusedError') return 'promotion-refused';
  if (error === 'FleetAlarmHaltError') return 'fleet-alarm';
  if (error === 'States.Timeout') return 'approval-expired';
  const gate = (state.gate ?? {}) as { outcome?: string; reason?: string };
  if (gate.reason === 'JOB_STOPPED_OUTSIDE') return 'job-stopped-outside';
  if (gate.reason === 'FLEET_ALARM') return 'fleet-alarm';
  return gate.outcome === 'HALT' ? 'gate-halt' : 'inconclusive-halt';
}

async function cancelStageJob(
  deps: RolloutDeps,
  rollout: Rollout,
  i: number,
  why: string,
  now: number,
  read?: Stage,
) {
  const stage = read ?? (await deps.store.getStage(rollout.rolloutId, i));
  if (!stage) return undefined;
  const force = rollout.plan.stages[i]?.cancel.force ?? false;
  const result = await deps.jobs.cancelJob(stage.jobId, force, `fleet-autopilot: ${why}`);
  if (result === 'cancelled') {
    await record(deps, {
      rolloutId: rollout.rolloutId,
      action: 'rollout.job.cancelled',
      outcome: 'applied',
      actor: deps.actor,
      cause: cause(rollout.rolloutId, `${stageRef(i, stage.attempt)}:cancel`),
      at: now,
      detailType: 'RolloutJobCancelled',
      details: { stageIndex: i, jobId: stage.jobId, force, why },
    });
  }
  return { stage, result, force };
}

export async function haltStage(
  deps: RolloutDeps,
  id: string,
  i: number,
  state: Record<string, unknown>,
  now: number,
  executionId?: string,
): Promise<{ fenced?: true }> {
  const rollout = await mustGetRollout(deps.store, id);
  const reason = haltReason(state);
  const read = await deps.store.getStage(id, i);
  // Only the execution the rollout records may halt it: a retried Halt must not undo a resume that an
  // operator recorded after its first try (the new attempt's job would run unwatched).
  const ours = await deps.store.updateRollout(
    id,
    { status: 'HALTED', reason, updatedAt: now },
    executionId === undefined ? undefined : { writtenBy: executionId },
  );
  if (!ours) return { fenced: true };
  const cancelled = read ? await cancelStageJob(deps, rollout, i, reason, now, read) : undefined;
  await deps.store.setStageStatus(id, i, 'HALTED', read?.jobId);
  await deps.store.discardTokens(id, i);
  const decision = cancelled?.stage.lastDecision;
  await record(deps, {
    rolloutId: id,
    action: 'rollout.halted',
    outcome: 'applied',
    actor: deps.actor,
    cause: cause(id, `${stageRef(i, cancelled?.stage.attempt)}:halt`),
    at: now,
    detailType: 'RolloutHalted',
    details: {
      stageIndex: i,
      ...(cancelled?.stage.attempt ? { attempt: cancelled.stage.attempt } : {}),
      reason,
      comment: errorOf(state).Cause ?? null,
      jobId: cancelled?.stage.jobId ?? null,
      jobCancel: cancelled ? { result: cancelled.result, force: cancelled.force } : null,
      exposure: exposureAtHalt(cancelled?.stage, cancelled?.force ?? false),
      decision: decision ?? null,
    },
    notify: {
      subject: `Rollout halted: ${rollout.name}`,
      message:
        `Rollout ${id} halted in stage ${rollout.plan.stages[i]?.name} (${reason}). ${decision?.explanation ?? ''}`.trim(),
    },
  });
  return {};
}

/**
 * Devices that had started the update when the stage halted (from the last read of the job): a
 * cancel without force leaves the running ones running, so they are reported apart.
 */
function exposureAtHalt(stage: Stage | undefined, force: boolean) {
  const job = stage?.job;
  if (!job) return null;
  const started = job.inProgress + job.succeeded + job.failed + job.rejected + job.timedOut;
  return {
    asOf: new Date(job.at).toISOString(),
    started,
    stillRunning: job.inProgress,
    stillRunningAfterCancel: force ? 0 : job.inProgress,
    neverStarted: job.queued,
  };
}

export async function abortRollout(deps: RolloutDeps, id: string, i: number, now: number) {
  const rollout = await mustGetRollout(deps.store, id);
  const stage = await deps.store.getStage(id, i);
  const cancelled =
    stage?.status === 'RUNNING' ? await cancelStageJob(deps, rollout, i, 'aborted', now) : undefined;
  if (cancelled) await deps.store.setStageStatus(id, i, 'ABORTED');
  await deps.store.updateRollout(id, { status: 'ABORTED', paused: false, reason: 'aborted', updatedAt: now });
  await deps.store.discardTokens(id, i);
  await record(deps, {
    rolloutId: id,
    action: 'rollout.aborted',
    outcome: 'applied',
    actor: deps.actor,
    cause: cause(id, 'abort'),
    at: now,
    detailType: 'RolloutAborted',
    details: {
      stageIndex: i,
      jobCancel: cancelled ? { result: cancelled.result, force: cancelled.force } : null,
    },
  });
  return {};
}

export async function completeRollout(deps: RolloutDeps, id: string, now: number) {
  await deps.store.updateRollout(id, { status: 'COMPLETED', updatedAt: now });
  await record(deps, {
    rolloutId: id,
    action: 'rollout.completed',
    outcome: 'applied',
    actor: deps.actor,
    cause: cause(id, 'complete'),
    at: now,
    detailType: 'RolloutCompleted',
    details: {},
  });
  return {};
}

export async function failRollout(
  deps: RolloutDeps,
  id: string,
  i: number,
  state: Record<string, unknown>,
  now: number,
) {
  const error = errorOf(state);
  const message = causeMessage(error.Cause);
  const reason = `error ${error.Error ?? 'unknown'}${message ? `: ${message}` : ''}`;
  await deps.store.updateRollout(id, { status: 'FAILED', reason, updatedAt: now });
  await deps.store.discardTokens(id, i);
  await record(deps, {
    rolloutId: id,
    action: 'rollout.failed',
    outcome: 'failed',
    actor: deps.actor,
    cause: cause(id, 'fail'),
    at: now,
    detailType: 'RolloutFailed',
    details: { stageIndex: i, error: error.Error ?? null, cause: (error.Cause ?? '').slice(0, 2000) },
    notify: {
      subject: `Rollout failed: ${id}`,
      message: `Rollout ${id} stopped on an unexpected error (${reason}) in stage ${i}.`,
    },
  });
  return {};
}
