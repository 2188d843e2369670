import { assertIndexHolds } from '../domain/fleet-index/query-fields';
import { parseFleetQuery } from '../domain/fleet-index/query-parse';
import { jobIdFor } from '../domain/rollout/ids';
import type { Rollout } from '../domain/rollout/model';
import type { ResolvedStage } from '../domain/rollout/plan';
import { DynamicGroupBuildingError } from '../domain/rollout/query-errors';
import { queryGroupName, queryGroupTags } from '../domain/rollout/query-target';
import { type RolloutDeps, record } from './rollout-effects';

/**
 * Before a query stage's job: the account's index must hold every field the query reads (re-checked
 * here, the indexing may have changed since the rollout started), then the stage's dynamic group is
 * created (or found, on a retry) and audited. A SNAPSHOT job waits for the group's backfill
 * (DynamicGroupBuildingError, retried by the state machine); a CONTINUOUS one reaches late joiners anyway.
 */
export async function prepareQueryTarget(
  deps: RolloutDeps,
  rollout: Rollout,
  stage: ResolvedStage,
  now: number,
): Promise<string | undefined> {
  if (stage.query === undefined) return undefined;
  const id = rollout.rolloutId;
  assertIndexHolds(parseFleetQuery(stage.query), await deps.fleetIndex.thingIndexing());
  const group = queryGroupName(jobIdFor(id, stage.index));
  const { created, status } = await deps.fleetIndex.ensureDynamicGroup(
    group,
    stage.query,
    `Fleet Autopilot rollout ${id}, stage ${stage.name}`,
    queryGroupTags(id),
  );
  await record(deps, {
    rolloutId: id,
    action: 'rollout.query-group.created',
    outcome: 'applied',
    actor: deps.actor,
    cause: { type: 'execution', id: `${id}:s${stage.index}:query-group` },
    at: now,
    detailType: 'RolloutQueryGroupCreated',
    details: { stageIndex: stage.index, stage: stage.name, group, query: stage.query, created, status },
  });
  if (status !== 'ACTIVE' && stage.job.targetSelection === 'SNAPSHOT')
    throw new DynamicGroupBuildingError(
      `dynamic thing group ${group} is ${status}; a SNAPSHOT job waits for its backfill`,
    );
  return group;
}

/**
 * The rollout is over (completed, halted or aborted): the dynamic groups its stages made are deleted,
 * each audited, so they stop counting against the account's 100. A FAILED rollout keeps them for the
 * investigation (docs/rollouts.md).
 */
export async function releaseQueryGroups(deps: RolloutDeps, rolloutId: string, now: number): Promise<void> {
  const rollout = await deps.store.getRollout(rolloutId);
  if (!rollout) return;
  for (const planned of rollout.plan.stages) {
    if (planned.query === undefined) continue;
    // Only a stage that started made a group (GetItem: the steps' role reads items, never queries).
    if (!(await deps.store.getStage(rolloutId, planned.index))) continue;
    const group = queryGroupName(jobIdFor(rolloutId, planned.index));
    await deps.fleetIndex.deleteDynamicGroup(group);
    await record(deps, {
      rolloutId,
      action: 'rollout.query-group.deleted',
      outcome: 'applied',
      actor: deps.actor,
      cause: { type: 'execution', id: `${rolloutId}:s${planned.index}:query-group:delete` },
      at: now,
      detailType: 'RolloutQueryGroupDeleted',
      details: { stageIndex: planned.index, group, rollout: rollout.status },
    });
  }
}
