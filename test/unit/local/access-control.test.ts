import { describe, expect, it } from 'vitest';
import { AccessControl } from '../../../local/emulators/common/access-control';
import {
  accessKeyOf,
  localAccessKeyFor,
  PrincipalDirectory,
  roleSession,
  servicePrincipal,
} from '../../../local/emulators/common/principals';
import { tableAccesses, tableNameOf } from '../../../local/emulators/dynamodb/table-access';

const ACCOUNT = '000000000000';
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:q`;
const RULE = `arn:aws:events:us-east-1:${ACCOUNT}:rule/r`;
const sigv4 = (key: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260105/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=abc`,
});

describe('local principals', () => {
  it('reads the access key from the SigV4 Authorization header or a presigned URL', () => {
    expect(accessKeyOf(sigv4('alice'))).toBe('alice');
    expect(accessKeyOf({}, '/x?X-Amz-Credential=bob%2F20260105%2Fus-east-1%2Fsqs%2Faws4_request')).toBe(
      'bob',
    );
    expect(accessKeyOf({})).toBeUndefined();
    expect(accessKeyOf({ authorization: 'Bearer alice' })).toBeUndefined();
  });

  it("maps a role's name to that role's session and any other key to an IAM user", () => {
    const directory = new PrincipalDirectory(ACCOUNT, ['RolloutApiIamRoleLambdaExecution']);
    expect(directory.callerFor('RolloutApiIamRoleLambdaExecution')).toEqual({
      kind: 'iam',
      type: 'AssumedRole',
      account: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:role/RolloutApiIamRoleLambdaExecution`,
    });
    expect(directory.callerFor('alice')).toMatchObject({
      type: 'User',
      arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
    });
    expect(directory.callerFor(undefined)).toEqual({ kind: 'anonymous' });
  });

  it("gives a function the name in its role's ARN as access key, and refuses what is not a role ARN", () => {
    expect(localAccessKeyFor(`arn:aws:iam::${ACCOUNT}:role/AssignGroupsIamRoleLambdaExecution`)).toBe(
      'AssignGroupsIamRoleLambdaExecution',
    );
    expect(() => localAccessKeyFor('arn:aws:iam::000000000000:role/bad name')).toThrow(/not a role ARN/);
    expect(() => roleSession('arn:aws:iam::000000000000:user/alice')).toThrow(/not a role ARN/);
    expect(servicePrincipal('events.amazonaws.com', RULE)).toEqual({
      kind: 'service',
      service: 'events.amazonaws.com',
      sourceArn: RULE,
      sourceAccount: ACCOUNT,
    });
  });
});

describe('AccessControl', () => {
  const access = () => {
    const ac = new AccessControl(new PrincipalDirectory(ACCOUNT, ['Sender']));
    ac.attach(QUEUE, {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: QUEUE,
          Condition: { ArnEquals: { 'aws:SourceArn': RULE } },
        },
        {
          Sid: 'only-the-sender',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:SendMessage',
          Resource: QUEUE,
          Condition: {
            ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Sender` },
            Bool: { 'aws:PrincipalIsAWSService': 'false' },
          },
        },
      ],
    });
    return ac;
  };
  const send = (
    ac: AccessControl,
    caller: Parameters<AccessControl['authorize']>[0]['caller'],
    resource = QUEUE,
  ) => ac.authorize({ caller, action: 'sqs:SendMessage', resource });

  it('refuses an operator with the explicit deny, in IAM words, naming the statement', () => {
    const ac = access();
    const denial = send(ac, ac.principals.callerFor('alice'));
    expect(denial).toEqual({
      sid: 'only-the-sender',
      message: `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: sqs:SendMessage on resource: ${QUEUE} with an explicit deny in a resource-based policy`,
    });
  });

  it('lets the named role through, and a service only where an Allow names it', () => {
    const ac = access();
    expect(send(ac, ac.principals.callerFor('Sender'))).toBeUndefined();
    expect(send(ac, servicePrincipal('events.amazonaws.com', RULE))).toBeUndefined();
    const other = send(ac, servicePrincipal('events.amazonaws.com', `${RULE}-other`));
    expect(other?.message).toMatch(/because no resource-based policy allows the sqs:SendMessage action$/);
    expect(send(ac, servicePrincipal('sns.amazonaws.com', RULE))).toBeDefined();
  });

  it('leaves a resource without a policy open to IAM principals but not to services', () => {
    const ac = access();
    const open = `${QUEUE}-open`;
    expect(ac.hasPolicy(open)).toBe(false);
    expect(send(ac, ac.principals.callerFor('alice'), open)).toBeUndefined();
    expect(send(ac, servicePrincipal('events.amazonaws.com', RULE), open)).toBeDefined();
  });

  it('matches statements on the aliases a resource answers to', () => {
    const ac = AccessControl.open(ACCOUNT);
    const table = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Tokens`;
    ac.attach(
      table,
      {
        Statement: [
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 'dynamodb:*',
            Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/fleet-tokens`,
          },
        ],
      },
      [`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/fleet-tokens`],
    );
    expect(
      ac.authorize({ caller: ac.principals.callerFor('x'), action: 'dynamodb:GetItem', resource: table }),
    ).toBeDefined();
  });
});

describe('DynamoDB: the tables a request touches', () => {
  it('authorizes single-item operations and queries on TableName (an ARN too), with the index', () => {
    expect(tableAccesses('GetItem', { TableName: 'T' })).toEqual([
      { action: 'dynamodb:GetItem', table: 'T', index: undefined },
    ]);
    expect(
      tableAccesses('Query', { TableName: 'arn:aws:dynamodb:us-east-1:0:table/T', IndexName: 'byDay' }),
    ).toEqual([{ action: 'dynamodb:Query', table: 'T', index: 'byDay' }]);
    expect(tableNameOf('arn:aws:dynamodb:us-east-1:0:table/T/index/x')).toBe('T');
  });

  it('authorizes batches per table and transactions per item, as the action each item performs', () => {
    expect(
      tableAccesses('BatchWriteItem', { RequestItems: { A: [], B: [] } }).map(
        (a) => `${a.action}@${a.table}`,
      ),
    ).toEqual(['dynamodb:BatchWriteItem@A', 'dynamodb:BatchWriteItem@B']);
    const items = [
      { Put: { TableName: 'A' } },
      { Update: { TableName: 'B' } },
      { Delete: { TableName: 'C' } },
      { ConditionCheck: { TableName: 'D' } },
    ];
    expect(
      tableAccesses('TransactWriteItems', { TransactItems: items }).map((a) => `${a.action}@${a.table}`),
    ).toEqual([
      'dynamodb:PutItem@A',
      'dynamodb:UpdateItem@B',
      'dynamodb:DeleteItem@C',
      'dynamodb:ConditionCheckItem@D',
    ]);
    expect(tableAccesses('TransactGetItems', { TransactItems: [{ Get: { TableName: 'A' } }] })).toEqual([
      { action: 'dynamodb:GetItem', table: 'A', index: undefined },
    ]);
    expect(tableAccesses('ListTables', {})).toEqual([]);
    expect(tableAccesses('CreateTable', { TableName: 'A' })).toEqual([]);
  });
});
