import { beforeAll, describe, expect, it } from 'vitest';
import { AccessControl } from '../../local/emulators/common/access-control';
import type { Caller } from '../../local/emulators/common/policy';
import { PrincipalDirectory, roleSession, servicePrincipal } from '../../local/emulators/common/principals';
import { localAttributes, resolveIntrinsics } from '../../local/runtime/resolve';
import {
  type CfnTemplate,
  loadPackagedTemplate,
  resourcePolicies,
  resourcesOfType,
  roleLogicalIds,
} from '../../local/template';
import { DETAIL_TYPES } from '../../shared/domain/rollout/job-event';

// The resource policies of the packaged template (`npm run package` first), resolved as the local
// stack resolves them and evaluated with its evaluator: who may put events on the bus and send to
// each queue. The same policies are what the local stack enforces (test/security/local-iam.test.ts).
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const names = { region: REGION, accountId: ACCOUNT, stackName: 'fleet-autopilot-dev', sqsUrl: 'http://sqs' };
const FUNCTIONS_ON_BUS = ['JobEventsBridge', 'RolloutApi', 'RolloutSteps', 'AlarmTunnel', 'TunnelApi'];

let template: CfnTemplate;
let access: AccessControl;
let resolve: (v: unknown) => unknown;
beforeAll(() => {
  template = loadPackagedTemplate();
  const attributes = localAttributes(template, names);
  resolve = (v) => resolveIntrinsics(v, attributes, names);
  access = new AccessControl(new PrincipalDirectory(ACCOUNT, roleLogicalIds(template)));
  for (const p of resourcePolicies(template, resolve)) {
    if (p.kind === 'event-bus') access.attach(busArn(p.busName), p.document);
    if (p.kind === 'queue') access.attach(queueArn(p.queue.split('/').pop() ?? ''), p.document);
  }
});

const busArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`;
const queueArn = (id: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
const BUS = () => busArn('fleet-autopilot-dev');
const fn = (name: string) => roleSession(`arn:aws:iam::${ACCOUNT}:role/${name}IamRoleLambdaExecution`);
const role = (id: string) => roleSession(`arn:aws:iam::${ACCOUNT}:role/${id}`);
const operator = (name: string): Caller => access.principals.callerFor(name);
const rule = (logicalId: string) =>
  servicePrincipal('events.amazonaws.com', String(resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] })));

const put = (caller: Caller, source: string, detailType: string) =>
  access.authorize({
    caller,
    action: 'events:PutEvents',
    resource: BUS(),
    keys: { 'events:source': source, 'events:detail-type': detailType, 'events:eventBusInvocation': 'false' },
  });
const send = (caller: Caller, queue: string) =>
  access.authorize({ caller, action: 'sqs:SendMessage', resource: queueArn(queue) });

describe('event bus policy', () => {
  it('refuses a forged job outcome from an operator (the red-team put-events), with an explicit deny', () => {
    const denial = put(operator('alice'), 'fleet-autopilot', DETAIL_TYPES.EXECUTION_TERMINAL);
    expect(denial?.message).toMatch(
      /user\/alice is not authorized to perform: events:PutEvents .* explicit deny/,
    );
    expect(put(operator('alice'), 'fleet-autopilot', 'RolloutHalted')).toBeDefined();
    expect(put(operator('alice'), 'my.app', 'Anything')).toBeDefined();
  });

  it("lets each function that publishes domain events put them, with the project's source only", () => {
    for (const f of FUNCTIONS_ON_BUS) {
      expect(put(fn(f), 'fleet-autopilot', 'RolloutStageStarted'), f).toBeUndefined();
      expect(put(fn(f), 'other.source', 'RolloutStageStarted'), f).toBeDefined();
    }
  });

  it('lets only the bridge put job lifecycle events, which the tracker acts on', () => {
    for (const detailType of Object.values(DETAIL_TYPES)) {
      expect(put(fn('JobEventsBridge'), 'fleet-autopilot', detailType), detailType).toBeUndefined();
      for (const f of FUNCTIONS_ON_BUS.filter((x) => x !== 'JobEventsBridge'))
        expect(put(fn(f), 'fleet-autopilot', detailType), `${f} ${detailType}`).toBeDefined();
    }
    const policy = resourcePolicies(template, resolve).find(
      (p) => p.id === 'EventBusPolicyJobEventsFromBridgeOnly',
    );
    const listed = JSON.stringify(policy?.document);
    for (const detailType of Object.values(DETAIL_TYPES)) expect(listed).toContain(`"${detailType}"`);
  });

  it('refuses the other roles of the stack too (the IoT rule roles, the state machine, assign-groups)', () => {
    for (const id of [
      'IotRuleRole',
      'JobEventsRuleRole',
      'StagedRolloutStateMachineRole',
      'AssignGroupsIamRoleLambdaExecution',
    ])
      expect(put(role(id), 'fleet-autopilot', 'RolloutHalted'), id).toBeDefined();
  });

  it('exempts exactly the roles granted events:PutEvents on the bus, so the two lists cannot drift', () => {
    const granted = resourcesOfType(template, 'AWS::IAM::Role')
      .filter(([, r]) => JSON.stringify(r.Properties?.Policies).includes('events:PutEvents'))
      .map(([id]) => id)
      .sort();
    const exempted = JSON.stringify(template.Resources.EventBusPolicyProjectRolesOnly?.Properties)
      .match(/"([A-Za-z]+IamRoleLambdaExecution)"/g)
      ?.map((s) => s.slice(1, -1))
      .sort();
    expect(exempted).toEqual(granted);
    expect(granted).toEqual(FUNCTIONS_ON_BUS.map((f) => `${f}IamRoleLambdaExecution`).sort());
  });

  it('declares only explicit denies on the bus, each an AWS::Events::EventBusPolicy statement', () => {
    const policies = resourcesOfType(template, 'AWS::Events::EventBusPolicy');
    expect(policies.length).toBe(3);
    for (const [id, p] of policies) {
      const statement = p.Properties?.Statement as { Effect: string; Action: string; Sid: string };
      expect(statement.Effect, id).toBe('Deny');
      expect(statement.Action, id).toBe('events:PutEvents');
      expect(statement.Sid, id).toBe(p.Properties?.StatementId);
    }
  });
});

describe('queue policies', () => {
  it('refuses an operator forging a registry event into the assignment queue (the red-team send-message)', () => {
    const denial = send(operator('alice'), 'AssignGroupsQueue');
    expect(denial?.message).toMatch(
      /user\/alice is not authorized to perform: sqs:SendMessage .* explicit deny/,
    );
  });

  it.each([
    ['AssignGroupsQueue', [role('IotRuleRole')]],
    ['IotRuleErrorsQueue', [role('IotRuleRole')]],
    ['JobEventsRuleErrorsQueue', [role('JobEventsRuleRole')]],
    ['RolloutTrackerDLQ', [fn('RolloutTracker')]],
    ['AlarmTunnelDLQ', [fn('AlarmTunnel')]],
    ['AssignGroupsDLQ', []],
  ])(
    '%s: only its senders may send; every other role of the stack and any operator are refused',
    (queue, senders) => {
      for (const sender of senders) expect(send(sender, queue)).toBeUndefined();
      const others = roleLogicalIds(template)
        .map(role)
        .filter((r) => !senders.some((s) => s.kind === 'iam' && r.kind === 'iam' && s.arn === r.arn));
      for (const other of [...others, operator('alice'), { kind: 'anonymous' } as const])
        expect(send(other, queue), JSON.stringify(other)).toBeDefined();
    },
  );

  it("lets EventBridge park events in a target DLQ for the queue's own rule only", () => {
    expect(send(rule('JobExecutionTrackingRule'), 'RolloutTrackerDLQ')).toBeUndefined();
    expect(send(rule('FleetautopilotdevalarmTunnelrule1EventBridgeRule'), 'AlarmTunnelDLQ')).toBeUndefined();
    expect(send(rule('JobExecutionTrackingRule'), 'AlarmTunnelDLQ')).toBeDefined();
    expect(send(rule('FleetautopilotdevalarmTunnelrule1EventBridgeRule'), 'AssignGroupsQueue')).toBeDefined();
  });

  it('gives every queue exactly one policy (a second QueuePolicy on a queue would replace the first)', () => {
    const queues = resourcesOfType(template, 'AWS::SQS::Queue').map(([id]) => id);
    const covered = resourcesOfType(template, 'AWS::SQS::QueuePolicy').flatMap(([, p]) =>
      ((p.Properties?.Queues ?? []) as { Ref: string }[]).map((q) => q.Ref),
    );
    expect(covered.sort()).toEqual(queues.sort());
  });

  it("exempts in each queue's deny exactly the roles whose identity policy sends to it", () => {
    for (const [, policy] of resourcesOfType(template, 'AWS::SQS::QueuePolicy')) {
      const queue = ((policy.Properties?.Queues ?? []) as { Ref: string }[])[0]?.Ref as string;
      const senders = resourcesOfType(template, 'AWS::IAM::Role')
        .filter(([, r]) =>
          (
            (r.Properties?.Policies ?? []) as {
              PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] };
            }[]
          )
            .flatMap((p) => p.PolicyDocument.Statement)
            .some(
              (s) =>
                [s.Action].flat().includes('sqs:SendMessage') &&
                JSON.stringify(s.Resource).includes(`"${queue}"`),
            ),
        )
        .map(([id]) => id);
      const denies = (
        (policy.Properties?.PolicyDocument ?? { Statement: [] }) as {
          Statement: { Effect: string; Condition?: unknown }[];
        }
      ).Statement.filter((s) => s.Effect === 'Deny');
      expect(denies.length, queue).toBe(1);
      const exempted = [
        ...JSON.stringify(denies[0]?.Condition).matchAll(/"Fn::GetAtt":\["([A-Za-z]+)","Arn"\]/g),
      ].map((m) => m[1]);
      expect(exempted.sort(), queue).toEqual(senders.sort());
    }
  });
});

describe('state machine role trust', () => {
  it('trusts Step Functions only for this state machine in this account (aws:SourceArn, aws:SourceAccount)', () => {
    const trust = template.Resources.StagedRolloutStateMachineRole?.Properties?.AssumeRolePolicyDocument as {
      Statement: { Principal: unknown; Action: string; Condition: Record<string, Record<string, unknown>> }[];
    };
    expect(trust.Statement).toHaveLength(1);
    const [statement] = trust.Statement;
    expect(statement?.Principal).toEqual({ Service: 'states.amazonaws.com' });
    expect(statement?.Condition.StringEquals?.['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    const sourceArn = resolve(statement?.Condition.ArnLike?.['aws:SourceArn']);
    const machine = resolve({ Ref: 'StagedRolloutStateMachine' });
    expect(sourceArn).toBe(machine);
    // The plugin's generated permissions are still there.
    expect(JSON.stringify(template.Resources.StagedRolloutStateMachineRole?.Properties?.Policies)).toContain(
      'lambda:InvokeFunction',
    );
  });

  it('conditions the trust of every role that a service assumes on the source account', () => {
    for (const [id, r] of resourcesOfType(template, 'AWS::IAM::Role')) {
      const trust = JSON.stringify(r.Properties?.AssumeRolePolicyDocument);
      if (trust.includes('lambda.amazonaws.com')) continue; // Lambda execution roles: no source to name
      expect(trust, id).toContain('aws:SourceAccount');
    }
  });
});

describe('group membership permissions', () => {
  type Statement = {
    Action: string[];
    Resource: unknown;
    Condition?: Record<string, Record<string, string>>;
  };
  const statements = () =>
    (
      (template.Resources.AssignGroupsIamRoleLambdaExecution?.Properties?.Policies ?? []) as {
        PolicyDocument: { Statement: Statement[] };
      }[]
    ).flatMap((p) => p.PolicyDocument.Statement);

  it('changes memberships only of thing groups tagged managedBy=fleet-autopilot', () => {
    const onGroups = statements().filter(
      (s) =>
        s.Action.includes('iot:AddThingToThingGroup') && JSON.stringify(s.Resource).includes(':thinggroup/'),
    );
    expect(onGroups).toHaveLength(1);
    expect(onGroups[0]?.Action.sort()).toEqual(['iot:AddThingToThingGroup', 'iot:RemoveThingFromThingGroup']);
    expect(onGroups[0]?.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/managedBy': 'fleet-autopilot' },
    });
    // The thing ARN (things carry no tags) is granted apart, never a thing group.
    for (const s of statements().filter((x) => x.Action.includes('iot:RemoveThingFromThingGroup')))
      if (!s.Condition) expect(JSON.stringify(s.Resource)).not.toContain(':thinggroup/');
  });

  it('creates only groups that carry the tag', () => {
    const create = statements().filter((s) => s.Action.includes('iot:CreateThingGroup'));
    expect(create).toHaveLength(1);
    expect(create[0]?.Action).toEqual(['iot:CreateThingGroup']);
    expect(create[0]?.Condition).toEqual({ StringEquals: { 'aws:RequestTag/managedBy': 'fleet-autopilot' } });
  });
});
