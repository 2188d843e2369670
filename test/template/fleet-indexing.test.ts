import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnResource, type CfnTemplate, loadPackagedTemplate } from '../../local/template';

// Fleet indexing and bulk registration in the packaged template (`npm run package` first).
let template: CfnTemplate;
beforeAll(() => {
  template = loadPackagedTemplate();
});

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped; tests navigate it freely.
const props = (id: string) => (template.Resources[id]?.Properties ?? {}) as Record<string, any>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const list = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);
const statements = (roleId: string): Statement[] =>
  (props(roleId).Policies ?? []).flatMap(
    (p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement,
  );
const grantsOf = (roleId: string, action: string) =>
  statements(roleId).filter((s) => list(s.Action).includes(action));

describe('fleet indexing in the deployment', () => {
  it('turns indexing on through a custom resource served by its own function', () => {
    const resource = template.Resources.FleetIndexingConfiguration as CfnResource;
    expect(resource.Type).toBe('Custom::FleetIndexingConfiguration');
    expect(JSON.stringify(props('FleetIndexingConfiguration').ServiceToken)).toContain(
      'FleetIndexConfigLambdaFunction',
    );
    expect(
      grantsOf('FleetIndexConfigIamRoleLambdaExecution', 'iot:UpdateIndexingConfiguration'),
    ).toHaveLength(1);
  });

  it('lets the rollout create dynamic groups only tagged as its own, and delete only those', () => {
    const role = 'RolloutStepsIamRoleLambdaExecution';
    const tagged = { StringEquals: { 'aws:RequestTag/managedBy': 'fleet-autopilot' } };
    expect(grantsOf(role, 'iot:CreateDynamicThingGroup').map((s) => s.Condition)).toEqual([tagged]);
    // TagResource is also granted for the rollback group (test/template/rollback-iam.test.ts): always tagged.
    const tagging = grantsOf(role, 'iot:TagResource');
    expect(tagging.length).toBeGreaterThan(0);
    for (const s of tagging) expect(s.Condition).toEqual(tagged);
    expect(grantsOf(role, 'iot:DeleteDynamicThingGroup').map((s) => s.Condition)).toEqual([
      { StringEquals: { 'aws:ResourceTag/managedBy': 'fleet-autopilot' } },
    ]);
    // Nothing else in the stack can create, change or delete a thing group's query.
    for (const [id, r] of Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role')) {
      if (id === role) continue;
      const actions = (
        (r.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
      ).flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => list(s.Action)));
      expect(
        actions.filter((a) => /DynamicThingGroup/.test(a)),
        id,
      ).toEqual([]);
    }
  });
});

describe('bulk registration in the deployment', () => {
  it('keeps input files in a private, encrypted, TLS-only bucket that forgets them after a week', () => {
    const bucket = props('BulkRegistrationBucket');
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'AES256',
    });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.LifecycleConfiguration.Rules).toEqual([
      { Id: 'expire-inputs', Status: 'Enabled', Prefix: 'input/', ExpirationInDays: 7 },
    ]);
    const policy = props('BulkRegistrationBucketPolicy').PolicyDocument.Statement as Statement[];
    expect(policy).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });

  it('gives AWS IoT a role for this account only, that reads inputs and creates things, nothing more', () => {
    const role = props('BulkRegistrationRole');
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'iot.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    const granted = statements('BulkRegistrationRole').flatMap((s) =>
      list(s.Action).map((a) => `${a} ${JSON.stringify(s.Resource)}`),
    );
    // Fn::Sub placeholders, spelt without a template literal.
    const v = (name: string) => ['$', '{', name, '}'].join('');
    const iotArn = (type: string) =>
      `arn:${v('AWS::Partition')}:iot:${v('AWS::Region')}:${v('AWS::AccountId')}:${type}/*`;
    const sub = (text: string) => JSON.stringify([{ 'Fn::Sub': text }]);
    expect(granted).toEqual([
      `s3:GetObject ${sub(`${v('BulkRegistrationBucket.Arn')}/input/*`)}`,
      ...['iot:CreateThing', 'iot:UpdateThing', 'iot:DescribeThing'].map(
        (a) => `${a} ${sub(iotArn('thing'))}`,
      ),
      `iot:DescribeThingType ${sub(iotArn('thingtype'))}`,
    ]);
  });

  it('tells the operator where to upload and which role to pass (stack outputs)', () => {
    expect(template.Outputs).toMatchObject({
      BulkRegistrationBucketName: { Value: { Ref: 'BulkRegistrationBucket' } },
      BulkRegistrationRoleArn: { Value: { 'Fn::GetAtt': ['BulkRegistrationRole', 'Arn'] } },
    });
  });
});
