import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnTemplate, loadPackagedTemplate } from '../../local/template';

// The example IAM policies of docs/deploy.md (examples/iam/) against the packaged template
// (`node scripts/package.mjs` first) and the CLI's own AWS calls.
type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
};
type Policy = { Version: string; Statement: Statement[] };
const policy = (name: string) =>
  JSON.parse(readFileSync(`examples/iam/${name}-policy.json`, 'utf8')) as Policy;
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/** IAM's wildcard match: `*` any run of characters, `?` one. */
const matches = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  ).test(value);

/**
 * What CloudFormation calls, with the deployer's credentials, to create, update, read and delete each
 * resource type of the template (the resource handlers' permissions for the properties this template
 * uses). A type the template gains without an entry here fails the test: decide its permissions.
 */
const RESOURCE_ACTIONS: Record<string, string[]> = {
  'AWS::ApiGatewayV2::Api': ['apigateway:POST', 'apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE'],
  'AWS::ApiGatewayV2::Integration': [
    'apigateway:POST',
    'apigateway:GET',
    'apigateway:PATCH',
    'apigateway:DELETE',
  ],
  'AWS::ApiGatewayV2::Route': ['apigateway:POST', 'apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE'],
  'AWS::ApiGatewayV2::Stage': [
    'apigateway:POST',
    'apigateway:GET',
    'apigateway:PATCH',
    'apigateway:PUT',
    'apigateway:DELETE',
  ],
  'AWS::CloudWatch::Alarm': [
    'cloudwatch:PutMetricAlarm',
    'cloudwatch:DescribeAlarms',
    'cloudwatch:DeleteAlarms',
    'cloudwatch:ListTagsForResource',
  ],
  'AWS::DynamoDB::Table': [
    'dynamodb:CreateTable',
    'dynamodb:DescribeTable',
    'dynamodb:UpdateTable',
    'dynamodb:DeleteTable',
    'dynamodb:DescribeTimeToLive',
    'dynamodb:UpdateTimeToLive',
    'dynamodb:DescribeContinuousBackups',
    'dynamodb:UpdateContinuousBackups',
    'dynamodb:DescribeContributorInsights',
    'dynamodb:DescribeKinesisStreamingDestination',
    'dynamodb:ListTagsOfResource',
  ],
  'AWS::Events::Archive': [
    'events:CreateArchive',
    'events:DescribeArchive',
    'events:UpdateArchive',
    'events:DeleteArchive',
  ],
  'AWS::Events::EventBus': [
    'events:CreateEventBus',
    'events:DescribeEventBus',
    'events:DeleteEventBus',
    'events:ListTagsForResource',
  ],
  'AWS::Events::EventBusPolicy': [
    'events:PutPermission',
    'events:RemovePermission',
    'events:DescribeEventBus',
  ],
  'AWS::Events::Rule': [
    'events:PutRule',
    'events:DescribeRule',
    'events:DeleteRule',
    'events:PutTargets',
    'events:RemoveTargets',
    'events:ListTargetsByRule',
  ],
  'AWS::IAM::Role': [
    'iam:CreateRole',
    'iam:GetRole',
    'iam:UpdateAssumeRolePolicy',
    'iam:PutRolePolicy',
    'iam:GetRolePolicy',
    'iam:DeleteRolePolicy',
    'iam:ListRolePolicies',
    'iam:ListAttachedRolePolicies',
    'iam:DeleteRole',
  ],
  'AWS::IoT::TopicRule': [
    'iot:CreateTopicRule',
    'iot:GetTopicRule',
    'iot:ReplaceTopicRule',
    'iot:DeleteTopicRule',
    'iot:ListTagsForResource',
    'iam:PassRole',
  ],
  'AWS::Lambda::EventInvokeConfig': [
    'lambda:PutFunctionEventInvokeConfig',
    'lambda:GetFunctionEventInvokeConfig',
    'lambda:UpdateFunctionEventInvokeConfig',
    'lambda:DeleteFunctionEventInvokeConfig',
  ],
  'AWS::Lambda::EventSourceMapping': [
    'lambda:CreateEventSourceMapping',
    'lambda:GetEventSourceMapping',
    'lambda:UpdateEventSourceMapping',
    'lambda:DeleteEventSourceMapping',
  ],
  'AWS::Lambda::Function': [
    'lambda:CreateFunction',
    'lambda:GetFunction',
    'lambda:GetFunctionConfiguration',
    'lambda:UpdateFunctionCode',
    'lambda:UpdateFunctionConfiguration',
    'lambda:PutFunctionConcurrency',
    'lambda:DeleteFunctionConcurrency',
    'lambda:ListTags',
    'lambda:DeleteFunction',
    'iam:PassRole',
  ],
  'AWS::Lambda::Permission': ['lambda:AddPermission', 'lambda:GetPolicy', 'lambda:RemovePermission'],
  'AWS::Lambda::Version': ['lambda:PublishVersion', 'lambda:ListVersionsByFunction', 'lambda:DeleteFunction'],
  'AWS::Logs::LogGroup': [
    'logs:CreateLogGroup',
    'logs:DescribeLogGroups',
    'logs:PutRetentionPolicy',
    'logs:DeleteRetentionPolicy',
    'logs:ListTagsForResource',
    'logs:DeleteLogGroup',
  ],
  'AWS::S3::Bucket': [
    's3:CreateBucket',
    's3:PutEncryptionConfiguration',
    's3:GetEncryptionConfiguration',
    's3:GetBucketLocation',
    's3:DeleteBucket',
    // The bulk registration bucket's public access block and lifecycle rule.
    's3:PutBucketPublicAccessBlock',
    's3:GetBucketPublicAccessBlock',
    's3:PutLifecycleConfiguration',
    's3:GetLifecycleConfiguration',
  ],
  'AWS::S3::BucketPolicy': ['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy'],
  'AWS::SNS::Topic': [
    'sns:CreateTopic',
    'sns:GetTopicAttributes',
    'sns:SetTopicAttributes',
    'sns:ListTagsForResource',
    'sns:DeleteTopic',
  ],
  'AWS::SQS::Queue': [
    'sqs:CreateQueue',
    'sqs:GetQueueAttributes',
    'sqs:SetQueueAttributes',
    'sqs:GetQueueUrl',
    'sqs:ListQueueTags',
    'sqs:DeleteQueue',
  ],
  'AWS::SQS::QueuePolicy': ['sqs:SetQueueAttributes', 'sqs:GetQueueAttributes'],
  'AWS::StepFunctions::StateMachine': [
    'states:CreateStateMachine',
    'states:DescribeStateMachine',
    'states:UpdateStateMachine',
    'states:ListTagsForResource',
    'states:DeleteStateMachine',
    'iam:PassRole',
  ],
  // CloudFormation invokes the custom resource's function with the caller's credentials.
  'Custom::IotEventConfiguration': ['lambda:InvokeFunction'],
  'Custom::FleetIndexingConfiguration': ['lambda:InvokeFunction'],
};

/** osls's own calls (deploy, info, remove): the stack, its change sets, the artifacts in the bucket. */
const FRAMEWORK_ACTIONS = [
  'sts:GetCallerIdentity',
  'cloudformation:ValidateTemplate',
  'cloudformation:ListExports',
  'cloudformation:CreateStack',
  'cloudformation:UpdateStack',
  'cloudformation:DeleteStack',
  'cloudformation:DescribeStacks',
  'cloudformation:DescribeStackEvents',
  'cloudformation:DescribeStackResource',
  'cloudformation:DescribeStackResources',
  'cloudformation:ListStackResources',
  'cloudformation:GetTemplate',
  'cloudformation:CreateChangeSet',
  'cloudformation:DescribeChangeSet',
  'cloudformation:ExecuteChangeSet',
  'cloudformation:DeleteChangeSet',
  's3:ListBucket',
  's3:ListBucketVersions',
  's3:PutObject',
  's3:GetObject',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
];

/** Actions AWS authorizes on no resource type (or on one this stack cannot name before it exists). */
const UNSCOPED = new Set([
  'sts:GetCallerIdentity',
  'cloudformation:ValidateTemplate',
  'cloudformation:ListExports',
  'iot:ListJobs',
  // Scoped by the lambda:FunctionArn condition instead.
  'lambda:CreateEventSourceMapping',
  'lambda:GetEventSourceMapping',
  'lambda:UpdateEventSourceMapping',
  'lambda:DeleteEventSourceMapping',
]);

let template: CfnTemplate;
let types: Set<string>;
beforeAll(() => {
  template = loadPackagedTemplate();
  types = new Set(Object.values(template.Resources).map((r) => r.Type));
});

const allowed = (p: Policy) => p.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action));

describe('the deployer policy', () => {
  const deployer = policy('deployer');

  it('knows the permissions of every resource type in the packaged template', () => {
    const unknown = [...types].filter((t) => !(t in RESOURCE_ACTIONS));
    expect(
      unknown,
      'add their permissions to RESOURCE_ACTIONS and examples/iam/deployer-policy.json',
    ).toEqual([]);
  });

  it('allows every action those resource types and osls need', () => {
    const needed = new Set([...[...types].flatMap((t) => RESOURCE_ACTIONS[t] ?? []), ...FRAMEWORK_ACTIONS]);
    const granted = allowed(deployer);
    const missing = [...needed].filter((a) => !granted.some((g) => matches(g, a)));
    expect(missing).toEqual([]);
  });

  it('allows nothing beyond them: no wildcard actions, no action no resource type needs', () => {
    const needed = new Set([...[...types].flatMap((t) => RESOURCE_ACTIONS[t] ?? []), ...FRAMEWORK_ACTIONS]);
    const granted = allowed(deployer);
    expect(granted.filter((a) => a.includes('*'))).toEqual([]);
    expect(granted.filter((a) => !needed.has(a))).toEqual([]);
    expect(deployer.Statement.every((s) => s.Effect === 'Allow' && !('NotAction' in s))).toBe(true);
  });

  it('scopes every statement to the stage`s names, except where AWS offers no resource to scope', () => {
    for (const s of deployer.Statement) {
      for (const resource of list(s.Resource)) {
        if (resource === '*') {
          expect(
            list(s.Action).filter((a) => !UNSCOPED.has(a)),
            s.Sid,
          ).toEqual([]);
          continue;
        }
        const named = /fleet-autopilot-STAGE/.test(resource);
        const unnamed = /:rule\/\*$|:archive\/\*$|:log-group:\*$|apigateway:\*::\/apis/.test(resource);
        expect(named || unnamed, `${s.Sid}: ${resource}`).toBe(true);
      }
    }
  });

  it('passes roles only to the services that assume them', () => {
    const pass = deployer.Statement.filter((s) => list(s.Action).includes('iam:PassRole'));
    expect(pass).toHaveLength(1);
    const services = new Set(
      Object.values(template.Resources)
        .filter((r) => r.Type === 'AWS::IAM::Role')
        .flatMap((r) => {
          const trust = (r.Properties?.AssumeRolePolicyDocument ?? {}) as {
            Statement?: { Principal?: { Service?: unknown } }[];
          };
          return (trust.Statement ?? []).flatMap((t) => list((t.Principal?.Service ?? []) as string[]));
        })
        .map((service) => (typeof service === 'string' ? service : 'states.amazonaws.com')),
    );
    expect(new Set(list(pass[0]?.Condition?.StringEquals?.['iam:PassedToService'] ?? []))).toEqual(services);
  });

  it('fits in one managed policy (6,144 characters without whitespace), even for a long stage name', () => {
    const text = JSON.stringify(deployer).replaceAll('STAGE', 'production-eu');
    expect(text.length).toBeLessThanOrEqual(6144);
  });
});

/** `POST /rollouts/{id}/approve` as the route ARN suffix IAM matches: `POST/rollouts/* /approve`. */
const routeArn = (routeKey: string) => routeKey.replace(' /', '/').replace(/\{[^}]+\}/g, '*');
const routesOf = (p: Policy) =>
  p.Statement.filter((s) => list(s.Action).includes('execute-api:Invoke')).flatMap((s) =>
    list(s.Resource).map((r) => r.replace(/^arn:aws:execute-api:REGION:ACCOUNT_ID:API_ID\/\$default\//, '')),
  );

describe('the operator, approver and enroller policies', () => {
  const operator = policy('operator');
  const approver = policy('approver');
  const enroller = policy('enroller');
  const templateRoutes = () =>
    Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => routeArn(String(r.Properties?.RouteKey)));

  it('name only routes the HTTP API has, each as a $default route ARN of the stage`s API', () => {
    for (const p of [operator, approver, enroller]) {
      for (const r of routesOf(p)) expect(templateRoutes()).toContain(r);
      for (const s of p.Statement.filter((x) => list(x.Action).includes('execute-api:Invoke')))
        for (const r of list(s.Resource))
          expect(r).toMatch(/^arn:aws:execute-api:REGION:ACCOUNT_ID:API_ID\/\$default\//);
    }
  });

  it('split the duties: approvers decide approvals and read; enrollers manage tunnel enrolments only; operators do the rest, but neither approve nor enrol', () => {
    expect(routesOf(approver).sort()).toEqual([
      'GET/rollouts',
      'GET/rollouts/*',
      'POST/rollouts/*/approve',
      'POST/rollouts/*/reject',
    ]);
    expect(routesOf(operator).filter((r) => /approve|reject|enrolments/.test(r))).toEqual([]);
    expect(routesOf(enroller).every((r) => /\/tunnels\/enrolments/.test(r))).toBe(true);
    const covered = new Set([...routesOf(operator), ...routesOf(approver), ...routesOf(enroller)]);
    expect(templateRoutes().filter((r) => !covered.has(r))).toEqual([]);
  });

  it('never let a person read the state table`s tokens: only THING# items, only GetItem', () => {
    for (const p of [operator, approver, enroller]) {
      for (const s of p.Statement.filter((x) => list(x.Resource).some((r) => r.includes('StateTable')))) {
        expect(list(s.Action)).toEqual(['dynamodb:GetItem']);
        expect(s.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['THING#*'] } });
      }
    }
    expect(allowed(approver).filter((a) => a.startsWith('iot:'))).toEqual([]);
  });

  it('allow every AWS call the fleet CLI makes directly (outside the API)', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const full = path.join(dir, f);
        return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
      });
    const cli = sources('cli')
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const commands = new Set([...cli.matchAll(/new (\w+)Command\(/g)].map((m) => m[1]));
    // The rollout preview goes through the rollout adapter: DescribeThingGroup, ListThingsInThingGroup;
    // query stages and `things search` through the fleet index adapter.
    for (const viaAdapter of [
      'DescribeThingGroup',
      'ListThingsInThingGroup',
      'GetIndexingConfiguration',
      'GetStatistics',
      'SearchIndex',
    ])
      commands.add(viaAdapter);
    const S3 = new Set(['PutObject']);
    const action = (c: string) =>
      c === 'Query'
        ? 'dynamodb:Query'
        : c === 'Get'
          ? 'dynamodb:GetItem'
          : S3.has(c)
            ? `s3:${c}`
            : `iot:${c}`;
    const granted = allowed(operator);
    const missing = [...commands].map((c) => action(c ?? '')).filter((a) => !granted.includes(a));
    expect(commands.size).toBeGreaterThan(8);
    expect(missing).toEqual([]);
  });
});
