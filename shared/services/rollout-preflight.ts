import { FleetIndexFieldError } from '../domain/fleet-index/errors';
import { missingIndexFields } from '../domain/fleet-index/query-fields';
import { parseFleetQuery } from '../domain/fleet-index/query-parse';
import { TargetGroupNotFoundError } from '../domain/rollout/errors';
import type { ResolvedPlan } from '../domain/rollout/plan';
import {
  type GroupFacts,
  missingLines,
  type PlanPreview,
  previewPlan,
  type QueryFacts,
} from '../domain/rollout/preflight';
import type { QueryIndex, TargetGroups } from './rollout-iot-ports';

/** Per query stage: the index fields its query lacks (one GetIndexingConfiguration) and, if asked, its count. */
async function queryFacts(index: QueryIndex, plan: ResolvedPlan, countThings: boolean) {
  const facts = new Map<number, QueryFacts>();
  const stages = plan.stages.filter((s) => s.query !== undefined);
  if (stages.length === 0) return facts;
  const config = await index.thingIndexing();
  for (const stage of stages) {
    const missing = missingIndexFields(parseFleetQuery(stage.query as string), config);
    const matches =
      countThings && missing.length === 0 ? await index.count(stage.query as string) : undefined;
    facts.set(stage.index, { missing, ...(matches === undefined ? {} : { matches }) });
  }
  return facts;
}

/**
 * Looks up every target group of the plan once (DescribeThingGroup) and, with `countThings`, lists
 * its things (ListThingsInThingGroup, recursive): the CLI's preview. The API only checks existence,
 * which costs one call per group.
 */
export async function preflightPlan(
  groups: TargetGroups,
  plan: ResolvedPlan,
  options: { countThings: boolean },
  index?: QueryIndex,
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
  return previewPlan(plan, facts, index ? await queryFacts(index, plan, options.countThings) : new Map());
}

/** Refuses a plan that targets a group which does not exist and which its stage does not allow to be missing. */
export function assertTargetsExist(preview: PlanPreview): void {
  if (preview.indexIssues.length > 0)
    throw new FleetIndexFieldError(
      `the account's fleet index cannot answer ${preview.indexIssues.length} field(s) a query stage reads`,
      preview.indexIssues,
    );
  if (preview.missing.length === 0) return;
  const groups = [...new Set(preview.missing.map((m) => m.group))];
  throw new TargetGroupNotFoundError(
    `target thing group(s) not found: ${groups.join(', ')}`,
    missingLines(preview.missing),
  );
}
