import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnTemplate, loadPackagedTemplate } from '../../local/template';
import {
  ACCOUNT,
  type Statement as BaseStatement,
  matches,
  REGION,
  resolve,
  roleStatements,
} from '../helpers/iam-eval';

// The IAM backing of a rollback (issue 17) on the packaged template (`npm run package` first): the
// rollout-steps role creates only rollback groups, only tagged managedBy=fleet-autopilot, and adds
// things only to a rollback group that carries the tag. Evaluated with IAM's rules for the request
// (service authorization reference for AWS IoT: CreateThingGroup and TagResource authorize the
// thinggroup with aws:RequestTag; AddThingToThingGroup authorizes the thinggroup, with its
// aws:ResourceTag, and the thing, which has no tags: every resource must be allowed).
let template: CfnTemplate;
beforeAll(() => {
  template = loadPackagedTemplate();
});

type Condition = Record<string, Record<string, string | string[]>>;
type Statement = Omit<BaseStatement, 'Condition'> & { Condition?: Condition };
const ROLE = 'RolloutStepsIamRoleLambdaExecution';
const arn = (type: string, name: string) => `arn:aws:iot:${REGION}:${ACCOUNT}:${type}/${name}`;
const ROLLBACK_GROUP = arn('thinggroup', 'fleet-autopilot-rollback-fw-2-4-1a2b3c4d');
const MANAGED = { 'aws:ResourceTag/managedBy': 'fleet-autopilot' };
const TAGGING = { 'aws:RequestTag/managedBy': 'fleet-autopilot' };

/** StringEquals only (what these statements use): a missing key fails it. */
function holds(condition: Condition | undefined, context: Record<string, string | undefined>): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) => {
    if (operator !== 'StringEquals') throw new Error(`operator ${operator} is not evaluated by this test`);
    return Object.entries(keys).every(([key, wanted]) => {
      const value = context[key];
      return value !== undefined && [wanted].flat().includes(value);
    });
  });
}

const statements = (): Statement[] => roleStatements(template, ROLE) as Statement[];

/** Each resource the request authorizes, with the context IAM evaluates for it. */
type Resource = { arn: string; context?: Record<string, string | undefined> };

function allowed(action: string, resources: Resource[]): boolean {
  return resources.every((resource) =>
    statements().some(
      (s) =>
        s.Effect === 'Allow' &&
        [s.Action].flat().includes(action) &&
        resolve(s.Resource).some((pattern) => matches(pattern, resource.arn)) &&
        holds(s.Condition, resource.context ?? {}),
    ),
  );
}

const addThing = (group: string, groupTags: Record<string, string>) =>
  allowed('iot:AddThingToThingGroup', [
    { arn: group, context: groupTags },
    { arn: arn('thing', 'pump-0042') },
  ]);

describe('IAM: the rollback group', () => {
  it('is created only with the managedBy tag, and only under the rollback name prefix', () => {
    expect(allowed('iot:CreateThingGroup', [{ arn: ROLLBACK_GROUP, context: TAGGING }])).toBe(true);
    expect(allowed('iot:TagResource', [{ arn: ROLLBACK_GROUP, context: TAGGING }])).toBe(true);
    expect(allowed('iot:CreateThingGroup', [{ arn: ROLLBACK_GROUP }])).toBe(false);
    expect(
      allowed('iot:CreateThingGroup', [
        { arn: ROLLBACK_GROUP, context: { 'aws:RequestTag/managedBy': 'me' } },
      ]),
    ).toBe(false);
    expect(allowed('iot:TagResource', [{ arn: ROLLBACK_GROUP }])).toBe(false);
    expect(
      allowed('iot:CreateThingGroup', [{ arn: arn('thinggroup', 'ring-canary'), context: TAGGING }]),
    ).toBe(false);
  });

  it('takes things only when it carries the tag, and no other group does', () => {
    expect(addThing(ROLLBACK_GROUP, MANAGED)).toBe(true);
    expect(addThing(ROLLBACK_GROUP, {})).toBe(false);
    expect(addThing(ROLLBACK_GROUP, { 'aws:ResourceTag/managedBy': 'someone-else' })).toBe(false);
    // A group the grouping rules manage (tagged too) or an operator's group: out of the rollout's reach.
    expect(addThing(arn('thinggroup', 'site-eu-west-1-plant-7'), MANAGED)).toBe(false);
    expect(addThing(arn('thinggroup', 'ring-canary'), {})).toBe(false);
    // The rollout never takes things out of a group, and never deletes a static one.
    for (const action of ['iot:RemoveThingFromThingGroup', 'iot:DeleteThingGroup', 'iot:UpdateThingGroup'])
      expect(allowed(action, [{ arn: ROLLBACK_GROUP, context: MANAGED }]), action).toBe(false);
  });

  it('grants AddThingToThingGroup on a thinggroup only with the tag condition, and the thing alone without', () => {
    const grants = statements().filter((s) => [s.Action].flat().includes('iot:AddThingToThingGroup'));
    expect(grants.length).toBeGreaterThan(0);
    for (const s of grants) {
      const resources = resolve(s.Resource);
      if (resources.some((r) => r.includes(':thinggroup/')))
        expect(s.Condition).toEqual({ StringEquals: MANAGED });
      else expect(resources).toEqual([arn('thing', '*')]);
    }
  });

  it('lets the rollback job target the rollback group', () => {
    expect(
      allowed('iot:CreateJob', [{ arn: arn('job', 'fw-2-4-1a2b3c4d-rb0') }, { arn: ROLLBACK_GROUP }]),
    ).toBe(true);
  });
});
