import { TargetGroupNotFoundError } from '../domain/rollout/errors';
import type { ResolvedPlan } from '../domain/rollout/plan';
import { type GroupFacts, missingLines, type PlanPreview, previewPlan } from '../domain/rollout/preflight';

/** The registry reads a preflight needs (shared/adapters/rollout-jobs.ts implements them). */
export type TargetGroups = {
  groupExists(name: string): Promise<boolean>;
  /** Distinct things in the group and its sub-groups; TargetGroupNotFoundError if it is gone. */
  thingsInGroup(name: string): Promise<string[]>;
};

/**
 * Looks up every target group of the plan once (DescribeThingGroup) and, with `countThings`, lists
 * its things (ListThingsInThingGroup, recursive): the CLI's preview. The API only checks existence,
 * which costs one call per group.
 */
export async function preflightPlan(
  groups: TargetGroups,
  plan: ResolvedPlan,
  options: { countThings: boolean },
): Promise<PlanPreview> {
  const facts = new Map<string, GroupFacts>();
  for (const name of new Set(plan.stages.flatMap((s) => s.targets))) {
    if (!(await groups.groupExists(name))) {
      facts.set(name, { exists: false });
      continue;
    }
    if (!options.countThings) {
      facts.set(name, { exists: true });
      continue;
    }
    try {
      facts.set(name, { exists: true, things: await groups.thingsInGroup(name) });
    } catch (error) {
      // Deleted between the two calls.
      if (!(error instanceof TargetGroupNotFoundError)) throw error;
      facts.set(name, { exists: false });
    }
  }
  return previewPlan(plan, facts);
}

/** Refuses a plan that targets a group which does not exist and which its stage does not allow to be missing. */
export function assertTargetsExist(preview: PlanPreview): void {
  if (preview.missing.length === 0) return;
  const groups = [...new Set(preview.missing.map((m) => m.group))];
  throw new TargetGroupNotFoundError(
    `target thing group(s) not found: ${groups.join(', ')}`,
    missingLines(preview.missing),
  );
}
