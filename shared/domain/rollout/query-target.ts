import { MANAGED_BY } from '../managed-by';

/**
 * A stage that targets a fleet indexing query runs its job on a dynamic thing group the rollout
 * creates for it: named after the stage's job, tagged as the automation's, deleted when the rollout
 * ends (docs/rollouts.md "Targets by query").
 */

/** AWS::IoT::ThingGroup QueryString: at most 1,000 characters (CloudFormation resource reference). */
export const MAX_QUERY_LENGTH = 1000;
/** AWS IoT Device Management quotas: dynamic thing groups per account. */
export const MAX_DYNAMIC_GROUPS = 100;
const PREFIX = 'fleet-autopilot-';

/** `fleet-autopilot-<jobId>`: at most 69 of AWS's 128 characters, `[a-zA-Z0-9_-]`, no colon. */
export function queryGroupName(jobId: string): string {
  return `${PREFIX}${jobId}`;
}

/** The tags the group is created with; IAM lets the rollout delete only groups that carry them. */
export function queryGroupTags(rolloutId: string): { Key: string; Value: string }[] {
  return [
    { Key: MANAGED_BY.key, Value: MANAGED_BY.value },
    { Key: 'fleet-autopilot:rollout', Value: rolloutId },
  ];
}

/** The thing groups a stage's job targets: the plan's static groups, then the query's dynamic group. */
export function stageGroups(stage: { targets: readonly string[]; query?: string }, jobId: string): string[] {
  return stage.query === undefined ? [...stage.targets] : [...stage.targets, queryGroupName(jobId)];
}
