import { continuousEndsAt, watchNext, watchSeconds } from '../domain/rollout/continuous';
import { TASK_FAILURES } from '../domain/rollout/errors';
import { stageRef } from '../domain/rollout/ids';
import { jobStoppedOutside } from '../domain/rollout/job-snapshot';
import { type Rollout, type Stage, storedDecision } from '../domain/rollout/model';
import { estimateStageGate, judgeStageOnJob, startsWith } from '../domain/rollout/stage-gate';
import { healthLookSeconds, nextHealthChange } from '../domain/rollout/stage-health';
import { checkAlarms } from './health-alarm-check';
import { assessHealth } from './health-assess';
import { mustGetRollout, noteOutcome, record } from './rollout-effects';
import type { RolloutDeps } from './rollout-ports';
import { stoppedOutside } from './rollout-stopped';

/** The slim result the Watch states branch on (`$.gate`): Halt reads outcome and reason like RouteGate's. */
export type WatchDecision = {
  outcome: string;
  action: 'none';
  reason: string;
  waitSeconds: number;
  next: 'watch' | 'complete' | 'halt';
};

const cause = (id: string, what: string) => ({ type: 'execution' as const, id: `${id}:${what}` });

async function mustGetStage(deps: RolloutDeps, id: string, i: number) {
  const stage = await deps.store.getStage(id, i);
  if (!stage) throw new Error(`stage ${i} of ${id} was not recorded`);
  return stage;
}

/** The continuous stage passed its gate: from now on it is watched (audited once). */
export async function startWatch(
  deps: RolloutDeps,
  id: string,
  i: number,
  now: number,
): Promise<WatchDecision> {
  const rollout = await mustGetRollout(deps.store, id);
  const stage = await mustGetStage(deps, id, i);
  await deps.store.markWatching(id, i, now);
  const endsAt = continuousEndsAt(rollout, i);
  await record(deps, {
    rolloutId: id,
    action: 'rollout.stage.watching',
    outcome: 'applied',
    actor: deps.actor,
    cause: cause(id, `${stageRef(i, stage.attempt)}:watch`),
    at: now,
    detailType: 'RolloutStageWatching',
    details: {
      stageIndex: i,
      jobId: stage.jobId,
      endsAt: new Date(endsAt).toISOString(),
      decision: stage.lastDecision ?? null,
    },
  });
  const next = watchNext(rollout, i, false, now);
  return {
    outcome: 'PROMOTE',
    action: 'none',
    reason: 'WATCHING',
    waitSeconds: watchSeconds(rollout, i, now),
    next,
  };
}

/**
 * Parks the Watch token on the stage (the gate's slot, so pause and abort find it), then settles any
 * race: abort, pause, a complete that arrived first, or a halt the events already show.
 */
export async function awaitWatch(deps: RolloutDeps, id: string, i: number, token: string, now: number) {
  const slot = { kind: 'gate', stageIndex: i } as const;
  await deps.store.storeToken(id, slot, token);
  const rollout = await mustGetRollout(deps.store, id);
  if (rollout.abortRequested || rollout.paused) {
    const claimed = await deps.store.claimToken(id, slot);
    const error = rollout.abortRequested ? TASK_FAILURES.ABORTED : TASK_FAILURES.PAUSED;
    if (claimed) await deps.tasks.fail(claimed, error, `${error} while watching the stage`);
    return {};
  }
  const stage = await mustGetStage(deps, id, i);
  // Failures seen while no token was parked could wake no one: if they point to a halt, ask the job
  // (wake only if it agrees, so events the job does not confirm cannot make a wake-up loop).
  let halting = false;
  if (!rollout.completeRequested && estimateStageGate(rollout, stage, now).outcome === 'HALT') {
    const job = await deps.jobs.describeJob(stage.jobId, now);
    if (job) {
      await deps.store.putJobSnapshot(id, i, job, startsWith(rollout, stage, job));
      halting = judgeStageOnJob(rollout, stage, job, now).outcome === 'HALT';
    }
  }
  if (rollout.completeRequested || halting) {
    const claimed = await deps.store.claimToken(id, slot);
    if (claimed) await deps.tasks.succeed(claimed, { wake: halting ? 'gate-estimate-halt' : 'complete' });
  }
  return {};
}

/**
 * The watched stage on DescribeJob: the gate can still halt it (devices that joined late fail), a job
 * stopped by anyone else halts it; otherwise it completes when asked or at its end, or watches on.
 */
export async function reconcileWatch(
  deps: RolloutDeps,
  id: string,
  i: number,
  now: number,
): Promise<WatchDecision> {
  const rollout = await mustGetRollout(deps.store, id);
  const stage = await mustGetStage(deps, id, i);
  const job = await deps.jobs.describeJob(stage.jobId, now);
  if (!job || jobStoppedOutside(job)) {
    const halt = await stoppedOutside(deps, stage, job, now);
    return { outcome: halt.outcome, action: 'none', reason: halt.reason, waitSeconds: 1, next: 'halt' };
  }
  // Devices joining a watched stage get the same health checks as the ones before its gate.
  const alarm = await checkAlarms(deps, rollout, stage, now);
  if (alarm.kind === 'halt')
    return { outcome: 'HALT', action: 'none', reason: 'FLEET_ALARM', waitSeconds: 1, next: 'halt' };
  await deps.store.putJobSnapshot(id, i, job, startsWith(rollout, stage, job));
  const health = await assessHealth(deps, rollout, stage, now);
  const read = health ? { ...stage, health } : stage;
  const decision = judgeStageOnJob(rollout, read, job, now);
  const halt = decision.outcome === 'HALT';
  // Only a halt changes a watched stage: other outcomes are not audited again on every look.
  if (halt) await noteOutcome(deps, stage, decision, now, cause(id, `s${i}:watch:${now}`));
  // Paused on an alarm: the Watch state sees the pause and waits for a human.
  const next = alarm.kind === 'paused' && !halt ? 'watch' : watchNext(rollout, i, halt, now);
  return {
    outcome: halt ? 'HALT' : 'PROMOTE',
    action: 'none',
    reason: halt ? decision.reason : alarm.kind === 'paused' ? 'FLEET_ALARM' : 'WATCHING',
    waitSeconds: alarm.kind === 'paused' ? 1 : watchWait(rollout, read, now),
    next,
  };
}

/** The watch's recheck, or sooner when a reconnect window ends (nothing else wakes a missing device). */
function watchWait(rollout: Rollout, stage: Stage, now: number): number {
  const planned = rollout.plan.stages[stage.index];
  const next = planned ? nextHealthChange(planned, stage, now) : undefined;
  const waits = [
    watchSeconds(rollout, stage.index, now),
    planned ? healthLookSeconds(planned) : undefined,
    next === undefined ? undefined : Math.ceil((next - now) / 1000),
  ].filter((w): w is number => w !== undefined);
  return Math.max(1, Math.min(...waits));
}

/**
 * Completes the continuous stage: its last decision gets the job's final counts (late joiners
 * included), the job is cancelled without force (running devices finish; nobody new is notified),
 * audited with who or what completed it. The rollout then completes as after any last stage.
 */
export async function completeContinuous(deps: RolloutDeps, id: string, i: number, now: number) {
  const rollout = await mustGetRollout(deps.store, id);
  const stage = await mustGetStage(deps, id, i);
  const by = rollout.completeRequested ? (rollout.completeRequestedBy ?? 'operator') : 'completeAt';
  const job = await deps.jobs.describeJob(stage.jobId, now);
  const final = job ? judgeStageOnJob(rollout, stage, job, now) : undefined;
  if (job && final) {
    await deps.store.putJobSnapshot(id, i, job, startsWith(rollout, stage, job));
    // The stage passed its gate (its outcome stays); the evidence becomes the job's final counts.
    await deps.store.recordOutcome(id, i, stage.lastOutcome, {
      ...storedDecision(final, now),
      outcome: stage.lastOutcome ?? final.outcome,
      reason: 'COMPLETED',
      explanation: `completed by ${by}; on the job at completion: ${final.explanation}`,
    });
  }
  const result = await deps.jobs.cancelJob(
    stage.jobId,
    false,
    `fleet-autopilot: rollout completed (${by})`,
    'ROLLOUT_COMPLETED',
  );
  await record(deps, {
    rolloutId: id,
    action: 'rollout.job.cancelled',
    outcome: result === 'cancelled' ? 'applied' : 'skipped',
    actor: deps.actor,
    cause: cause(id, `s${i}:complete`),
    at: now,
    detailType: 'RolloutJobCancelled',
    details: {
      stageIndex: i,
      jobId: stage.jobId,
      force: false,
      why: 'completed',
      completedBy: by,
      result,
      finalEvidence: final?.evidence ?? null,
    },
  });
  await deps.store.setStageStatus(id, i, 'PROMOTED');
  await deps.store.updateRollout(id, { currentStage: i + 1, updatedAt: now });
  return { nextStageIndex: i + 1 };
}
