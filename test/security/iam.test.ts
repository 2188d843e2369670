import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnTemplate, loadPackagedTemplate, resourcesOfType } from '../../local/template';

// Least privilege over the packaged template (`node scripts/package.mjs` first): each function role
// holds exactly the actions its code calls, on the project's own resources wherever AWS allows.
let template: CfnTemplate;
beforeAll(() => {
  template = loadPackagedTemplate();
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const IOT = (type: string, prefix = '') => `iot:${type}/${prefix}*`;
const ROLLBACK_GROUPS = IOT('thinggroup', 'fleet-autopilot-rollback-');
/** The reserved named shadow of every thing, and every package version (Software Package Catalog). */
const PACKAGE_SHADOWS = 'iot:thing/*/$package';
const PACKAGE_VERSIONS = 'iot:package/*/version/*';
const ALARMS = 'cloudwatch:alarm:*';
const AUDIT = 'AuditTable';
const STATE = 'StateTable';
const TOKENS = 'TaskTokensTable';
const ITEM_RW = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/** `action@resource` per role; resources by logical id, `iot:<type>/*`, the state machine, or `*`. */
const EXPECTED: Record<string, string[]> = {
  AssignGroups: [
    ...['CreateThingGroup', 'DescribeThingGroup'].map((a) => `iot:${a}@${IOT('thinggroup')}`),
    ...['AddThingToThingGroup', 'RemoveThingFromThingGroup'].flatMap((a) => [
      `iot:${a}@${IOT('thinggroup')}`,
      `iot:${a}@${IOT('thing')}`,
    ]),
    `iot:ListThingGroupsForThing@${IOT('thing')}`,
    `dynamodb:PutItem@${AUDIT}`,
    // The thing's record is updated in place; nothing is put or deleted.
    ...['dynamodb:GetItem', 'dynamodb:UpdateItem'].map((a) => `${a}@${STATE}`),
    ...['ChangeMessageVisibility', 'ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes'].map(
      (a) => `sqs:${a}@AssignGroupsQueue`,
    ),
  ],
  IotEventConfig: ['iot:DescribeEventConfigurations@*', 'iot:UpdateEventConfigurations@*'],
  FleetIndexConfig: ['iot:GetIndexingConfiguration@*', 'iot:UpdateIndexingConfiguration@*'],
  RolloutApi: [
    `dynamodb:PutItem@${AUDIT}`,
    ...[...ITEM_RW, 'dynamodb:Query', 'dynamodb:BatchGetItem'].map((a) => `${a}@${STATE}`),
    // Task tokens: claimed (DeleteItem returning the token), never read or listed.
    `dynamodb:DeleteItem@${TOKENS}`,
    ...['StartExecution', 'SendTaskSuccess', 'SendTaskFailure'].map(
      (a) => `states:${a}@StagedRolloutStateMachine`,
    ),
    'events:PutEvents@EventBus',
    `iot:DescribeThingGroup@${IOT('thinggroup')}`,
    'iot:GetIndexingConfiguration@*',
    // A plan that checks package versions: is VersionUpdateByJobsConfig on?
    'iot:GetPackageConfiguration@*',
    // A resume waits for a failed rollback's job to stop running.
    `iot:DescribeJob@${IOT('job')}`,
  ],
  RolloutSteps: [
    `iot:CreateJob@${IOT('job')}`,
    `iot:CreateJob@${IOT('thinggroup')}`,
    `iot:CreateJob@${PACKAGE_VERSIONS}`,
    `iot:CancelJob@${IOT('job')}`,
    `iot:DescribeJob@${IOT('job')}`,
    `iot:ListJobExecutionsForJob@${IOT('job')}`,
    `iot:ListThingsInThingGroup@${IOT('thinggroup')}`,
    // Query stages: their dynamic group (tag conditions: test/template/fleet-indexing.test.ts).
    ...['DescribeThingGroup', 'CreateDynamicThingGroup', 'TagResource', 'DeleteDynamicThingGroup'].map(
      (a) => `iot:${a}@${IOT('thinggroup')}`,
    ),
    'iot:GetIndexingConfiguration@*',
    // Health-gated stages: a suspect confirmed on its execution, the plan's alarms, presence histories.
    `iot:DescribeJobExecution@${IOT('job')}`,
    `iot:DescribeJobExecution@${IOT('thing')}`,
    `cloudwatch:DescribeAlarms@${ALARMS}`,
    // ... and a success's $package shadow, that shadow only (test/template/package-version-iam.test.ts).
    `iot:GetThingShadow@${PACKAGE_SHADOWS}`,
    // A rollback's static group (tag conditions: test/template/rollback-iam.test.ts).
    ...['CreateThingGroup', 'TagResource', 'AddThingToThingGroup'].map((a) => `iot:${a}@${ROLLBACK_GROUPS}`),
    `iot:AddThingToThingGroup@${IOT('thing')}`,
    `dynamodb:PutItem@${AUDIT}`,
    ...[...ITEM_RW, 'dynamodb:Query', 'dynamodb:BatchGetItem'].map((a) => `${a}@${STATE}`),
    `dynamodb:PutItem@${TOKENS}`,
    `dynamodb:DeleteItem@${TOKENS}`,
    ...['SendTaskSuccess', 'SendTaskFailure'].map((a) => `states:${a}@StagedRolloutStateMachine`),
    'events:PutEvents@EventBus',
    'sns:Publish@OperatorTopic',
  ],
  JobEventsBridge: ['events:PutEvents@EventBus', `dynamodb:PutItem@${AUDIT}`],
  RolloutTracker: [
    `dynamodb:PutItem@${AUDIT}`,
    // BatchGetItem: the presence history of a device whose success starts a reconnect window.
    ...[...ITEM_RW, 'dynamodb:BatchGetItem'].map((a) => `${a}@${STATE}`),
    `dynamodb:DeleteItem@${TOKENS}`,
    'states:SendTaskSuccess@StagedRolloutStateMachine',
    `iot:DescribeJob@${IOT('job')}`,
    `iot:ListJobExecutionsForJob@${IOT('job')}`,
    'sqs:SendMessage@RolloutTrackerDLQ',
  ],
  PresenceTracker: [
    `dynamodb:PutItem@${AUDIT}`,
    ...[...ITEM_RW, 'dynamodb:Query'].map((a) => `${a}@${STATE}`),
    // The SQS event source's own actions (the consumer never changes a message's visibility).
    ...['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes'].map((a) => `sqs:${a}@PresenceQueue`),
  ],
  AlarmTunnel: [
    ...['OpenTunnel', 'ListTunnels'].flatMap((a) => [
      `iot:${a}@${IOT('tunnel')}`,
      `iot:${a}@${IOT('thing')}`,
    ]),
    ...['TagResource', 'CloseTunnel', 'DescribeTunnel'].map((a) => `iot:${a}@${IOT('tunnel')}`),
    ...['DescribeThing', 'ListThingGroupsForThing'].map((a) => `iot:${a}@${IOT('thing')}`),
    `cloudwatch:DescribeAlarms@${ALARMS}`,
    `dynamodb:PutItem@${AUDIT}`,
    ...ITEM_RW.map((a) => `${a}@${STATE}`),
    'events:PutEvents@EventBus',
    'sns:Publish@OperatorTopic',
    'sqs:SendMessage@AlarmTunnelDLQ',
  ],
  TunnelApi: [
    ...['DescribeTunnel', 'RotateTunnelAccessToken', 'CloseTunnel'].map((a) => `iot:${a}@${IOT('tunnel')}`),
    ...['DescribeThing', 'ListThingGroupsForThing'].map((a) => `iot:${a}@${IOT('thing')}`),
    ...['DescribeAlarms', 'ListTagsForResource'].map((a) => `cloudwatch:${a}@${ALARMS}`),
    `dynamodb:PutItem@${AUDIT}`,
    ...[...ITEM_RW, 'dynamodb:BatchGetItem', 'dynamodb:Query'].map((a) => `${a}@${STATE}`),
    'events:PutEvents@EventBus',
  ],
};

/** Every role also gets its own log group and X-Ray (which has no resource type: AWS allows only `*`). */
const COMMON = ['xray:PutTraceSegments@*', 'xray:PutTelemetryRecords@*'];
const LOGS = ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents'];

function resourceKey(resource: unknown): string {
  if (resource === '*') return '*';
  const r = resource as Record<string, unknown>;
  if (r['Fn::GetAtt']) return (r['Fn::GetAtt'] as string[])[0] as string;
  if (r.Ref) return r.Ref as string;
  const sub = String(r['Fn::Sub']);
  const iot = /:iot:\$\{AWS::Region\}:\$\{AWS::AccountId\}:([a-z]+)\/([a-z-]*)\*$/.exec(sub);
  if (iot) return IOT(iot[1] as string, iot[2]);
  if (/:iot:\$\{AWS::Region\}:\$\{AWS::AccountId\}:thing\/\*\/\$package$/.test(sub)) return PACKAGE_SHADOWS;
  if (/:iot:\$\{AWS::Region\}:\$\{AWS::AccountId\}:package\/\*\/version\/\*$/.test(sub))
    return PACKAGE_VERSIONS;
  if (/:cloudwatch:\$\{AWS::Region\}:\$\{AWS::AccountId\}:alarm:\*$/.test(sub)) return ALARMS;
  if (/:stateMachine:fleet-autopilot-[a-z0-9-]+-staged-rollout$/.test(sub))
    return 'StagedRolloutStateMachine';
  if (
    /:dynamodb:\$\{AWS::Region\}:\$\{AWS::AccountId\}:table\/fleet-autopilot-[a-z0-9-]+-task-tokens$/.test(
      sub,
    )
  )
    return TOKENS;
  if (/:log-group:\/aws\/lambda\/fleet-autopilot-/.test(sub)) return `logs:${sub.split('/').at(-1)}`;
  return `unscoped:${sub}`;
}

function grants(roleId: string): string[] {
  const role = template.Resources[roleId];
  const policies = (role?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((p) =>
    p.PolicyDocument.Statement.flatMap((s) => {
      expect(s.Effect, roleId).toBe('Allow');
      return [s.Action].flat().flatMap((a) => [s.Resource].flat().map((r) => `${a}@${resourceKey(r)}`));
    }),
  );
}

describe('IAM: least privilege per function', () => {
  it.each(Object.keys(EXPECTED))('%s has exactly the actions its code calls, on scoped resources', (fn) => {
    const all = grants(`${fn}IamRoleLambdaExecution`);
    const logs = all.filter((g) => g.startsWith('logs:'));
    for (const g of logs) {
      expect(LOGS).toContain(g.split('@')[0]);
      expect(g.toLowerCase()).toContain(`fleet-autopilot-dev-${fn.toLowerCase()}`);
    }
    const rest = all.filter((g) => !g.startsWith('logs:'));
    expect(new Set(rest)).toEqual(new Set([...(EXPECTED[fn] ?? []), ...COMMON]));
  });

  it('gives every function its own role, and deploys no framework default role', () => {
    expect(Object.keys(template.Resources ?? {})).not.toContain('IamRoleLambdaExecution');
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id.replace('LambdaFunction', '')).sort()).toEqual(
      Object.keys(EXPECTED).sort(),
    );
    for (const [id, fn] of functions) {
      expect(JSON.stringify(fn.Properties?.Role), id).toContain(
        `${id.replace('LambdaFunction', '')}IamRoleLambdaExecution`,
      );
    }
  });

  it('lets no role update, delete or batch-write audit records', () => {
    for (const [roleId] of resourcesOfType(template, 'AWS::IAM::Role')) {
      for (const g of grants(roleId)) {
        const [action, resource] = g.split('@');
        if (resource === AUDIT || (resource === '*' && action?.startsWith('dynamodb:'))) {
          expect(action, `${roleId}: ${g}`).toBe('dynamodb:PutItem');
        }
      }
    }
  });

  it('gives the audit table no stream, so no stream consumer can act on its records', () => {
    expect(template.Resources[AUDIT]?.Properties?.StreamSpecification).toBeUndefined();
    for (const [id, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
      expect(JSON.stringify(mapping.Properties?.EventSourceArn), id).not.toContain(AUDIT);
    }
  });

  it('requires AWS_IAM on every HTTP API route', () => {
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route');
    expect(routes.length).toBe(15);
    for (const [id, route] of routes) expect(route.Properties?.AuthorizationType, id).toBe('AWS_IAM');
  });

  it('parks events the tracker fails on in its DLQ (Lambda on-failure destination)', () => {
    const config = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(([, c]) =>
      JSON.stringify(c.Properties?.FunctionName).includes('RolloutTrackerLambdaFunction'),
    );
    expect(JSON.stringify(config?.[1].Properties?.DestinationConfig)).toContain('RolloutTrackerDLQ');
  });
});
