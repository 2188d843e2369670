import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CfnResource,
  type CfnTemplate,
  loadPackagedTemplate,
  resourcesOfType,
} from '../../local/template';

// Checks the CloudFormation template `sls package` produced (npm test packages first).
let template: CfnTemplate;
beforeAll(() => {
  template = loadPackagedTemplate();
});

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped; tests navigate it freely.
const props = (r: CfnResource | undefined) => (r?.Properties ?? {}) as Record<string, any>;
const resource = (id: string) => {
  const r = template.Resources[id];
  if (!r) throw new Error(`resource ${id} missing from the template`);
  return r;
};
const refersTo = (value: unknown, logicalId: string) => JSON.stringify(value).includes(`"${logicalId}"`);

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function statementsByRole(): [string, Statement[]][] {
  return resourcesOfType(template, 'AWS::IAM::Role').map(([id, role]) => [
    id,
    ((props(role).Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    ),
  ]);
}

/** Actions AWS offers no resource-level permissions for, with the reason, so `*` is the only choice. */
const UNSCOPABLE_ACTIONS: Record<string, string> = {
  'xray:PutTraceSegments': 'X-Ray trace writes have no resource type',
  'xray:PutTelemetryRecords': 'X-Ray telemetry writes have no resource type',
  'iot:DescribeEventConfigurations': 'account-wide IoT setting, no resource type',
  'iot:UpdateEventConfigurations': 'account-wide IoT setting, no resource type',
  'iot:GetIndexingConfiguration': 'account-wide fleet indexing setting, no resource type',
  'iot:UpdateIndexingConfiguration': 'account-wide fleet indexing setting, no resource type',
  'iot:GetPackageConfiguration': 'account-wide Software Package Catalog setting, no resource type',
};

describe('packaged template: wiring', () => {
  it('routes registry events through an IoT rule into the SQS buffer, with an error action', () => {
    const rules = resourcesOfType(template, 'AWS::IoT::TopicRule');
    const registry = rules.find(([, r]) => props(r).TopicRulePayload.Sql.includes("'$aws/events/thing/+/+'"));
    expect(registry).toBeDefined();
    const payload = props(registry?.[1]).TopicRulePayload;
    expect(payload.AwsIotSqlVersion).toBe('2016-03-23');
    expect(refersTo(payload.Actions, 'AssignGroupsQueue')).toBe(true);
    expect(refersTo(payload.ErrorAction, 'IotRuleErrorsQueue')).toBe(true);
  });

  it('every IoT rule has an error action, so a failed delivery is never silently dropped', () => {
    for (const [id, rule] of resourcesOfType(template, 'AWS::IoT::TopicRule')) {
      expect(props(rule).TopicRulePayload.ErrorAction, id).toBeDefined();
    }
  });

  it('parks records that keep failing in a DLQ that has an alarm notifying operators', () => {
    const redrive = props(resource('AssignGroupsQueue')).RedrivePolicy;
    expect(refersTo(redrive.deadLetterTargetArn, 'AssignGroupsDLQ')).toBe(true);
    expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(3);
    const alarm = resourcesOfType(template, 'AWS::CloudWatch::Alarm').find(([, a]) =>
      refersTo(props(a).Dimensions, 'AssignGroupsDLQ'),
    );
    expect(alarm).toBeDefined();
    expect(refersTo(props(alarm?.[1]).AlarmActions, 'OperatorTopic')).toBe(true);
  });

  it('consumes the buffer with partial batch responses and a concurrency cap', () => {
    const mapping = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').find(([, m]) =>
      refersTo(props(m).EventSourceArn, 'AssignGroupsQueue'),
    );
    expect(props(mapping?.[1]).FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(props(mapping?.[1]).ScalingConfig.MaximumConcurrency).toBeLessThanOrEqual(10);
    expect(props(resource('AssignGroupsLambdaFunction')).ReservedConcurrentExecutions).toBeLessThanOrEqual(
      10,
    );
    // The containers split the membership quota by the same concurrency that caps them.
    const env = props(resource('AssignGroupsLambdaFunction')).Environment.Variables;
    expect(Number(env.MAX_CONCURRENCY)).toBe(props(mapping?.[1]).ScalingConfig.MaximumConcurrency);
    expect(Number(env.MAX_CONCURRENCY)).toBe(
      props(resource('AssignGroupsLambdaFunction')).ReservedConcurrentExecutions,
    );
    expect(Number(env.IOT_MEMBERSHIP_QUOTA_TPS)).toBe(100);
    // AWS recommends a visibility timeout of at least six times the function timeout.
    expect(props(resource('AssignGroupsQueue')).VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * props(resource('AssignGroupsLambdaFunction')).Timeout,
    );
  });

  it('enables the IoT event types the project consumes with a custom resource', () => {
    const config = props(resource('IotEventConfiguration'));
    expect(config.EventTypes).toEqual(['THING', 'THING_GROUP_MEMBERSHIP', 'JOB', 'JOB_EXECUTION']);
    expect(refersTo(config.ServiceToken, 'IotEventConfigLambdaFunction')).toBe(true);
  });

  it('keeps audit and state in on-demand, encrypted tables with PITR and a TTL', () => {
    for (const id of ['AuditTable', 'StateTable']) {
      const p = props(resource(id));
      expect(p.BillingMode, id).toBe('PAY_PER_REQUEST');
      expect(p.PointInTimeRecoverySpecification, id).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.SSESpecification, id).toEqual({ SSEEnabled: true });
      expect(p.TimeToLiveSpecification, id).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    }
    const indexes = props(resource('AuditTable')).GlobalSecondaryIndexes.map(
      (i: { IndexName: string }) => i.IndexName,
    );
    expect(indexes).toEqual(['byActor', 'byDay']);
  });

  it('runs every function on nodejs22.x arm64', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions) {
      expect(props(fn).Runtime, id).toBe('nodejs22.x');
      expect(props(fn).Architectures, id).toEqual(['arm64']);
    }
  });
});

describe('packaged template: least privilege', () => {
  it('names specific actions in every IAM statement (no *, no service:*)', () => {
    for (const [role, statements] of statementsByRole()) {
      for (const s of statements) {
        for (const action of [s.Action].flat()) {
          expect(action, `${role}: ${action}`).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
        }
      }
    }
  });

  it('scopes resources wherever AWS allows; each exception is listed with its reason', () => {
    for (const [role, statements] of statementsByRole()) {
      for (const s of statements) {
        if (!JSON.stringify(s.Resource).includes('"*"')) continue;
        for (const action of [s.Action].flat()) {
          expect(UNSCOPABLE_ACTIONS[action], `${role}: ${action} on "*"`).toBeDefined();
        }
      }
    }
  });

  it('lets functions only add audit records: no update, delete or batch write on the audit table', () => {
    for (const [role, statements] of statementsByRole()) {
      for (const s of statements.filter((st) => refersTo(st.Resource, 'AuditTable'))) {
        expect([s.Action].flat(), role).toEqual(['dynamodb:PutItem']);
      }
    }
  });
});

describe('packaged template: tunnels on alarm', () => {
  const rule = () =>
    resourcesOfType(template, 'AWS::Events::Rule').find(([, r]) =>
      refersTo(props(r).Targets, 'AlarmTunnelLambdaFunction'),
    )?.[1];
  const roleOf = (fn: string) =>
    statementsByRole().find(([id]) => id === `${fn}IamRoleLambdaExecution`)?.[1] ?? [];
  const allows = (statements: Statement[], action: string) =>
    statements.filter((s) => [s.Action].flat().includes(action)).map((s) => JSON.stringify(s.Resource));

  it('takes marked CloudWatch alarm state changes from the default bus', () => {
    const p = props(rule());
    expect(p.EventBusName).toBeUndefined();
    expect(p.EventPattern.source).toEqual(['aws.cloudwatch']);
    expect(p.EventPattern['detail-type']).toEqual(['CloudWatch Alarm State Change']);
    expect(p.EventPattern.detail.state.value).toEqual(['ALARM', 'OK']);
    expect(p.EventPattern.detail.$or).toEqual([
      { alarmName: [{ prefix: 'fleet-tunnel-' }] },
      { alarmTags: { FleetAutopilotTunnel: ['true'] } },
    ]);
  });

  it('retries into a DLQ that EventBridge may write to and that pages operators', () => {
    const target = props(rule()).Targets[0];
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(refersTo(target.DeadLetterConfig, 'AlarmTunnelDLQ')).toBe(true);
    const invokeConfig = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(([, c]) =>
      refersTo(props(c).FunctionName, 'AlarmTunnelLambdaFunction'),
    );
    expect(refersTo(props(invokeConfig?.[1]).DestinationConfig.OnFailure, 'AlarmTunnelDLQ')).toBe(true);
    const policy = props(resource('AlarmTunnelDLQPolicy')).PolicyDocument.Statement[0];
    expect(policy.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(JSON.stringify(policy.Condition)).toContain('rule/fleet-autopilot-');
    const alarm = resourcesOfType(template, 'AWS::CloudWatch::Alarm').find(([, a]) =>
      refersTo(props(a).Dimensions, 'AlarmTunnelDLQ'),
    );
    expect(refersTo(props(alarm?.[1]).AlarmActions, 'OperatorTopic')).toBe(true);
  });

  it('runs the alarm handler one at a time (OpenTunnel is ~1 TPS)', () => {
    expect(props(resource('AlarmTunnelLambdaFunction')).ReservedConcurrentExecutions).toBe(1);
  });

  it('scopes tunnel permissions to tunnels and things, and only the API rotates tokens', () => {
    const alarmRole = roleOf('AlarmTunnel');
    const [tunnelAndThing] = allows(alarmRole, 'iot:OpenTunnel');
    expect(tunnelAndThing).toContain(':tunnel/*');
    expect(tunnelAndThing).toContain(':thing/*');
    for (const action of ['iot:CloseTunnel', 'iot:DescribeTunnel', 'iot:TagResource']) {
      expect(allows(alarmRole, action), action).toEqual([expect.stringContaining(':tunnel/*')]);
    }
    expect(allows(alarmRole, 'iot:RotateTunnelAccessToken')).toEqual([]);
    expect(allows(roleOf('TunnelApi'), 'iot:RotateTunnelAccessToken')).toEqual([
      expect.stringContaining(':tunnel/*'),
    ]);
    expect(allows(roleOf('TunnelApi'), 'iot:OpenTunnel')).toEqual([]);
    expect(allows(alarmRole, 'events:PutEvents')).toEqual([expect.stringContaining('EventBus')]);
    expect(allows(alarmRole, 'sns:Publish')).toEqual([expect.stringContaining('OperatorTopic')]);
  });

  it('serves the operator routes on the HTTP API with IAM auth only', () => {
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route')
      .map(([, r]) => props(r))
      .filter((p) => p.RouteKey.includes('/tunnels'));
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([
      'DELETE /tunnels/enrolments/{alarmName}',
      'GET /tunnels',
      'GET /tunnels/enrolments',
      'POST /tunnels/enrolments',
      'POST /tunnels/{id}/close',
      'POST /tunnels/{id}/token',
    ]);
    for (const route of routes) expect(route.AuthorizationType, route.RouteKey).toBe('AWS_IAM');
  });
});

describe('packaged template: staged rollouts', () => {
  const definition = () => {
    const sub = props(resource('StagedRolloutStateMachine')).DefinitionString['Fn::Sub'];
    return { text: sub[0] as string, refs: sub[1] as Record<string, unknown> };
  };

  it('deploys the ASL as a Standard state machine whose tasks invoke the rollout-steps function', () => {
    const { text, refs } = definition();
    const asl = JSON.parse(text.replace(/\$\{[0-9a-f]+\}/g, 'fn'));
    expect(props(resource('StagedRolloutStateMachine')).StateMachineType ?? 'STANDARD').toBe('STANDARD');
    expect(Object.keys(asl.States)).toEqual(
      expect.arrayContaining(['AwaitGate', 'AwaitApproval', 'Halt', 'Reconcile']),
    );
    expect(asl.States.AwaitGate.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(asl.States.AwaitGate.TimeoutSecondsPath).toBe('$.gate.waitSeconds');
    expect(text).toContain('RolloutAborted');
    expect(refersTo(refs, 'RolloutStepsLambdaFunction')).toBe(true);
    const role = props(resource('StagedRolloutStateMachineRole'));
    const actions = JSON.stringify(role.Policies);
    expect(actions).toContain('lambda:InvokeFunction');
    expect(refersTo(role.Policies, 'RolloutStepsLambdaFunction')).toBe(true);
  });

  it('routes job and job execution events through IoT rules to the bridge, with an error queue and alarm', () => {
    const rules = resourcesOfType(template, 'AWS::IoT::TopicRule').map(([, r]) => props(r).TopicRulePayload);
    for (const topic of ["'$aws/events/jobExecution/#'", "'$aws/events/job/#'"]) {
      const rule = rules.find((p) => p.Sql.includes(topic));
      expect(rule, topic).toBeDefined();
      expect(refersTo(rule.Actions, 'JobEventsBridgeLambdaFunction')).toBe(true);
      expect(refersTo(rule.ErrorAction, 'JobEventsRuleErrorsQueue')).toBe(true);
    }
    const alarm = resourcesOfType(template, 'AWS::CloudWatch::Alarm').find(([, a]) =>
      refersTo(props(a).Dimensions, 'JobEventsRuleErrorsQueue'),
    );
    expect(refersTo(props(alarm?.[1]).AlarmActions, 'OperatorTopic')).toBe(true);
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(
      ([, p]) =>
        props(p).Principal === 'iot.amazonaws.com' &&
        refersTo(props(p).FunctionName, 'JobEventsBridgeLambdaFunction'),
    );
    expect(permissions).toHaveLength(2);
  });

  it('delivers JobExecutionTerminal from the project bus to the tracker with retries and a DLQ', () => {
    const rule = props(resource('JobExecutionTrackingRule'));
    expect(refersTo(rule.EventBusName, 'EventBus')).toBe(true);
    expect(rule.EventPattern).toEqual({
      source: ['fleet-autopilot'],
      'detail-type': ['JobExecutionTerminal'],
    });
    const [target] = rule.Targets;
    expect(refersTo(target.Arn, 'RolloutTrackerLambdaFunction')).toBe(true);
    expect(refersTo(target.DeadLetterConfig, 'RolloutTrackerDLQ')).toBe(true);
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
  });

  it('serves the operator API on the HTTP API with IAM auth on every route', () => {
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route')
      .map(([, r]) => props(r))
      .filter((r) => String(r.RouteKey).includes('/rollouts'));
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(
      [
        'GET /rollouts',
        'GET /rollouts/{id}',
        'POST /rollouts',
        'POST /rollouts/{id}/abort',
        'POST /rollouts/{id}/approve',
        'POST /rollouts/{id}/complete',
        'POST /rollouts/{id}/pause',
        'POST /rollouts/{id}/reject',
        'POST /rollouts/{id}/resume',
      ].sort(),
    );
    for (const r of routes) expect(r.AuthorizationType, r.RouteKey).toBe('AWS_IAM');
  });

  it('scopes task token and execution permissions to the staged-rollout state machine', () => {
    const roles = Object.fromEntries(statementsByRole());
    const allowed = (role: string, action: string) =>
      (roles[role] ?? [])
        .filter((s) => [s.Action].flat().includes(action))
        .map((s) => JSON.stringify(s.Resource));
    for (const role of [
      'RolloutApiIamRoleLambdaExecution',
      'RolloutTrackerIamRoleLambdaExecution',
      'RolloutStepsIamRoleLambdaExecution',
    ]) {
      const resources = allowed(role, 'states:SendTaskSuccess');
      expect(resources.length, role).toBe(1);
      expect(resources[0]).toMatch(/StagedRolloutStateMachine|staged-rollout/);
    }
    expect(allowed('RolloutApiIamRoleLambdaExecution', 'states:StartExecution')[0]).toContain(
      'StagedRolloutStateMachine',
    );
    expect(allowed('RolloutStepsIamRoleLambdaExecution', 'iot:CreateJob')[0]).toContain(':job/*');
    expect(allowed('JobEventsBridgeIamRoleLambdaExecution', 'events:PutEvents')[0]).toContain('EventBus');
  });
});
