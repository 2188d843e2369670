import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import {
  createLocalDynamoDb,
  type LocalDynamoDb,
  type LocalDynamoDbOptions,
} from '../../local/emulators/dynamodb/server';

const TABLE = 'Sessions';
const HOUR = 60 * 60 * 1000;
const open: LocalDynamoDb[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

async function start(options: LocalDynamoDbOptions = {}, create = true) {
  const db = await createLocalDynamoDb(options);
  open.push(db);
  const client = new DynamoDBClient({
    endpoint: db.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const table = {
    TableName: TABLE,
    BillingMode: 'PAY_PER_REQUEST' as const,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }],
  };
  if (create) await client.send(new CreateTableCommand(table));
  const doc = DynamoDBDocumentClient.from(client);
  const get = async (id: string) =>
    (await doc.send(new GetCommand({ TableName: TABLE, Key: { id }, ConsistentRead: true }))).Item;
  const put = (item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: TABLE, Item: item }));
  const setTtl = (Enabled: boolean, AttributeName = 'expiresAt', TableName = TABLE) =>
    client.send(
      new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { Enabled, AttributeName } }),
    );
  const describeTtl = async () =>
    (await client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }))).TimeToLiveDescription;
  return { db, client, table, get, put, setTtl, describeTtl };
}
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Record<string, unknown>,
  );

describe('Time to Live', () => {
  it('UpdateTimeToLive / DescribeTimeToLive answer as AWS does', async () => {
    const clock = new VirtualClock();
    const { setTtl, describeTtl } = await start({ clock });
    expect(await describeTtl()).toEqual({ TimeToLiveStatus: 'DISABLED' });
    const out = await setTtl(true);
    expect(out.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(await describeTtl()).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    // A further change within the hour is refused; after it, an enable of an enabled table is too.
    expect((await failure(setTtl(false)))?.name).toBe('ValidationException');
    clock.advanceBy(HOUR);
    expect((await failure(setTtl(true)))?.name).toBe('ValidationException');
    await setTtl(false);
    expect(await describeTtl()).toEqual({ TimeToLiveStatus: 'DISABLED' });
    expect((await failure(setTtl(true, 'expiresAt', 'Nope')))?.name).toBe('ResourceNotFoundException');
  });

  it('sweep() deletes expired items of TTL tables only; reads return them until then', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const { db, put, get, setTtl } = await start({ clock });
    const nowSeconds = clock.now() / 1000;
    await put({ id: 'old', expiresAt: nowSeconds - 1 });
    await put({ id: 'fresh', expiresAt: nowSeconds + 60 });
    await put({ id: 'text', expiresAt: String(nowSeconds - 1) });
    await put({ id: 'none' });
    expect(await db.sweep()).toBe(0); // TTL not enabled yet
    await setTtl(true);
    expect(await get('old')).toMatchObject({ id: 'old' });
    expect(await db.sweep()).toBe(1);
    expect(await get('old')).toBeUndefined();
    expect(await get('text')).toMatchObject({ id: 'text' }); // not a Number: never expires
    expect(await get('none')).toMatchObject({ id: 'none' });
    expect(await get('fresh')).toMatchObject({ id: 'fresh' });
    clock.advanceBy(61_000);
    expect(await db.sweep()).toBe(1);
    expect(await get('fresh')).toBeUndefined();
    expect(db.stats.ttlDeleted).toBe(2);
  });

  it('a deleted and recreated table starts with TTL disabled', async () => {
    const { client, table, setTtl, describeTtl } = await start();
    await setTtl(true);
    await client.send(new DeleteTableCommand({ TableName: TABLE }));
    await client.send(new CreateTableCommand(table));
    expect(await describeTtl()).toEqual({ TimeToLiveStatus: 'DISABLED' });
  });
});

describe('createLocalDynamoDb storage', () => {
  it('forwards ordinary operations to dynalite and keeps data on disk across restarts with `path`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynalite-'));
    try {
      const first = await start({ path: dir });
      await first.put({ id: 'kept', v: 1 });
      expect(first.db.stats.forwarded).toBeGreaterThanOrEqual(2);
      await first.db.close();
      open.splice(open.indexOf(first.db), 1);
      const second = await start({ path: dir }, false);
      expect(await second.get('kept')).toEqual({ id: 'kept', v: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
