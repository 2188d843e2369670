import { InvalidFleetQueryError } from '../fleet-index/errors';
import { parseFleetQuery } from '../fleet-index/query-parse';
import type { ResolvedStage } from './plan';
import { scheduleTimeMs } from './plan-schedule';

/** A job has at most 100 targets: a query stage's dynamic group takes one. */
const MAX_JOB_TARGETS = 100;

/** What a stage targets: static groups, a fleet indexing query (syntax checked here), or both. */
export function targetIssues(stage: ResolvedStage, at: string): string[] {
  const issues: string[] = [];
  if (stage.targets.length === 0 && stage.query === undefined)
    issues.push(`${at}: give targets (thing groups), a query (fleet indexing), or both`);
  if (stage.query !== undefined) {
    try {
      parseFleetQuery(stage.query);
    } catch (error) {
      if (!(error instanceof InvalidFleetQueryError)) throw error;
      issues.push(`${at}.query: ${error.message}`);
    }
    if (stage.targets.length >= MAX_JOB_TARGETS)
      issues.push(
        `${at}.targets: with a query, at most ${MAX_JOB_TARGETS - 1} groups (the query's dynamic group is the job's ${MAX_JOB_TARGETS}th target)`,
      );
  }
  return issues;
}

/**
 * The last stage, when CONTINUOUS, runs watched until an operator completes the rollout or its
 * `completeAt` (docs/rollouts.md); only it has a completion time. (An earlier CONTINUOUS stage keeps
 * its old meaning: its job goes on reaching devices after it promoted; the preview warns about it.)
 */
export function continuousIssues(
  stages: readonly (ResolvedStage | undefined)[],
  at: (index: number) => string,
  requestAt: number | undefined,
): string[] {
  const issues: string[] = [];
  const last = stages.length - 1;
  stages.forEach((stage, i) => {
    if (!stage) return;
    const continuous = stage.job.targetSelection === 'CONTINUOUS';
    if (stage.completeAt === undefined) return;
    if (i !== last || !continuous)
      issues.push(`${at(i)}.completeAt: only the last stage, when CONTINUOUS, has a completion time`);
    const end = scheduleTimeMs(stage.completeAt);
    if (requestAt !== undefined && end !== undefined && end <= requestAt)
      issues.push(`${at(i)}.completeAt: ${stage.completeAt} is not in the future`);
  });
  return issues;
}
