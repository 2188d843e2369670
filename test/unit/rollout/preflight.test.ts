import { describe, expect, it } from 'vitest';
import { InvalidPlanError, TargetGroupNotFoundError } from '../../../shared/domain/rollout/errors';
import { planDigest, resolvePlan } from '../../../shared/domain/rollout/plan';
import { type GroupFacts, previewPlan } from '../../../shared/domain/rollout/preflight';
import type { TargetGroups } from '../../../shared/services/rollout-iot-ports';
import { assertTargetsExist, preflightPlan } from '../../../shared/services/rollout-preflight';

const issuesOf = (input: unknown): string[] => {
  try {
    resolvePlan(input);
  } catch (error) {
    if (error instanceof InvalidPlanError) return [...error.issues];
    throw error;
  }
  throw new Error('plan was accepted');
};

const plan = (stages: unknown[], extra: Record<string, unknown> = {}) =>
  resolvePlan({ name: 'fw', document: { operation: 'update' }, stages, ...extra });

describe('plan validation in one pass', () => {
  it('lists schema, cross-field and stage problems together', () => {
    const issues = issuesOf({
      name: 'fw',
      colour: 'red',
      document: { op: 'update' },
      documentSource: 's3://bucket/key.json',
      stages: [
        {
          name: 'a',
          targets: ['g'],
          gate: { bakeMinutes: 10, deadlineMinutes: 20 },
          job: { inProgressTimeoutMinutes: 30 },
        },
        { name: 'a', targets: ['bad group!'] },
      ],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\(plan\): unknown field\(s\) colour/),
        expect.stringMatching(/^stages\[1\]\.targets\[0\]: /),
        expect.stringMatching(/^document: give exactly one/),
        expect.stringMatching(/^stages\[1\]\.name: 'a' is used by an earlier stage/),
        expect.stringMatching(/^stages\[0\]\.gate\.deadlineMinutes: 20 is shorter/),
      ]),
    );
  });

  it('does not judge stages against defaults that are themselves invalid', () => {
    const issues = issuesOf({
      name: 'fw',
      document: { op: 'update' },
      defaults: { gate: { bakeMinutes: 120, colour: 'red' } },
      stages: [{ name: 'a', targets: ['g'], job: { inProgressTimeoutMinutes: 60 } }],
    });
    expect(issues).toEqual(['defaults.gate: unknown field(s) colour']);
  });
});

describe('allowMissingTargets', () => {
  it('is kept only when set, so plans without it keep their digest (and rollout id)', () => {
    const without = plan([{ name: 'a', targets: ['g'] }]);
    expect(without.stages[0]).not.toHaveProperty('allowMissingTargets');
    expect(planDigest(without)).toBe(
      planDigest(plan([{ name: 'a', targets: ['g'], allowMissingTargets: false }])),
    );
    const withIt = plan([{ name: 'a', targets: ['g'], allowMissingTargets: true }]);
    expect(withIt.stages[0]?.allowMissingTargets).toBe(true);
    expect(planDigest(withIt)).not.toBe(planDigest(without));
  });

  it('is a stage field only, and must be a boolean', () => {
    expect(issuesOf({ name: 'fw', document: {}, targets: ['g'], allowMissingTargets: true })).toEqual([
      '(plan): unknown field(s) allowMissingTargets',
    ]);
    expect(
      issuesOf({
        name: 'fw',
        document: {},
        stages: [{ name: 'a', targets: ['g'], allowMissingTargets: 'yes' }],
      }),
    ).toEqual([expect.stringMatching(/^stages\[0\]\.allowMissingTargets: /)]);
  });
});

const facts = (entries: Record<string, string[] | null | 'unknown'>) =>
  new Map<string, GroupFacts>(
    Object.entries(entries).map(([name, things]) => [
      name,
      things === null
        ? { exists: false }
        : things === 'unknown'
          ? { exists: true }
          : { exists: true, things },
    ]),
  );

describe('previewPlan', () => {
  const three = plan(
    [
      { name: 'canary', targets: ['ring-canary'], approval: { required: true } },
      { name: 'early', targets: ['ring-early', 'site-x'] },
      { name: 'fleet', targets: ['sites', 'ring-later'], allowMissingTargets: true },
    ],
    { defaults: { approval: { required: false } } },
  );

  it('counts distinct things per stage, the ones no earlier stage reached, and the total', () => {
    const preview = previewPlan(
      three,
      facts({
        'ring-canary': ['a', 'b'],
        'ring-early': ['c', 'd'],
        'site-x': ['a', 'd', 'e'],
        sites: ['a', 'b', 'c', 'd', 'e', 'f'],
        'ring-later': null,
      }),
    );
    expect(preview.stages.map((s) => [s.name, s.things, s.newThings])).toEqual([
      ['canary', 2, 2],
      ['early', 4, 3],
      ['fleet', 6, 1],
    ]);
    expect(preview.things).toBe(6);
    expect(preview.stages.map((s) => s.approvalRequired)).toEqual([true, false, false]);
    expect(preview.missing).toEqual([]);
    expect(preview.allowedMissing).toEqual([{ stage: 'fleet', group: 'ring-later' }]);
    expect(preview.rolloutId).toMatch(/^fw-[0-9a-f]{8}$/);
    expect(preview.document).toEqual({ kind: 'inline', bytes: 22, limit: 32_768 });
  });

  it('names each missing group with its stage, unless the stage allows it', () => {
    const preview = previewPlan(three, facts({ 'ring-canary': [], 'site-x': [], sites: [] }));
    expect(preview.missing).toEqual([{ stage: 'early', group: 'ring-early' }]);
    expect(preview.allowedMissing).toEqual([{ stage: 'fleet', group: 'ring-later' }]);
    expect(preview.warnings).toEqual([
      'stage canary reaches no things now',
      'stage early reaches no things now',
      'stage fleet reaches no things now',
    ]);
  });

  it('leaves counts out when the groups were only checked for existence', () => {
    const preview = previewPlan(
      three,
      facts({ 'ring-canary': 'unknown', 'ring-early': 'unknown', 'site-x': 'unknown', sites: 'unknown' }),
    );
    expect(preview.things).toBeUndefined();
    expect(preview.stages[0]).not.toHaveProperty('things');
    expect(preview.warnings).toEqual([]);
  });

  it('shows a documentSource as given', () => {
    const fromS3 = resolvePlan({ name: 'fw', documentSource: 's3://bucket/jobs/a.json', targets: ['g'] });
    expect(previewPlan(fromS3, facts({ g: [] })).document).toEqual({
      kind: 'source',
      source: 's3://bucket/jobs/a.json',
      limit: 32_768,
    });
  });
});

/** A registry that honours AWS's answers: unknown groups are not found; calls are counted. */
function registry(groups: Record<string, string[]>, options: { deleteOnList?: string } = {}) {
  const calls: string[] = [];
  const port: TargetGroups = {
    async groupExists(name) {
      calls.push(`describe:${name}`);
      return name in groups;
    },
    async thingsInGroup(name) {
      calls.push(`list:${name}`);
      if (name === options.deleteOnList || !(name in groups))
        throw new TargetGroupNotFoundError(`thing group ${name} does not exist`, [name]);
      return groups[name] ?? [];
    },
  };
  return { port, calls };
}

describe('preflightPlan', () => {
  const twoStages = plan([
    { name: 'canary', targets: ['ring-canary'] },
    { name: 'fleet', targets: ['ring-canary', 'ring-fleet'] },
  ]);

  it('looks each group up once; the API path does not list things', async () => {
    const { port, calls } = registry({ 'ring-canary': ['a'] });
    const preview = await preflightPlan(port, twoStages, { countThings: false });
    expect(calls).toEqual(['describe:ring-canary', 'describe:ring-fleet']);
    expect(() => assertTargetsExist(preview)).toThrow(TargetGroupNotFoundError);
    try {
      assertTargetsExist(preview);
    } catch (error) {
      expect((error as TargetGroupNotFoundError).message).toBe('target thing group(s) not found: ring-fleet');
      expect((error as TargetGroupNotFoundError).issues).toEqual(['stage fleet: ring-fleet']);
    }
  });

  it('counts things for the CLI, and treats a group deleted between the two calls as missing', async () => {
    const { port } = registry(
      { 'ring-canary': ['a', 'b'], 'ring-fleet': ['c'] },
      { deleteOnList: 'ring-fleet' },
    );
    const preview = await preflightPlan(port, twoStages, { countThings: true });
    expect(preview.stages.map((s) => s.things)).toEqual([2, 2]);
    expect(preview.missing).toEqual([{ stage: 'fleet', group: 'ring-fleet' }]);
  });

  it('passes a plan whose groups all exist', async () => {
    const { port } = registry({ 'ring-canary': ['a'], 'ring-fleet': ['b'] });
    const preview = await preflightPlan(port, twoStages, { countThings: true });
    expect(() => assertTargetsExist(preview)).not.toThrow();
    expect(preview.things).toBe(2);
  });
});
