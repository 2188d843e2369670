import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactGetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { startWithTable } from './dynamodb-harness';

const TABLE = 'Accounts';
let db: LocalDynamoDb;
let doc: DynamoDBDocumentClient;

beforeEach(async () => {
  ({ db, doc } = await startWithTable(TABLE, {
    keys: [{ AttributeName: 'id', KeyType: 'HASH' }],
    attributes: [{ AttributeName: 'id', AttributeType: 'S' }],
  }));
});
afterEach(async () => {
  await db.close();
});

const put = (item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: TABLE, Item: item }));
const getAll = (ids: string[], ProjectionExpression?: string) =>
  doc.send(
    new TransactGetCommand({
      TransactItems: ids.map((id) => ({ Get: { TableName: TABLE, Key: { id }, ProjectionExpression } })),
    }),
  );
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Record<string, unknown>,
  );

/** Moves `amount` from one account to another if the source can afford it. */
const transfer = (from: string, to: string, amount: number) =>
  doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: TABLE,
            Key: { id: to },
            UpdateExpression: 'ADD balance :a',
            ExpressionAttributeValues: { ':a': amount },
          },
        },
        {
          Update: {
            TableName: TABLE,
            Key: { id: from },
            UpdateExpression: 'ADD balance :neg',
            ConditionExpression: 'balance >= :a',
            ExpressionAttributeValues: { ':a': amount, ':neg': -amount },
          },
        },
      ],
    }),
  );

describe('TransactGetItems', () => {
  it('answers the items in request order, an empty response for a missing item, with projection', async () => {
    await put({ id: 'a', balance: 5, holder: 'ann' });
    await put({ id: 'b', balance: 7, holder: 'bob' });
    const all = await getAll(['b', 'missing', 'a']);
    expect(all.Responses).toEqual([
      { Item: { id: 'b', balance: 7, holder: 'bob' } },
      {},
      { Item: { id: 'a', balance: 5, holder: 'ann' } },
    ]);
    const projected = await getAll(['a'], 'holder');
    expect(projected.Responses).toEqual([{ Item: { holder: 'ann' } }]);
    expect(db.stats.transactGets).toBe(2);
  });

  it('rejects the same item twice (ValidationException) and an unknown table (ResourceNotFoundException)', async () => {
    expect((await failure(getAll(['a', 'a'])))?.name).toBe('ValidationException');
    const unknown = doc.send(
      new TransactGetCommand({ TransactItems: [{ Get: { TableName: 'Nope', Key: { id: 'a' } } }] }),
    );
    expect((await failure(unknown))?.name).toBe('ResourceNotFoundException');
  });

  it('never sees half a transaction: the total of two accounts is constant under concurrent transfers', async () => {
    await put({ id: 'a', balance: 100 });
    await put({ id: 'b', balance: 100 });
    const writes = Array.from({ length: 40 }, (_, i) =>
      failure(i % 2 === 0 ? transfer('a', 'b', 30) : transfer('b', 'a', 20)),
    );
    const reads = Array.from({ length: 40 }, () => getAll(['a', 'b']));
    const [, snapshots] = await Promise.all([Promise.all(writes), Promise.all(reads)]);
    for (const snapshot of snapshots) {
      const balances = (snapshot.Responses ?? []).map((r) => Number(r.Item?.balance));
      expect(balances[0] as number).toBeGreaterThanOrEqual(0);
      expect(balances[1] as number).toBeGreaterThanOrEqual(0);
      expect((balances[0] as number) + (balances[1] as number)).toBe(200);
    }
    const end = (await getAll(['a', 'b'])).Responses ?? [];
    expect(Number(end[0]?.Item?.balance) + Number(end[1]?.Item?.balance)).toBe(200);
    expect(db.stats.transactWrites.cancelled).toBeGreaterThan(0);
  });
});
