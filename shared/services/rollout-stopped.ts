import { stageRef } from '../domain/rollout/ids';
import type { JobSnapshot } from '../domain/rollout/job-snapshot';
import type { Stage, StepDecision } from '../domain/rollout/model';
import { record } from './rollout-effects';
import type { RolloutDeps } from './rollout-ports';

/** A job cancelled or deleted by anyone but the rollout (AWS's abortConfig, an operator): audited, a HALT. */
export async function stoppedOutside(
  deps: RolloutDeps,
  stage: Stage,
  job: JobSnapshot | undefined,
  now: number,
): Promise<StepDecision> {
  const what = job
    ? `the job was ${job.status.toLowerCase()} outside the rollout (reasonCode ${job.reasonCode ?? 'none'}${job.comment ? `: ${job.comment}` : ''})`
    : 'the job no longer exists';
  await record(deps, {
    rolloutId: stage.rolloutId,
    action: 'rollout.job.stopped-outside',
    outcome: 'decided',
    actor: deps.actor,
    cause: {
      type: 'execution',
      id: `${stage.rolloutId}:${stageRef(stage.index, stage.attempt)}:stopped-outside`,
    },
    at: now,
    detailType: 'RolloutJobStoppedOutside',
    details: { stageIndex: stage.index, jobId: stage.jobId, job: job ?? null },
  });
  return {
    outcome: 'HALT',
    action: 'none',
    trigger: 'none',
    reason: 'JOB_STOPPED_OUTSIDE',
    explanation: what,
    waitSeconds: 1,
  };
}
