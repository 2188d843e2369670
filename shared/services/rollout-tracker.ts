import type { Clock } from '../clock';
import type { ExecutionTerminal } from '../domain/rollout/job-event';
import type { Rollout, Stage } from '../domain/rollout/model';
import { estimateStageGate, prefixStatuses, startsWith } from '../domain/rollout/stage-gate';
import { countsSuccessEvents } from '../domain/rollout/stage-health';
import { type HealthDeps, watchSuccess } from './health-success';
import type { PlannedStages } from './rollout-planned-stages';
import type { RolloutDeps } from './rollout-ports';
import type { ExecutionCounters } from './rollout-store-port';

export type TrackerDeps = Pick<RolloutDeps, 'store' | 'jobs' | 'tasks' | 'audit' | 'actor'> &
  HealthDeps & {
    counters: ExecutionCounters;
    /** The plan's stages (rollout-planned-stages.ts: read once per rollout by a container). */
    planned: PlannedStages;
    clock: Clock;
  };

export type TrackResult = 'not-ours' | 'unknown-stage' | 'future' | 'applied' | 'stale' | 'woke';

/** An event stamped further ahead than this is refused: IoT stamps events when they happen. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** The job is read again when the last read is older than this (events keep arriving). */
export const SNAPSHOT_MAX_AGE_MS = 30_000;

/**
 * One terminal job execution event: the thing's newest status and the stage's event counters move
 * idempotently; then the gate is estimated on the events since the last read of the job. Events never
 * decide: when the estimate is conclusive the tracker reads the job (at most every 30 s) and, if the
 * job agrees, wakes the waiting execution, whose Reconcile step decides on DescribeJob alone. A forged,
 * lost or reordered event can at most make it look again.
 */
export async function trackExecution(event: ExecutionTerminal, deps: TrackerDeps): Promise<TrackResult> {
  // The bridge names the stage a job belongs to (checked against the jobId at the edge, job-event.ts):
  // an event it named none for is another job's.
  const { rolloutId, stageIndex } = event;
  if (rolloutId === undefined || stageIndex === undefined) return 'not-ours';
  const owner = { rolloutId, stageIndex };
  // A time far ahead would also outrank every real event for this thing (newest wins): refuse it.
  const receivedAt = deps.clock.now();
  if (event.at > receivedAt + MAX_CLOCK_SKEW_MS) {
    await deps.audit({
      subject: { type: 'rollout', id: owner.rolloutId },
      action: 'rollout.event.refused',
      outcome: 'rejected',
      actor: deps.actor,
      cause: { type: 'eventbridge-event', id: event.eventId },
      at: receivedAt,
      details: {
        why: `stamped ${new Date(event.at).toISOString()}, more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes after it arrived`,
        jobId: event.jobId,
        thingName: event.thingName,
        status: event.status,
      },
    });
    return 'future';
  }
  const planned = await deps.planned(owner.rolloutId, owner.stageIndex);
  const counted = await deps.counters(owner.rolloutId, owner.stageIndex, event, {
    // The gate counts a success of a health-gated stage only once its event was seen (stage-health.ts).
    successBuckets: countsSuccessEvents(planned?.health),
  });
  if (counted === 'unknown-stage') return counted;
  // Every success is watched, even one that counts nothing: a redelivery's health records may not
  // exist yet, and a later-stamped success that came first (forged or not) must not hide this one's
  // self-check. Reconcile confirms each suspect on DescribeJobExecution, so an extra one costs nothing.
  if (planned?.health && event.outcome === 'succeeded')
    await watchSuccess(deps, owner.rolloutId, owner.stageIndex, planned.health, event);
  const applied = counted === 'duplicate' ? 'stale' : counted;
  // One read of the rollout's state and the stage's counters as they are now, after this event. A pause
  // or abort after it takes the gate token itself: if this wake-up wins that race, Reconcile only looks,
  // and the next checkpoint honours the pause or abort.
  const { rollout, stage } = await deps.store.getRolloutAndStage(owner.rolloutId, owner.stageIndex);
  if (!rollout || !stage || stage.status !== 'RUNNING' || stage.jobId !== event.jobId) return applied;
  if (rollout.paused || rollout.abortRequested) return applied;
  const now = Math.min(event.at, receivedAt);
  // The job is read at most every 30 s while events arrive: each read is also a point of the start
  // history the prefix halt rule looks at.
  const fresh = await refreshedStage(deps, rollout, stage, now);
  let estimate = estimateStageGate(rollout, fresh, now);
  if (estimate.outcome !== 'HALT' && fresh !== stage && event.outcome !== 'succeeded') {
    const { failed, exposed } = estimate.evidence;
    const statuses = prefixStatuses(rollout, fresh, failed, exposed);
    if (statuses.length > 0)
      estimate = estimateStageGate(rollout, fresh, now, await deps.jobs.failureStarts(stage.jobId, statuses));
  }
  // A watched continuous stage has passed its gate: only a halt is worth a wake-up.
  const worthWaking =
    fresh.watchingSince === undefined ? estimate.outcome !== 'CONTINUE' : estimate.outcome === 'HALT';
  if (!worthWaking) return applied;
  const token = await deps.store.claimToken(owner.rolloutId, { kind: 'gate', stageIndex: owner.stageIndex });
  if (!token) return applied;
  // The payload is only a wake-up: the state machine's Reconcile reads the job and decides.
  await deps.tasks.succeed(token, { wake: 'gate-estimate-conclusive', eventId: event.eventId });
  return 'woke';
}

/** The stage with a job snapshot no older than SNAPSHOT_MAX_AGE_MS (read and stored if needed). */
async function refreshedStage(
  deps: TrackerDeps,
  rollout: Rollout,
  stage: Stage,
  now: number,
): Promise<Stage> {
  if (stage.job && now - stage.job.at < SNAPSHOT_MAX_AGE_MS) return stage;
  const job = await deps.jobs.describeJob(stage.jobId, now);
  if (!job) return stage;
  const starts = startsWith(rollout, stage, job);
  // Only while the stage still runs this job: a resume may have started its next attempt meanwhile.
  await deps.store.putJobSnapshot(stage.rolloutId, stage.index, job, starts, stage.jobId);
  return { ...stage, job, starts };
}
