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
