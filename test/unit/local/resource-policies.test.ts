import { describe, expect, it } from 'vitest';
import { installAccessControl, withLocalPrincipal } from '../../../local/access-control';
import { AccessControl } from '../../../local/emulators/common/access-control';
import { localAttributes, resolveIntrinsics } from '../../../local/runtime/resolve';
import { type CfnTemplate, resourcePolicies } from '../../../local/template';

const names = { region: 'us-east-1', accountId: '000000000000', stackName: 'local', sqsUrl: 'http://sqs' };
const resolverFor = (template: CfnTemplate) => {
  const attributes = localAttributes(template, names);
  return (v: unknown) => resolveIntrinsics(v, attributes, names);
};

const template: CfnTemplate = {
  Resources: {
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'b' } },
    Queue: { Type: 'AWS::SQS::Queue' },
    Rule: { Type: 'AWS::Events::Rule', Properties: { EventBusName: { Ref: 'Bus' } } },
    Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } } },
    FnRole: { Type: 'AWS::IAM::Role' },
    // The older form of EventBusPolicy: one account allowed, no Statement.
    LegacyGrant: {
      Type: 'AWS::Events::EventBusPolicy',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        StatementId: 'grant',
        Action: 'events:PutEvents',
        Principal: '111122223333',
      },
    },
    QueuePolicy: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [{ Ref: 'Queue' }],
        PolicyDocument: { Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage' }] },
      },
    },
  },
};

describe('resource policies read from the template', () => {
  it('reads bus policies in both forms, queue policies per queue, and table ResourcePolicy', () => {
    const specs = resourcePolicies(template, resolverFor(template));
    expect(specs).toEqual([
      {
        kind: 'event-bus',
        id: 'LegacyGrant',
        busName: 'b',
        document: {
          Statement: [
            { Sid: 'grant', Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'events:PutEvents' },
          ],
        },
      },
      {
        kind: 'queue',
        id: 'QueuePolicy',
        queue: 'http://sqs/000000000000/Queue',
        document: { Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage' }] },
      },
    ]);
  });

  it('gives an EventBridge rule its ARN on its bus, which its deliveries carry as aws:SourceArn', () => {
    expect(resolverFor(template)({ 'Fn::GetAtt': ['Rule', 'Arn'] })).toBe(
      'arn:aws:events:us-east-1:000000000000:rule/b/Rule',
    );
  });

  it("signs a function's calls with its role's name, over its deployed environment", () => {
    const spec = {
      logicalId: 'Fn',
      name: 'fn',
      handler: 'h.handler',
      zip: 'z',
      timeoutSeconds: 3,
      reservedConcurrency: undefined,
      environment: { A: '1' },
    };
    expect(withLocalPrincipal(spec, template, resolverFor(template)).environment).toEqual({
      A: '1',
      AWS_ACCESS_KEY_ID: 'FnRole',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
  });

  it('installs the policies into the emulators, and refuses a policy on a queue the stack lacks', () => {
    const installed: AccessControl[] = [];
    const targets = {
      region: 'us-east-1',
      account: '000000000000',
      eventBridge: { useAccessControl: (a: AccessControl) => void installed.push(a) },
      sqs: {
        useAccessControl: (a: AccessControl) => void installed.push(a),
        queue: (ref: string) =>
          ref.endsWith('/Queue') ? ({ arn: 'arn:aws:sqs:us-east-1:000000000000:Queue' } as never) : undefined,
      },
      dynamo: { useAccessControl: (a: AccessControl) => void installed.push(a) },
    };
    const access = installAccessControl(template, resolverFor(template), targets);
    expect(installed).toEqual([access, access, access]);
    expect(access.hasPolicy('arn:aws:sqs:us-east-1:000000000000:Queue')).toBe(true);
    expect(access.hasPolicy('arn:aws:events:us-east-1:000000000000:event-bus/b')).toBe(true);
    expect(access).toBeInstanceOf(AccessControl);
    expect(() =>
      installAccessControl(template, resolverFor(template), {
        ...targets,
        sqs: { ...targets.sqs, queue: () => undefined },
      }),
    ).toThrow(/QueuePolicy: queue http:\/\/sqs\/000000000000\/Queue is not in the local stack/);
  });
});
