import {
  BatchGetItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAccessControl } from '../../local/access-control';
import { createLocalDynamoDb, type LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { localAttributes, resolveIntrinsics } from '../../local/runtime/resolve';
import { type CfnTemplate, tableDefinitions } from '../../local/template';

// Any DynamoDB table of the template that declares a ResourcePolicy is enforced by the local
// stack's DynamoDB, whatever the table: here a made-up tokens table whose policy denies everyone
// but one role, named the way a template would name it (its TableName, not the local name).
const ACCOUNT = '000000000000';
/** A placeholder of a CloudFormation Fn::Sub string (not a JavaScript template). */
const ref = (name: string) => ['$', '{', name, '}'].join('');
const TOKENS_ARN = `arn:${ref('AWS::Partition')}:dynamodb:${ref('AWS::Region')}:${ref('AWS::AccountId')}:table/fleet-autopilot-dev-tokens`;
const key = { pk: { S: 'TOKEN#1' }, sk: { S: 'TOKEN' } };
const table = (extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::DynamoDB::Table',
  Properties: {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    ...extra,
  },
});
const template: CfnTemplate = {
  Resources: {
    TokenWriterRole: { Type: 'AWS::IAM::Role', Properties: {} },
    OpenTable: table(),
    TokensTable: table({
      TableName: 'fleet-autopilot-dev-tokens',
      ResourcePolicy: {
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'only-the-writer',
              Effect: 'Deny',
              Principal: '*',
              Action: 'dynamodb:*',
              Resource: {
                'Fn::Sub': TOKENS_ARN,
              },
              Condition: {
                ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['TokenWriterRole', 'Arn'] } },
              },
            },
          ],
        },
      },
    }),
  },
};

let dynamo: LocalDynamoDb;
const client = (accessKeyId: string) =>
  new DynamoDBClient({
    endpoint: dynamo.url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'x' },
  });

beforeAll(async () => {
  dynamo = await createLocalDynamoDb();
  const names = { region: 'us-east-1', accountId: ACCOUNT, stackName: 'local', sqsUrl: 'http://sqs' };
  const attributes = localAttributes(template, names);
  const noop = { useAccessControl: () => undefined };
  installAccessControl(template, (v) => resolveIntrinsics(v, attributes, names), {
    region: 'us-east-1',
    account: ACCOUNT,
    eventBridge: noop,
    sqs: { ...noop, queue: () => undefined },
    dynamo,
  });
  for (const definition of tableDefinitions(template).values())
    await client('deployer-setup')
      .send(new CreateTableCommand(definition))
      .catch(() => undefined);
}, 60_000);
afterAll(async () => {
  await dynamo?.close();
});

describe('local DynamoDB: tables with a resource policy', () => {
  it('refuses an operator every way of reading or writing the table, with AccessDeniedException', async () => {
    const alice = client('alice');
    const expectDenied = async (promise: Promise<unknown>, action: string) => {
      const error = (await promise.catch((e: unknown) => e)) as Error & {
        $metadata: { httpStatusCode: number };
      };
      expect(error.name, action).toBe('AccessDeniedException');
      expect(error.$metadata.httpStatusCode, action).toBe(400);
      expect(error.message, action).toBe(
        `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: ${action} on resource: arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/TokensTable with an explicit deny in a resource-based policy`,
      );
    };
    await expectDenied(
      alice.send(new GetItemCommand({ TableName: 'TokensTable', Key: key })),
      'dynamodb:GetItem',
    );
    await expectDenied(
      alice.send(
        new QueryCommand({
          TableName: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/TokensTable`,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': key.pk },
        }),
      ),
      'dynamodb:Query',
    );
    await expectDenied(
      alice.send(
        new BatchGetItemCommand({
          RequestItems: { OpenTable: { Keys: [key] }, TokensTable: { Keys: [key] } },
        }),
      ),
      'dynamodb:BatchGetItem',
    );
    await expectDenied(
      alice.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'OpenTable', Item: key } },
            { Delete: { TableName: 'TokensTable', Key: key } },
          ],
        }),
      ),
      'dynamodb:DeleteItem',
    );
  });

  it('lets the role the policy names through, and leaves tables without a policy open', async () => {
    await client('TokenWriterRole').send(new PutItemCommand({ TableName: 'TokensTable', Item: key }));
    const read = await client('TokenWriterRole').send(
      new GetItemCommand({ TableName: 'TokensTable', Key: key }),
    );
    expect(read.Item).toEqual(key);
    await client('alice').send(new PutItemCommand({ TableName: 'OpenTable', Item: key }));
    const open = await client('alice').send(new GetItemCommand({ TableName: 'OpenTable', Key: key }));
    expect(open.Item).toEqual(key);
  });

  it('refuses a transaction whole: nothing of it is written when one item is denied', async () => {
    const other = { pk: { S: 'TOKEN#2' }, sk: { S: 'TOKEN' } };
    await expect(
      client('alice').send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'OpenTable', Item: other } },
            { Put: { TableName: 'TokensTable', Item: other } },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const open = await client('alice').send(new GetItemCommand({ TableName: 'OpenTable', Key: other }));
    expect(open.Item).toBeUndefined();
  });
});
