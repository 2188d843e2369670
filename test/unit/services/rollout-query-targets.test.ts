import { describe, expect, it } from 'vitest';
import { releaseQueryGroups } from '../../../shared/services/rollout-query-targets';
import { ARN_PREFIX, created, HOUR, rolloutWorld, step, T0 } from '../../fakes/rollout-world';

const QUERY = 'attributes.model:th200 AND connectivity.connected:true';

/** A one-stage rollout whose stage targets a fleet indexing query. */
async function queried(targetSelection: 'SNAPSHOT' | 'CONTINUOUS' = 'SNAPSHOT') {
  const w = rolloutWorld();
  const rolloutId = await created(w, {
    name: 'online-th200',
    document: { op: 'update' },
    stages: [{ name: 'online', query: QUERY, job: { targetSelection } }],
  });
  await step(w, rolloutId, 'checkpoint', 0, T0);
  return { w, rolloutId, group: `fleet-autopilot-${rolloutId}-s0` };
}

describe('a stage that targets a fleet indexing query', () => {
  it('gets a dynamic group of its own, tagged, which its job targets', async () => {
    // Prepare
    const { w, rolloutId, group } = await queried();

    // Act
    await step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    expect(w.fleetIndex.dynamicGroup(group)).toMatchObject({
      query: QUERY,
      status: 'ACTIVE',
      tags: [
        { Key: 'managedBy', Value: 'fleet-autopilot' },
        { Key: 'fleet-autopilot:rollout', Value: rolloutId },
      ],
    });
    expect(w.iot.jobs.get(`${rolloutId}-s0`)?.request.targets).toEqual([`${ARN_PREFIX}:thinggroup/${group}`]);
  });

  it('audits the group with its query', async () => {
    // Prepare
    const { w, rolloutId, group } = await queried();

    // Act
    await step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    expect(w.effects.audited('rollout.query-group.created')[0]?.details).toMatchObject({
      group,
      query: QUERY,
      created: true,
      status: 'ACTIVE',
    });
  });

  it('waits for a SNAPSHOT stage’s group to backfill before creating the job', async () => {
    // Prepare
    const { w, rolloutId } = await queried('SNAPSHOT');
    w.fleetIndex.newGroupStatus = 'BUILDING';

    // Act
    const starting = step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'DynamicGroupBuildingError', retryable: true });
    expect(w.iot.jobs.size).toBe(0);
  });

  it('creates the job on the same group when the retry finds it backfilled', async () => {
    // Prepare
    const { w, rolloutId, group } = await queried('SNAPSHOT');
    w.fleetIndex.newGroupStatus = 'BUILDING';
    await step(w, rolloutId, 'startStage', 0, T0).catch(() => undefined);
    w.fleetIndex.activate(group);

    // Act
    await step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    expect(w.iot.jobs.has(`${rolloutId}-s0`)).toBe(true);
    expect(w.fleetIndex.dynamicGroupCount()).toBe(1);
  });

  it('does not wait for a CONTINUOUS stage’s backfill: late joiners are reached anyway', async () => {
    // Prepare
    const { w, rolloutId } = await queried('CONTINUOUS');
    w.fleetIndex.newGroupStatus = 'BUILDING';

    // Act
    await step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    expect(w.iot.jobs.has(`${rolloutId}-s0`)).toBe(true);
  });

  it('never takes over a group of its name with another query', async () => {
    // Prepare
    const { w, rolloutId, group } = await queried();
    w.fleetIndex.addDynamicGroup(group, 'thingName:*');

    // Act
    const starting = step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'QueryGroupConflictError' });
    expect(w.iot.jobs.size).toBe(0);
  });

  it('checks the index again at the stage’s start: it may have changed since the rollout began', async () => {
    // Prepare
    const { w, rolloutId } = await queried();
    w.fleetIndex.indexing = { thingIndexingMode: 'REGISTRY' };

    // Act
    const starting = step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'FleetIndexFieldError' });
    expect(w.fleetIndex.dynamicGroupCount()).toBe(0);
  });

  it('is refused when the account has no dynamic group left', async () => {
    // Prepare
    const { w, rolloutId } = await queried();
    for (let i = 0; i < 100; i++) w.fleetIndex.addDynamicGroup(`other-${i}`, 'thingName:x');

    // Act
    const starting = step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'DynamicGroupLimitError' });
  });
});

describe('releaseQueryGroups', () => {
  it('deletes the groups of a rollout that ended, each audited', async () => {
    // Prepare
    const { w, rolloutId, group } = await queried();
    await step(w, rolloutId, 'startStage', 0, T0);
    await w.store.updateRollout(rolloutId, { status: 'COMPLETED', updatedAt: T0 + HOUR });

    // Act
    await releaseQueryGroups(w.steps, rolloutId, T0 + HOUR);

    // Assess
    expect(w.fleetIndex.deleted).toEqual([group]);
    expect(w.effects.audited('rollout.query-group.deleted')[0]?.details).toMatchObject({
      group,
      rollout: 'COMPLETED',
    });
  });

  it('gives the groups back when the last stage completes the rollout', async () => {
    // Prepare
    const { w, rolloutId, group } = await queried();
    await step(w, rolloutId, 'startStage', 0, T0);
    await w.store.updateRollout(rolloutId, { currentStage: 1, updatedAt: T0 });

    // Act
    await step(w, rolloutId, 'complete', 1, T0 + HOUR);

    // Assess
    expect(w.fleetIndex.dynamicGroup(group)).toBeUndefined();
  });

  it('keeps the groups of a FAILED rollout for the investigation', async () => {
    // Prepare
    const { w, rolloutId } = await queried();
    await step(w, rolloutId, 'startStage', 0, T0);

    // Act
    await step(w, rolloutId, 'fail', 0, T0 + HOUR, { state: { error: { Error: 'Boom' } } });

    // Assess
    expect((await w.store.getRollout(rolloutId))?.status).toBe('FAILED');
    expect(w.fleetIndex.deleted).toEqual([]);
  });

  it('keeps the groups of a rollout that is open again (resumed meanwhile)', async () => {
    // Prepare
    const { w, rolloutId } = await queried();
    await step(w, rolloutId, 'startStage', 0, T0);

    // Act
    await releaseQueryGroups(w.steps, rolloutId, T0 + HOUR);

    // Assess
    expect(w.fleetIndex.deleted).toEqual([]);
  });

  it('deletes nothing for a stage that never started', async () => {
    // Prepare
    const { w, rolloutId } = await queried();
    await w.store.updateRollout(rolloutId, { status: 'ABORTED', updatedAt: T0 + HOUR });

    // Act
    await releaseQueryGroups(w.steps, rolloutId, T0 + HOUR);

    // Assess
    expect(w.fleetIndex.deleted).toEqual([]);
  });
});
