import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  NumberValue,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { PK_SK, startWithTable } from './dynamodb-harness';

type Items = NonNullable<TransactWriteCommandInput['TransactItems']>;
const TABLE = 'Audit';
let db: LocalDynamoDb;
let doc: DynamoDBDocumentClient;

beforeEach(async () => {
  ({ db, doc } = await startWithTable(TABLE, PK_SK));
});
afterEach(async () => {
  await db.close();
});

const get = async (pk: string, sk = 'x') =>
  (await doc.send(new GetCommand({ TableName: TABLE, Key: { pk, sk }, ConsistentRead: true }))).Item;
const put = (item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: TABLE, Item: item }));
const transact = (TransactItems: Items, ClientRequestToken?: string) =>
  doc.send(new TransactWriteCommand({ TransactItems, ClientRequestToken }));
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Record<string, unknown>,
  );

describe('TransactWriteItems over dynalite', () => {
  it('applies Put, Update, Delete and ConditionCheck together', async () => {
    await put({ pk: 'a', sk: 'x', n: 1 });
    await put({ pk: 'gone', sk: 'x' });
    await put({ pk: 'guard', sk: 'x', isOpen: true });
    await transact([
      { Put: { TableName: TABLE, Item: { pk: 'new', sk: 'x', v: 'hello' } } },
      {
        Update: {
          TableName: TABLE,
          Key: { pk: 'a', sk: 'x' },
          UpdateExpression: 'SET n = n + :d',
          ExpressionAttributeValues: { ':d': 41 },
        },
      },
      { Delete: { TableName: TABLE, Key: { pk: 'gone', sk: 'x' } } },
      {
        ConditionCheck: {
          TableName: TABLE,
          Key: { pk: 'guard', sk: 'x' },
          ConditionExpression: 'isOpen = :t',
          ExpressionAttributeValues: { ':t': true },
        },
      },
    ]);
    expect(await get('new')).toEqual({ pk: 'new', sk: 'x', v: 'hello' });
    expect(await get('a')).toEqual({ pk: 'a', sk: 'x', n: 42 });
    expect(await get('gone')).toBeUndefined();
    expect(await get('guard')).toEqual({ pk: 'guard', sk: 'x', isOpen: true });
    expect(db.stats.transactWrites.committed).toBe(1);
  });

  it('cancels on a failed condition: nothing applied, every reason reported in order', async () => {
    await put({ pk: 'a', sk: 'x', n: 1 });
    await put({ pk: 'b', sk: 'x', status: 'closed' });
    await put({ pk: 'c', sk: 'x', n: 7 });
    const err = await failure(
      transact([
        {
          Put: {
            TableName: TABLE,
            Item: { pk: 'new', sk: 'x' },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          ConditionCheck: {
            TableName: TABLE,
            Key: { pk: 'b', sk: 'x' },
            ConditionExpression: '#s = :open',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':open': 'open' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'a', sk: 'x' },
            UpdateExpression: 'SET n = :n',
            ExpressionAttributeValues: { ':n': 99 },
          },
        },
        {
          Delete: {
            TableName: TABLE,
            Key: { pk: 'c', sk: 'x' },
            ConditionExpression: 'n > :limit',
            ExpressionAttributeValues: { ':limit': 10 },
          },
        },
      ]),
    );
    expect(err?.name).toBe('TransactionCanceledException');
    expect(err?.message).toContain('[None, ConditionalCheckFailed, None, ConditionalCheckFailed]');
    expect(err?.CancellationReasons).toEqual([
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: { pk: { S: 'b' }, sk: { S: 'x' }, status: { S: 'closed' } },
      },
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
    expect(await get('new')).toBeUndefined();
    expect(await get('a')).toEqual({ pk: 'a', sk: 'x', n: 1 });
    expect(await get('c')).toEqual({ pk: 'c', sk: 'x', n: 7 });
    expect(db.stats.transactWrites).toMatchObject({ committed: 0, cancelled: 1 });
  });

  it('an action dynalite rejects mid-way undoes the applied ones and answers its ValidationException', async () => {
    await put({ pk: 'a', sk: 'x', n: 1 });
    const err = await failure(
      transact([
        { Put: { TableName: TABLE, Item: { pk: 'new', sk: 'x' } } },
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'a', sk: 'x' },
            UpdateExpression: 'SET n = :n',
            ExpressionAttributeValues: { ':n': 2 },
          },
        },
        {
          ConditionCheck: {
            TableName: TABLE,
            Key: { pk: 'a2', sk: 'x' },
            ConditionExpression: 'open = :t',
            ExpressionAttributeValues: { ':t': true },
          },
        },
      ]),
    );
    expect(err?.name).toBe('ValidationException');
    expect(await get('new')).toBeUndefined();
    expect(await get('a')).toEqual({ pk: 'a', sk: 'x', n: 1 });
  });

  it('puts back the exact images of items replaced and updated before a later action failed', async () => {
    await put({ pk: 'a', sk: 'x', n: 1, tags: ['t1'], nested: { deep: true } });
    await put({ pk: 'b', sk: 'x', keep: 'me', extra: 5 });
    await put({ pk: 'c', sk: 'x', status: 'closed' });
    const err = await failure(
      transact([
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'a', sk: 'x' },
            UpdateExpression: 'SET n = :n REMOVE tags',
            ExpressionAttributeValues: { ':n': 2 },
          },
        },
        { Put: { TableName: TABLE, Item: { pk: 'b', sk: 'x', replaced: true } } },
        {
          Update: {
            TableName: TABLE,
            Key: { pk: 'c', sk: 'x' },
            UpdateExpression: 'SET #s = :open',
            ConditionExpression: '#s = :open',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':open': 'open' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ]),
    );
    expect(err?.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: { pk: { S: 'c' }, sk: { S: 'x' }, status: { S: 'closed' } },
      },
    ]);
    expect(await get('a')).toEqual({ pk: 'a', sk: 'x', n: 1, tags: ['t1'], nested: { deep: true } });
    expect(await get('b')).toEqual({ pk: 'b', sk: 'x', keep: 'me', extra: 5 });
    expect(await get('c')).toEqual({ pk: 'c', sk: 'x', status: 'closed' });
  });

  it('keys a recreated table by its new key schema', async () => {
    await transact([{ Put: { TableName: TABLE, Item: { pk: 'before', sk: 'x' } } }]);
    await doc.send(new DeleteTableCommand({ TableName: TABLE }));
    await doc.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
    await transact([{ Put: { TableName: TABLE, Item: { id: 'after', v: 1 } } }]);
    const twice = await failure(
      transact([
        { Put: { TableName: TABLE, Item: { id: 'same', v: 1 } } },
        {
          Update: {
            TableName: TABLE,
            Key: { id: 'same' },
            UpdateExpression: 'SET v = :v',
            ExpressionAttributeValues: { ':v': 2 },
          },
        },
      ]),
    );
    expect(twice?.message).toBe('Transaction request cannot include multiple operations on one item');
    const item = await doc.send(
      new GetCommand({ TableName: TABLE, Key: { id: 'after' }, ConsistentRead: true }),
    );
    expect(item.Item).toEqual({ id: 'after', v: 1 });
  });

  it('refuses two actions on one number-keyed item however the number is spelled', async () => {
    await doc.send(
      new CreateTableCommand({
        TableName: 'Numbers',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
      }),
    );
    const twice = await failure(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: 'Numbers', Item: { id: NumberValue.from('1') } } },
            { Delete: { TableName: 'Numbers', Key: { id: NumberValue.from('10E-1') } } },
          ],
        }),
      ),
    );
    expect(twice?.message).toBe('Transaction request cannot include multiple operations on one item');
  });

  it('answers a malformed CreateTable or DeleteTable as dynalite does (400), not with a 500', async () => {
    const send = (target: string, body: string) =>
      fetch(db.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${target}`,
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
        body,
      });
    const create = await send('CreateTable', '{"TableName": "t",');
    const remove = await send('DeleteTable', '[]');
    expect(create.status).toBe(400);
    expect(((await create.json()) as { __type: string }).__type).toContain('SerializationException');
    expect(remove.status).toBe(400);
  });

  it('a ConditionCheck on an absent item passes without creating it', async () => {
    await transact([
      {
        ConditionCheck: {
          TableName: TABLE,
          Key: { pk: 'ghost', sk: 'x' },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Put: { TableName: TABLE, Item: { pk: 'p', sk: 'x' } } },
    ]);
    expect(await get('ghost')).toBeUndefined();
    expect(await get('p')).toEqual({ pk: 'p', sk: 'x' });
  });

  it('rejects two actions on one item and more than 100 actions with ValidationException', async () => {
    const same = await failure(
      transact([
        { Put: { TableName: TABLE, Item: { pk: 'a', sk: 'x' } } },
        { Delete: { TableName: TABLE, Key: { pk: 'a', sk: 'x' } } },
      ]),
    );
    expect(same?.name).toBe('ValidationException');
    expect(same?.message).toBe('Transaction request cannot include multiple operations on one item');
    const many = Array.from({ length: 101 }, (_, i) => ({
      Put: { TableName: TABLE, Item: { pk: `p${i}`, sk: 'x' } },
    }));
    expect((await failure(transact(many)))?.name).toBe('ValidationException');
    expect(await get('a')).toBeUndefined();
    expect(await get('p0')).toBeUndefined();
  });
});
