import {
  appendStartPoint,
  evaluateGate,
  fewestFailuresThatHalt,
  type GateDecision,
  prefixesOf,
  type StageCounts,
  type StartPoint,
} from '../gate';
import { RolloutNotFoundError } from './errors';
import { countsFromJob, estimateCounts, type JobSnapshot } from './job-snapshot';
import type { Rollout, Stage } from './model';
import { gatePolicyOf, type ResolvedStage } from './plan';
import { activeTimeOf } from './plan-schedule';
import { countsWithHealth } from './stage-health';

function plannedStage(rollout: Rollout, stage: Stage): ResolvedStage {
  const planned = rollout.plan.stages[stage.index];
  if (!planned) throw new RolloutNotFoundError(`rollout ${rollout.rolloutId} has no stage ${stage.index}`);
  return planned;
}

/** A continuous job's group can grow without bound: the halt side then keeps Ville's α. */
const growing = (planned: ResolvedStage) => planned.job.targetSelection === 'CONTINUOUS';

function judge(
  planned: ResolvedStage,
  stage: Stage,
  counts: StageCounts,
  open: boolean,
  now: number,
  failureStarts: readonly number[] | undefined,
) {
  return evaluateGate(gatePolicyOf(planned), {
    counts,
    targetsOpen: open,
    targetsGrowing: growing(planned),
    stageStartedAt: stage.startedAt,
    now,
    activeTime: activeTimeOf(planned),
    ...(failureStarts ? { prefixes: prefixesOf(stage.starts ?? [], failureStarts) } : {}),
  });
}

/**
 * The gate on the job as AWS IoT reports it: the only evaluation a rollout acts on. Forged, lost or
 * reordered execution events cannot change it. `failureStarts` (when each failed execution started,
 * from ListJobExecutionsForJob) lets the halt rule look at the earlier moments in `stage.starts`.
 */
export function judgeStageOnJob(
  rollout: Rollout,
  stage: Stage,
  job: JobSnapshot,
  now: number,
  failureStarts?: readonly number[],
): GateDecision {
  const planned = plannedStage(rollout, stage);
  const counts = countsWithHealth(
    planned,
    stage,
    countsFromJob(job, planned.gate.failureStatuses, stage.targets),
    now,
  );
  return judge(planned, stage, counts, job.targetsOpen, now, failureStarts);
}

/**
 * The gate on the events seen since the last read of the job: tells the tracker and the status view
 * whether it is time to look at the job again. Never acted on.
 */
export function estimateStageGate(
  rollout: Rollout,
  stage: Stage,
  now: number,
  failureStarts?: readonly number[],
): GateDecision {
  const planned = plannedStage(rollout, stage);
  const events = estimateCounts(stage, planned.gate.failureStatuses, stage.job, stage.targets);
  const counts = countsWithHealth(planned, stage, events, now, true);
  return judge(planned, stage, counts, stage.job?.targetsOpen ?? true, now, failureStarts);
}

/** The stage's start history with this read of the job added (exposed = started + excluded). */
export function startsWith(rollout: Rollout, stage: Stage, job: JobSnapshot): StartPoint[] {
  const planned = plannedStage(rollout, stage);
  const c = countsFromJob(job, planned.gate.failureStatuses, stage.targets);
  return appendStartPoint(stage.starts ?? [], { at: job.at, exposed: c.started + c.excluded });
}

/**
 * Whether the prefixes could halt where the whole stage does not: failures enough to halt some prefix,
 * and an earlier moment with fewer executions started than now. The failure statuses to list if so.
 */
export function prefixStatuses(rollout: Rollout, stage: Stage, failed: number, exposed: number): string[] {
  const planned = plannedStage(rollout, stage);
  const earlier = (stage.starts ?? []).some((p) => p.exposed > 0 && p.exposed < exposed);
  const horizon = growing(planned) ? undefined : stage.targets;
  if (!earlier || failed < fewestFailuresThatHalt(gatePolicyOf(planned), exposed, horizon)) return [];
  return planned.gate.failureStatuses;
}
