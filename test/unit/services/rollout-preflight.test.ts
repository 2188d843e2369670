import { describe, expect, it } from 'vitest';
import { TargetGroupNotFoundError } from '../../../shared/domain/rollout/errors';
import { resolvePlan } from '../../../shared/domain/rollout/plan';
import { assertTargetsExist, preflightPlan } from '../../../shared/services/rollout-preflight';
import { rolloutWorld, T0, twoStages } from '../../fakes/rollout-world';

const QUERY = 'attributes.model:th200 AND connectivity.connected:true';
const plan = (raw: unknown) => resolvePlan(raw, { at: T0 });

describe('preflightPlan', () => {
  it('counts each stage’s things, sub-groups included, and the things no earlier stage reaches', async () => {
    // Prepare
    const w = rolloutWorld();
    w.iot.addGroup('ring-canary', ['a', 'b']);
    w.iot.addGroup('ring-fleet', ['b', 'c']);
    w.iot.addGroup('ring-fleet-eu', ['d'], { parent: 'ring-fleet' });

    // Act
    const preview = await preflightPlan(w.iot, plan(twoStages('fw')), { countThings: true });

    // Assess
    expect(preview.stages.map((s) => [s.things, s.newThings])).toEqual([
      [2, 2],
      [3, 2],
    ]);
    expect(preview.things).toBe(4);
    expect(preview.missing).toEqual([]);
  });

  it('only checks that the groups exist when not asked to count (one call per group)', async () => {
    // Prepare
    const w = rolloutWorld();
    w.iot.addGroup('ring-canary', ['a']);
    w.iot.addGroup('ring-fleet', ['b']);
    w.iot.faults.inject('thingsInGroup', new Error('listed the things'), 2);

    // Act
    const preview = await preflightPlan(w.iot, plan(twoStages('fw')), { countThings: false });

    // Assess
    expect(preview.things).toBeUndefined();
    expect(preview.missing).toEqual([]);
  });

  it('names a target group that does not exist, and its stage', async () => {
    // Prepare
    const w = rolloutWorld();
    w.iot.addGroup('ring-canary', ['a']);

    // Act
    const preview = await preflightPlan(w.iot, plan(twoStages('fw')), { countThings: true });

    // Assess
    expect(preview.missing).toEqual([{ stage: 'fleet', group: 'ring-fleet' }]);
  });

  it('reports a group deleted between its two reads as missing', async () => {
    // Prepare
    const w = rolloutWorld();
    w.iot.addGroup('ring-canary', ['a']);
    w.iot.addGroup('ring-fleet', ['b']);
    w.iot.faults.inject('thingsInGroup', new TargetGroupNotFoundError('gone', ['ring-fleet']), 1, 1);

    // Act
    const preview = await preflightPlan(w.iot, plan(twoStages('fw')), { countThings: true });

    // Assess
    expect(preview.missing).toEqual([{ stage: 'fleet', group: 'ring-fleet' }]);
  });

  it('lets a stage start later on a group it allows to be missing', async () => {
    // Prepare
    const w = rolloutWorld();
    w.iot.addGroup('ring-canary', ['a']);
    const raw = twoStages('fw');
    (raw.stages[1] as Record<string, unknown>).allowMissingTargets = true;

    // Act
    const preview = await preflightPlan(w.iot, plan(raw), { countThings: false });

    // Assess
    expect(preview.missing).toEqual([]);
    expect(preview.allowedMissing).toEqual([{ stage: 'fleet', group: 'ring-fleet' }]);
  });

  it('counts what a query stage matches now, when the index holds its fields', async () => {
    // Prepare
    const w = rolloutWorld();
    w.fleetIndex.matching.set(QUERY, ['a', 'b', 'c']);
    const raw = { name: 'q', document: { op: 'update' }, stages: [{ name: 'online', query: QUERY }] };

    // Act
    const preview = await preflightPlan(w.iot, plan(raw), { countThings: true }, w.fleetIndex);

    // Assess
    expect(preview.stages[0]?.query).toEqual({ query: QUERY, matches: 3, missing: [] });
  });

  it('names the index fields a query stage reads that the account’s index lacks, and counts nothing', async () => {
    // Prepare
    const w = rolloutWorld();
    w.fleetIndex.indexing = { thingIndexingMode: 'REGISTRY' };
    w.fleetIndex.faults.inject('count', new Error('counted'), 1);
    const raw = { name: 'q', document: { op: 'update' }, stages: [{ name: 'online', query: QUERY }] };

    // Act
    const preview = await preflightPlan(w.iot, plan(raw), { countThings: true }, w.fleetIndex);

    // Assess
    expect(preview.indexIssues).toEqual([
      expect.stringContaining('connectivity.connected needs connectivity indexing'),
    ]);
  });
});

describe('assertTargetsExist', () => {
  it('refuses a preview with a missing group, naming it', async () => {
    // Prepare
    const w = rolloutWorld();
    w.iot.addGroup('ring-canary', ['a']);
    const preview = await preflightPlan(w.iot, plan(twoStages('fw')), { countThings: false });

    // Act
    const asserting = () => assertTargetsExist(preview);

    // Assess
    expect(asserting).toThrow(TargetGroupNotFoundError);
    expect(asserting).toThrow(/ring-fleet/);
  });

  it('refuses a preview whose query the index cannot answer', async () => {
    // Prepare
    const w = rolloutWorld();
    w.fleetIndex.indexing = { thingIndexingMode: 'REGISTRY' };
    const raw = { name: 'q', document: { op: 'update' }, stages: [{ name: 'online', query: QUERY }] };
    const preview = await preflightPlan(w.iot, plan(raw), { countThings: false }, w.fleetIndex);

    // Act
    const asserting = () => assertTargetsExist(preview);

    // Assess
    expect(asserting).toThrow(expect.objectContaining({ name: 'FleetIndexFieldError' }));
  });
});
