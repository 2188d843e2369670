import { evaluateGate, type GateDecision, type StageCounts } from '../gate';
import { RolloutNotFoundError } from './errors';
import { countsFromJob, estimateCounts, type JobSnapshot } from './job-snapshot';
import type { Rollout, Stage } from './model';
import { gatePolicyOf, type ResolvedStage } from './plan';
import { activeTimeOf } from './plan-schedule';

function plannedStage(rollout: Rollout, stage: Stage): ResolvedStage {
  const planned = rollout.plan.stages[stage.index];
  if (!planned) throw new RolloutNotFoundError(`rollout ${rollout.rolloutId} has no stage ${stage.index}`);
  return planned;
}

function judge(planned: ResolvedStage, stage: Stage, counts: StageCounts, open: boolean, now: number) {
  return evaluateGate(gatePolicyOf(planned), {
    counts,
    targetsOpen: open,
    targetsGrowing: planned.job.targetSelection === 'CONTINUOUS',
    stageStartedAt: stage.startedAt,
    now,
    activeTime: activeTimeOf(planned),
  });
}

/**
 * The gate on the job as AWS IoT reports it: the only evaluation a rollout acts on. Forged, lost or
 * reordered execution events cannot change it.
 */
export function judgeStageOnJob(rollout: Rollout, stage: Stage, job: JobSnapshot, now: number): GateDecision {
  const planned = plannedStage(rollout, stage);
  const counts = countsFromJob(job, planned.gate.failureStatuses, stage.targets);
  return judge(planned, stage, counts, job.targetsOpen, now);
}

/**
 * The gate on the events seen since the last read of the job: tells the tracker and the status view
 * whether it is time to look at the job again. Never acted on.
 */
export function estimateStageGate(rollout: Rollout, stage: Stage, now: number): GateDecision {
  const planned = plannedStage(rollout, stage);
  const counts = estimateCounts(stage, planned.gate.failureStatuses, stage.job, stage.targets);
  return judge(planned, stage, counts, stage.job?.targetsOpen ?? true, now);
}
