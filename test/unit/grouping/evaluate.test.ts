import { describe, expect, it } from 'vitest';
import { compileRules } from '../../../shared/domain/grouping/compile-rules';
import { evaluateRules, targetsOf } from '../../../shared/domain/grouping/evaluate';
import { planMembership } from '../../../shared/domain/grouping/plan';
import { ringBucket } from '../../../shared/domain/grouping/ring';

const rules = compileRules({
  version: 1,
  rules: [
    { name: 'site', parents: ['sites', 'sites-{region}'], group: 'site-{region}-{site}' },
    { name: 'model', when: { thingTypes: ['sensor'] }, group: 'model-{model}' },
    { name: 'prod', when: { attributes: { env: ['prod', 'production'] } }, group: 'env-prod' },
    {
      name: 'rings',
      parents: ['rings'],
      rings: [
        { group: 'ring-canary', percent: 1 },
        { group: 'ring-early', percent: 10 },
      ],
    },
  ],
});

/** Finds a thing name whose ring bucket satisfies a predicate, so tests do not depend on luck. */
function nameWithBucket(predicate: (bucket: number) => boolean): string {
  for (let i = 0; ; i++) if (predicate(ringBucket(`t-${i}`, 'fleet-autopilot-rings'))) return `t-${i}`;
}

describe('evaluateRules()', () => {
  it('puts a thing in its groups with parent chains, root first (the README example)', () => {
    const thingName = nameWithBucket((b) => b < 100);
    const outcomes = evaluateRules(rules, {
      thingName,
      thingType: 'sensor',
      attributes: { region: 'EU West 1', site: 'Plant-7', model: 'TH200', env: 'prod' },
    });
    expect(targetsOf(outcomes)).toEqual([
      { rule: 'site', group: 'site-eu-west-1-plant-7', parents: ['sites', 'sites-eu-west-1'] },
      { rule: 'model', group: 'model-th200', parents: [] },
      { rule: 'prod', group: 'env-prod', parents: [] },
      { rule: 'rings', group: 'ring-canary', parents: ['rings'] },
    ]);
  });

  it('explains rules that do not match or cannot apply', () => {
    const thingName = nameWithBucket((b) => b >= 1100);
    const outcomes = evaluateRules(rules, {
      thingName,
      thingType: 'gateway',
      attributes: { region: 'eu', site: '???' },
    });
    expect(outcomes).toEqual([
      { rule: 'site', outcome: 'not-applied', reason: 'unusable value for {site}' },
      { rule: 'model', outcome: 'not-matched', reason: 'thing type gateway not in [sensor]' },
      { rule: 'prod', outcome: 'not-matched', reason: 'attribute env=(missing) not in [prod, production]' },
      { rule: 'rings', outcome: 'not-matched', reason: 'outside every ring' },
    ]);
    expect(targetsOf(outcomes)).toEqual([]);
  });

  it('does not apply a rule whose name would exceed 128 characters', () => {
    const outcomes = evaluateRules(rules, {
      thingName: 'x',
      attributes: { region: 'r', site: 'a'.repeat(130) },
    });
    expect(outcomes[0]).toEqual({
      rule: 'site',
      outcome: 'not-applied',
      reason: 'group name longer than 128 characters',
    });
  });
});

describe('planMembership()', () => {
  it('joins new groups and leaves managed groups the thing no longer matches', () => {
    const plan = planMembership(
      ['site-eu-a', 'model-x'],
      [
        { rule: 'site', group: 'site-eu-b', parents: ['sites'] },
        { rule: 'model', group: 'model-x', parents: [] },
      ],
    );
    expect(plan).toEqual({
      add: [{ rule: 'site', group: 'site-eu-b', parents: ['sites'] }],
      remove: ['site-eu-a'],
    });
  });

  it('changes nothing when the groups are already right', () => {
    expect(planMembership(['g'], [{ rule: 'r', group: 'g', parents: [] }])).toEqual({ add: [], remove: [] });
  });
});

describe('reserved group names', () => {
  it.each(['fleet-autopilot-rollback-fw-1-a1b2c3d4', 'Fleet-Autopilot-x'])(
    'never renders %s, a name the rollouts keep for their own groups',
    (value) => {
      const open = compileRules({ version: 1, lowerCase: false, rules: [{ name: 'raw', group: '{team}' }] });
      const [outcome] = evaluateRules(open, { thingName: 't-1', attributes: { team: value } });
      expect(outcome).toMatchObject({
        rule: 'raw',
        outcome: 'not-applied',
        reason: expect.stringContaining('fleet-autopilot-'),
      });
    },
  );
});
