import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import type { LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { PK_SK, startWithTable } from './dynamodb-harness';

type Items = NonNullable<TransactWriteCommandInput['TransactItems']>;
const TABLE = 'Audit';
let db: LocalDynamoDb;
let doc: DynamoDBDocumentClient;
let clock: VirtualClock;

beforeEach(async () => {
  clock = new VirtualClock();
  ({ db, doc } = await startWithTable(TABLE, PK_SK, clock));
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

/** Counter first, then the per-event marker: a cancelled duplicate must undo the counter's ADD. */
const countEvent = (eventId: string): Items => [
  {
    Update: {
      TableName: TABLE,
      Key: { pk: 'counter', sk: 'x' },
      UpdateExpression: 'ADD n :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  },
  {
    Put: {
      TableName: TABLE,
      Item: { pk: `event#${eventId}`, sk: 'x' },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
];

describe('TransactWriteItems under concurrency and retries', () => {
  it('a ClientRequestToken makes a retry a no-op for 10 minutes, and a changed retry a mismatch', async () => {
    await transact(countEvent('e1').slice(0, 1), 'token-1');
    await transact(countEvent('e1').slice(0, 1), 'token-1');
    expect(await get('counter')).toMatchObject({ n: 1 });
    expect(db.stats.transactWrites.replayed).toBe(1);
    const mismatch = await failure(transact(countEvent('e2'), 'token-1'));
    expect(mismatch?.name).toBe('IdempotentParameterMismatchException');
    clock.advanceBy(10 * 60 * 1000);
    await transact(countEvent('e1').slice(0, 1), 'token-1');
    expect(await get('counter')).toMatchObject({ n: 2 });
  });

  it('50 concurrent transactions count exactly 50', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => transact(countEvent(`e${i}`))));
    expect(await get('counter')).toMatchObject({ n: 50 });
    expect(db.stats.transactWrites.committed).toBe(50);
  });

  it('duplicate events are cancelled and their counter ADD undone, with no lost update', async () => {
    const events = Array.from({ length: 60 }, (_, i) => `e${i % 20}`);
    const results = await Promise.allSettled(events.map((e) => transact(countEvent(e))));
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(40);
    for (const r of rejected) {
      expect(r.reason).toMatchObject({
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
      });
    }
    expect(await get('counter')).toMatchObject({ n: 20 });
  });

  it('plain writes never land inside a transaction that is rolled back', async () => {
    await put({ pk: 'event#taken', sk: 'x' });
    const add = () =>
      doc.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: 'counter', sk: 'x' },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    const calls = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? add() : failure(transact(countEvent('taken'))),
    );
    await Promise.all(calls);
    expect(await get('counter')).toMatchObject({ n: 20 });
  });
});
