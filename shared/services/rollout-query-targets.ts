import { assertIndexHolds } from '../domain/fleet-index/query-fields';
import { parseFleetQuery } from '../domain/fleet-index/query-parse';
import { parseJobId, stageRef } from '../domain/rollout/ids';
import { FINAL_STATUSES, type Rollout } from '../domain/rollout/model';
import type { ResolvedStage } from '../domain/rollout/plan';
import { DynamicGroupBuildingError } from '../domain/rollout/query-errors';
import { queryGroupName, queryGroupTags } from '../domain/rollout/query-target';
import { record } from './rollout-effects';
import type { RolloutDeps } from './rollout-ports';

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
  jobId: string,
  now: number,
): Promise<string | undefined> {
  if (stage.query === undefined) return undefined;
  const id = rollout.rolloutId;
  assertIndexHolds(parseFleetQuery(stage.query), await deps.fleetIndex.thingIndexing());
  // Named after the job: a resumed stage's new attempt has a group of its own.
  const group = queryGroupName(jobId);
  const ref = stageRef(stage.index, parseJobId(jobId)?.attempt);
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
    cause: { type: 'execution', id: `${id}:${ref}:query-group` },
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
 * investigation (docs/rollouts.md). A rollout resumed meanwhile (open again) keeps its groups: the
 * resumed stage's new attempt may already target its own.
 */
export async function releaseQueryGroups(deps: RolloutDeps, rolloutId: string, now: number): Promise<void> {
  const rollout = await deps.store.getRollout(rolloutId);
  if (!rollout || !FINAL_STATUSES.includes(rollout.status)) return;
  for (const planned of rollout.plan.stages) {
    if (planned.query === undefined) continue;
    // Only a stage that started made a group (GetItem: the steps' role reads items, never queries);
    // its current attempt's (an earlier attempt's group went when that attempt halted).
    const stage = await deps.store.getStage(rolloutId, planned.index);
    if (!stage) continue;
    const group = queryGroupName(stage.jobId);
    await deps.fleetIndex.deleteDynamicGroup(group);
    await record(deps, {
      rolloutId,
      action: 'rollout.query-group.deleted',
      outcome: 'applied',
      actor: deps.actor,
      cause: {
        type: 'execution',
        id: `${rolloutId}:${stageRef(planned.index, stage.attempt)}:query-group:delete`,
      },
      at: now,
      detailType: 'RolloutQueryGroupDeleted',
      details: { stageIndex: planned.index, group, rollout: rollout.status },
    });
  }
}
