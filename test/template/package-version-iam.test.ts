import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnTemplate, loadPackagedTemplate, resourcesOfType } from '../../local/template';
import { ACCOUNT, matches, REGION, resolve, roleStatements, type Statement } from '../helpers/iam-eval';

// The IAM backing of the package version signal (issue 17) on the packaged template (`npm run package`
// first), evaluated with IAM's rules for the request: GetThingShadow of a named shadow authorizes
// `thing/<thing>/<shadow>` (AWS IoT Developer Guide, "AWS IoT Core action resources"); CreateJob
// authorizes the job, its targets and the package versions it installs (Software Package Catalog,
// "Preparing security"); GetPackageConfiguration has no resource type.
let template: CfnTemplate;
beforeAll(() => {
  template = loadPackagedTemplate();
});

const statements = (role: string): Statement[] => roleStatements(template, role);
const arn = (resource: string) => `arn:aws:iot:${REGION}:${ACCOUNT}:${resource}`;
const STEPS = 'RolloutStepsIamRoleLambdaExecution';
const API = 'RolloutApiIamRoleLambdaExecution';

/** Every resource the request authorizes must be allowed, by an unconditional statement. */
const allowed = (role: string, action: string, resources: string[]) =>
  resources.every((resource) =>
    statements(role).some(
      (s) =>
        s.Effect === 'Allow' &&
        s.Condition === undefined &&
        [s.Action].flat().includes(action) &&
        resolve(s.Resource).some((pattern) => matches(pattern, resource)),
    ),
  );

describe('IAM: the package version signal', () => {
  it("lets rollout-steps read a device's $package shadow", () => {
    expect(allowed(STEPS, 'iot:GetThingShadow', [arn('thing/pump-0042/$package')])).toBe(true);
  });

  it.each([
    ['the classic shadow', 'thing/pump-0042'],
    ['another named shadow', 'thing/pump-0042/config'],
    ['a shadow whose name only starts like it', 'thing/pump-0042/$packages'],
  ])('does not let it read %s', (_what, resource) => {
    expect(allowed(STEPS, 'iot:GetThingShadow', [arn(resource)])).toBe(false);
  });

  it('lets no other function read a shadow', () => {
    const readers = resourcesOfType(template, 'AWS::IAM::Role')
      .map(([id]) => id)
      .filter((id) => statements(id).some((s) => [s.Action].flat().includes('iot:GetThingShadow')));
    expect(readers).toEqual([STEPS]);
  });

  it('lets rollout-steps create a stage job that installs package versions: job, group and versions', () => {
    const request = [
      arn('job/fw-3-1-0badc0de-s0'),
      arn('thinggroup/ring-canary'),
      arn('package/fw/version/3.1.0'),
      arn('package/cfg/version/7'),
    ];
    expect(allowed(STEPS, 'iot:CreateJob', request)).toBe(true);
    expect(allowed(STEPS, 'iot:CreateJob', [arn('package/fw')])).toBe(false);
  });

  it("lets the API read the account's package configuration", () => {
    expect(allowed(API, 'iot:GetPackageConfiguration', ['*'])).toBe(true);
  });
});
