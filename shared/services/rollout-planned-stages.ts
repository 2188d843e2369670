import type { ResolvedStage } from '../domain/rollout/plan';
import type { RolloutRecords } from './rollout-store-port';

/** A stage as its rollout's plan sets it; undefined when there is no such rollout or stage. */
export type PlannedStages = (rolloutId: string, stageIndex: number) => Promise<ResolvedStage | undefined>;

/**
 * The plan's stages, read once per rollout by a container. A rollout's stages never change after it
 * is created (its id carries the plan's digest, and a resume swaps only the document), so only the
 * rollout's state, never its stages, needs a fresh read per event. At most `max` rollouts are kept.
 */
export function plannedStages(store: Pick<RolloutRecords, 'getRollout'>, max = 100): PlannedStages {
  const plans = new Map<string, ResolvedStage[]>();
  return async (rolloutId, stageIndex) => {
    let stages = plans.get(rolloutId);
    if (!stages) {
      const rollout = await store.getRollout(rolloutId);
      if (!rollout) return undefined;
      stages = rollout.plan.stages;
      if (plans.size >= max) plans.delete(plans.keys().next().value as string);
      plans.set(rolloutId, stages);
    }
    return stages[stageIndex];
  };
}
