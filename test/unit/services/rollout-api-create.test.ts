import { describe, expect, it } from 'vitest';
import { planDigest } from '../../../shared/domain/rollout/plan';
import { withDocument } from '../../../shared/domain/rollout/resume';
import { createRollout } from '../../../shared/services/rollout-api';
import { throttled } from '../../fakes/faults';
import {
  ALICE,
  caller,
  executionOf,
  rolloutWorld,
  T0,
  twoStages,
  withRings,
} from '../../fakes/rollout-world';

const MALLORY = 'arn:aws:iam::123456789012:user/mallory';
const session = (role: string, name: string) => `arn:aws:sts::123456789012:assumed-role/${role}/${name}`;

describe('createRollout', () => {
  it('stores the rollout with its creator, identity and execution, then starts that execution', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);

    // Act
    const result = await createRollout(w.api, twoStages('fw'), caller(ALICE, T0));

    // Assess
    expect(result).toMatchObject({ created: true, status: 'RUNNING' });
    expect(await w.store.getRollout(result.rolloutId)).toMatchObject({
      creator: ALICE,
      creatorIdentity: 'person:alice',
      executionArn: executionOf(result.rolloutId),
      currentStage: 0,
      createdAt: T0,
    });
    expect(w.sfn.executions.get(result.rolloutId)).toEqual({
      input: JSON.stringify({ rolloutId: result.rolloutId, stageIndex: 0 }),
      status: 'RUNNING',
    });
  });

  it('audits and publishes the creation with the plan’s stages', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);

    // Act
    const { rolloutId } = await createRollout(w.api, twoStages('fw'), caller(ALICE));

    // Assess
    expect(w.effects.audited('rollout.created')).toEqual([
      expect.objectContaining({
        actor: ALICE,
        details: expect.objectContaining({ name: 'fw', stages: ['canary', 'fleet'] }),
      }),
    ]);
    expect(w.effects.events).toEqual([expect.objectContaining({ detailType: 'RolloutCreated' })]);
    expect(w.effects.events[0]?.detail).toMatchObject({ rolloutId });
  });

  it('answers the same plan again with the stored rollout, one execution and one record', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    const first = await createRollout(w.api, twoStages('fw'), caller(ALICE, T0));

    // Act
    const again = await createRollout(w.api, twoStages('fw'), caller(ALICE, T0 + 5_000));

    // Assess
    expect(again).toEqual({ ...first, created: false });
    expect([...w.sfn.executions.keys()]).toEqual([first.rolloutId]);
    expect(w.effects.audited('rollout.created')).toHaveLength(1);
    expect((await w.store.getRollout(first.rolloutId))?.createdAt).toBe(T0);
  });

  it('starts nothing for the same plan once its execution has ended', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    const first = await createRollout(w.api, twoStages('fw'), caller(ALICE));
    w.sfn.close(first.rolloutId);

    // Act
    const again = await createRollout(w.api, twoStages('fw'), caller(ALICE));

    // Assess
    expect(again.created).toBe(false);
    expect(w.sfn.executions.get(first.rolloutId)?.status).toBe('SUCCEEDED');
    expect(w.effects.audited('rollout.created')).toHaveLength(1);
  });

  it('refuses a new rollout whose execution name someone else already used', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    const probe = rolloutWorld();
    withRings(probe);
    const { rolloutId } = await createRollout(probe.api, twoStages('fw'), caller(ALICE));
    await w.sfn.start(rolloutId, { name: rolloutId, stageIndex: 3 });

    // Act
    const creating = createRollout(w.api, twoStages('fw'), caller(ALICE));

    // Assess
    await expect(creating).rejects.toMatchObject({ name: 'RolloutConflictError' });
    expect(w.effects.audited('rollout.created')).toEqual([]);
  });

  it('refuses another plan whose id collides with a stored rollout’s, changing nothing', async () => {
    // Prepare: someone stored a different plan (another description) under the id this plan gets.
    const w = rolloutWorld();
    withRings(w);
    const probe = rolloutWorld();
    withRings(probe);
    const { rolloutId } = await createRollout(probe.api, twoStages('fw'), caller(ALICE));
    const other = rolloutWorld();
    withRings(other);
    const made = await createRollout(
      other.api,
      twoStages('fw', { description: 'colliding' }),
      caller(MALLORY),
    );
    const colliding = await other.store.getRollout(made.rolloutId);
    if (!colliding) throw new Error('the colliding rollout was not stored');
    await w.store.createRollout({ ...colliding, rolloutId });

    // Act
    const creating = createRollout(w.api, twoStages('fw'), caller(ALICE));

    // Assess
    await expect(creating).rejects.toMatchObject({
      name: 'RolloutConflictError',
      message: expect.stringContaining('was created from another plan'),
    });
    expect(await w.store.getRollout(rolloutId)).toMatchObject({ creator: MALLORY, digest: colliding.digest });
    expect(w.sfn.executions.size).toBe(0);
    expect(w.effects.audited('rollout.created')).toEqual([]);
  });

  it('answers the same plan again as a repeat after a resume swapped its document', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    const first = await createRollout(w.api, twoStages('fw'), caller(ALICE, T0));
    const stored = await w.store.getRollout(first.rolloutId);
    if (!stored) throw new Error('not stored');
    const plan = withDocument(stored.plan, { document: { op: 'update', fixed: true } });
    await w.store.updateRollout(first.rolloutId, { plan, digest: planDigest(plan), updatedAt: T0 + 1 });

    // Act
    const again = await createRollout(w.api, twoStages('fw'), caller(ALICE, T0 + 5_000));

    // Assess
    expect(again).toEqual({ ...first, created: false, digest: planDigest(plan) });
    expect(w.effects.audited('rollout.created')).toHaveLength(1);
  });

  it('starts the execution and records the creation once when a throttled start is retried', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    w.sfn.faults.inject('start', throttled());
    await expect(createRollout(w.api, twoStages('fw'), caller(ALICE))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });

    // Act
    const retried = await createRollout(w.api, twoStages('fw'), caller(ALICE));

    // Assess
    expect(retried.created).toBe(false);
    expect(w.sfn.executions.has(retried.rolloutId)).toBe(true);
    expect(w.effects.audited('rollout.created')).toHaveLength(1);
  });

  it('refuses a plan whose target group does not exist, naming it, and stores nothing', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w, 10, ['ring-canary']);

    // Act
    const creating = createRollout(w.api, twoStages('fw'), caller(ALICE));

    // Assess
    await expect(creating).rejects.toMatchObject({
      name: 'TargetGroupNotFoundError',
      message: expect.stringContaining('ring-fleet'),
    });
    expect(w.store.rollouts.size).toBe(0);
    expect(w.sfn.executions.size).toBe(0);
  });

  it('refuses an invalid plan with issues naming the field', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);

    // Act
    const creating = createRollout(
      w.api,
      { name: 'x', document: {}, targets: ['g'], gate: {} },
      caller(ALICE),
    );

    // Assess
    await expect(creating).rejects.toMatchObject({
      name: 'InvalidPlanError',
      issues: [expect.stringMatching(/^\(plan\): unknown field\(s\) gate/)],
    });
  });

  it('refuses a document pointing outside the policy’s buckets', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    const plan = twoStages('fw', { document: { url: 'https://other-bucket.s3.amazonaws.com/fw.bin' } });

    // Act
    const creating = createRollout(w.api, plan, caller(ALICE));

    // Assess
    await expect(creating).rejects.toMatchObject({
      name: 'InvalidPlanError',
      issues: [expect.stringMatching(/document\.url: .*bucket "other-bucket"/)],
    });
    expect(w.store.rollouts.size).toBe(0);
  });

  it('refuses a shared role session a plan that may wait on an approval', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);

    // Act
    const creating = createRollout(w.api, twoStages('from-ci'), caller(session('Deployer', 'run-42')));

    // Assess
    await expect(creating).rejects.toMatchObject({
      name: 'ForbiddenActionError',
      message: expect.stringMatching(/not tied to a person/),
    });
  });

  it('lets a shared role session start a plan that never waits on an approval', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    const ci = session('Deployer', 'run-42');
    const plan = {
      name: 'from-ci',
      document: { op: 'update' },
      targets: ['ring-canary'],
      defaults: { gate: { onInconclusive: 'halt' } },
    };

    // Act
    const { rolloutId } = await createRollout(w.api, plan, caller(ci));

    // Assess
    expect(await w.store.getRollout(rolloutId)).toMatchObject({
      creator: ci,
      creatorIdentity: 'role:Deployer',
    });
  });

  it('refuses a stage that checks package versions while AWS IoT Jobs does not report them', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    w.packages.versionUpdateByJobsEnabled = false;
    const plan = twoStages('pkg', { defaults: { health: { packageVersion: true } } });
    const destination = ['arn:aws:iot:us-east-1:123456789012:package/fw/version/2.0.0'];
    (plan.stages[0] as Record<string, unknown>).job = { destinationPackageVersions: destination };
    (plan.stages[1] as Record<string, unknown>).job = { destinationPackageVersions: destination };

    // Act
    const creating = createRollout(w.api, plan, caller(ALICE));

    // Assess
    await expect(creating).rejects.toMatchObject({ name: 'PackageVersionReportingError' });
    expect(w.sfn.executions.size).toBe(0);
  });

  it('refuses a query stage whose field the account’s fleet index does not hold', async () => {
    // Prepare
    const w = rolloutWorld();
    w.fleetIndex.indexing = { thingIndexingMode: 'REGISTRY' };
    const plan = {
      name: 'query',
      document: { op: 'update' },
      stages: [{ name: 'online', query: 'connectivity.connected:true' }],
    };

    // Act
    const creating = createRollout(w.api, plan, caller(ALICE));

    // Assess
    await expect(creating).rejects.toMatchObject({
      name: 'FleetIndexFieldError',
      issues: [expect.stringContaining('connectivity.connected needs connectivity indexing')],
    });
  });
});
