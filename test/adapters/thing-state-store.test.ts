import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoDb, type LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { loadPackagedTemplate, tableDefinitions } from '../../local/template';
import { dynamoThingStateStore } from '../../shared/adapters/thing-state-store';
import { isStale, type ThingState } from '../../shared/domain/grouping/thing-state';
import { ThingBusyError } from '../../shared/errors';
import type { ClaimRequest } from '../../shared/services/grouping-ports';
import { TEST_CREDENTIALS } from '../helpers/dynalite';

/**
 * shared/adapters/thing-state-store.ts against the local DynamoDB, on the state table as the packaged
 * template defines it. The claim's condition expression must say 'stale' exactly when isStale does.
 */
const TABLE = 'StateTable';
const NOW = Date.parse('2027-03-01T00:00:00Z');
const LEASE_MS = 120_000;
const T = NOW - 60_000;
let db: LocalDynamoDb;
let doc: DynamoDBDocumentClient;
let run = 0;

beforeAll(async () => {
  db = await createLocalDynamoDb();
  const client = new DynamoDBClient({ endpoint: db.url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  const table = tableDefinitions(loadPackagedTemplate()).get(TABLE);
  if (!table) throw new Error(`the packaged template has no ${TABLE}`);
  await client.send(new CreateTableCommand(table));
  doc = DynamoDBDocumentClient.from(client);
});
afterAll(async () => {
  await db.close();
});

type Sent = { name: string; input: Record<string, unknown> };

/** The store on a client that records every command it sends; `tamper` may rewrite or intercept one. */
function storeWithSpy(tamper?: (sent: Sent, command: { input: Record<string, unknown> }) => Promise<void>) {
  const calls: string[] = [];
  const spy = {
    async send(command: { input: Record<string, unknown> }) {
      const sent = { name: command.constructor.name, input: command.input };
      calls.push(sent.name);
      await tamper?.(sent, command);
      return doc.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { store: dynamoThingStateStore(spy, TABLE, { now: () => NOW }, LEASE_MS), calls };
}

const freshThing = () => {
  run += 1;
  return `thing-${String(run).padStart(5, '0')}`;
};
const keyOf = (thingName: string) => ({ pk: `THING#${thingName}`, sk: 'STATE' });
const put = (thingName: string, attributes: Record<string, unknown>) =>
  doc.send(new PutCommand({ TableName: TABLE, Item: { ...keyOf(thingName), ...attributes } }));
const read = async (thingName: string) =>
  (await doc.send(new GetCommand({ TableName: TABLE, Key: keyOf(thingName), ConsistentRead: true }))).Item;

const request = (thingName: string, over: Partial<ClaimRequest> = {}): ClaimRequest => ({
  thingName,
  thingId: 'id-A',
  version: 6,
  at: NOW,
  eventId: 'e-new',
  ...over,
});

/** Stored items, each with the state the adapter must read from it (undefined: none applied yet). */
const STORED: { name: string; item?: Record<string, unknown>; state?: ThingState }[] = [
  { name: 'no item' },
  { name: 'only an expired lease', item: { leaseUntil: NOW - 1, leaseEvent: 'e-old', rev: 1 } },
  { name: 'no thingId', item: { appliedVersion: 5, appliedAt: T, deleted: false, rev: 2 } },
  {
    name: 'appliedVersion not a number',
    item: { thingId: 'id-A', appliedVersion: '5', appliedAt: T, rev: 2 },
  },
  { name: 'deleted, no appliedVersion', item: { thingId: 'id-A', appliedAt: T, deleted: true, rev: 2 } },
  { name: 'thingId not a string', item: { thingId: 7, appliedVersion: 5, appliedAt: T + 1, rev: 2 } },
  ...(['id-A', 'id-B'] as const).flatMap((thingId) => [
    {
      name: `${thingId} v5 at T`,
      item: { thingId, appliedVersion: 5, appliedAt: T, groups: ['g'], deleted: false, rev: 2 },
      state: { thingId, appliedVersion: 5, appliedAt: T, groups: ['g'], deleted: false },
    },
    {
      name: `${thingId} v5 at T, deleted`,
      item: { thingId, appliedVersion: 5, appliedAt: T, groups: [], deleted: true, rev: 2 },
      state: { thingId, appliedVersion: 5, appliedAt: T, groups: [], deleted: true },
    },
    {
      name: `${thingId} v5, no appliedAt, groups or deleted`,
      item: { thingId, appliedVersion: 5, rev: 2 },
      state: { thingId, appliedVersion: 5, appliedAt: 0, groups: [], deleted: false },
    },
    {
      name: `${thingId} v5, appliedAt and deleted of other types`,
      item: { thingId, appliedVersion: 5, appliedAt: String(T), deleted: 'true', rev: 2 },
      state: { thingId, appliedVersion: 5, appliedAt: 0, groups: [], deleted: false },
    },
  ]),
];

/**
 * Update and deletion events of id-A: version below, equal and above 5; at before, at and after T;
 * and at -1, where a missing appliedAt (read as 0) is newer.
 */
const EVENTS: Omit<ClaimRequest, 'thingName'>[] = [false, true].flatMap((deletion) =>
  [
    ...[4, 5, 6].flatMap((version) => [T - 1, T, T + 1].map((at) => ({ version, at }))),
    { version: 5, at: -1 },
  ].map((change) => ({ thingId: 'id-A', ...change, deletion, eventId: 'e-new' })),
);

const CASES = STORED.flatMap((stored) => EVENTS.map((event) => ({ stored, event })));

describe('dynamoThingStateStore.claim: staleness', () => {
  it('covers both answers for each thing incarnation', () => {
    const stale = (thingId: string) =>
      CASES.filter((c) => c.stored.state?.thingId === thingId).map((c) => isStale(c.stored.state, c.event));

    expect(new Set(stale('id-A'))).toEqual(new Set([true, false]));
    expect(new Set(stale('id-B'))).toEqual(new Set([true, false]));
  });

  it.each(
    CASES.map((c) => [
      `${c.stored.name}; ${c.event.deletion ? 'deletion' : 'update'} v${c.event.version} at ${c.event.at < 0 ? '-1' : `T${c.event.at === T ? '' : c.event.at < T ? '-1' : '+1'}`}`,
      c,
    ]),
  )('%s: stale exactly when isStale says so, in one call when claimed', async (_, { stored, event }) => {
    // Prepare
    const thingName = freshThing();
    if (stored.item) await put(thingName, stored.item);
    const before: Record<string, unknown> | undefined = stored.item && {
      ...keyOf(thingName),
      ...stored.item,
    };
    const { store, calls } = storeWithSpy();
    const stale = isStale(stored.state, event);

    // Act
    const claim = await store.claim({ ...event, thingName });

    // Assess
    const after = await read(thingName);
    if (stale) {
      expect(claim).toEqual({ kind: 'stale', state: stored.state });
      expect(after).toEqual(before);
      // The condition refused it (the code's guard would have written a second update).
      expect(calls).toEqual(['UpdateCommand', 'GetCommand']);
    } else {
      expect(claim).toEqual({ kind: 'claimed', previous: stored.state });
      expect(after).toEqual({
        ...before,
        ...keyOf(thingName),
        leaseUntil: NOW + LEASE_MS,
        leaseEvent: 'e-new',
        rev: typeof before?.rev === 'number' ? before.rev + 1 : 1,
      });
      expect(calls).toEqual(['UpdateCommand']);
    }
  });
});

describe('dynamoThingStateStore.claim: lease', () => {
  const applied = { thingId: 'id-A', appliedVersion: 5, appliedAt: T, groups: ['g'], deleted: false, rev: 4 };
  const state: ThingState = {
    thingId: 'id-A',
    appliedVersion: 5,
    appliedAt: T,
    groups: ['g'],
    deleted: false,
  };

  it('claims a new thing with one UpdateItem and nothing applied before', async () => {
    // Prepare
    const thingName = freshThing();
    const { store, calls } = storeWithSpy();

    // Act
    const claim = await store.claim(request(thingName));

    // Assess
    expect(claim).toEqual({ kind: 'claimed', previous: undefined });
    expect(calls).toEqual(['UpdateCommand']);
    expect(await read(thingName)).toEqual({
      ...keyOf(thingName),
      leaseUntil: NOW + LEASE_MS,
      leaseEvent: 'e-new',
      rev: 1,
    });
  });

  it("refuses while another event's lease is live, and changes nothing", async () => {
    // Prepare
    const thingName = freshThing();
    await put(thingName, { ...applied, leaseUntil: NOW + 1, leaseEvent: 'e-other' });
    const before = await read(thingName);
    const { store, calls } = storeWithSpy();

    // Act
    const claiming = store.claim(request(thingName));

    // Assess
    await expect(claiming).rejects.toThrow(ThingBusyError);
    await expect(claiming).rejects.toThrow(`thing ${thingName} is being updated by event e-other`);
    expect(await read(thingName)).toEqual(before);
    expect(calls).toEqual(['UpdateCommand', 'GetCommand']);
  });

  it("answers stale before busy: a stale event under another event's live lease takes nothing", async () => {
    // Prepare
    const thingName = freshThing();
    await put(thingName, { ...applied, leaseUntil: NOW + 1, leaseEvent: 'e-other' });
    const before = await read(thingName);
    const { store } = storeWithSpy();

    // Act
    const claim = await store.claim(request(thingName, { version: 5 }));

    // Assess
    expect(claim).toEqual({ kind: 'stale', state });
    expect(await read(thingName)).toEqual(before);
  });

  it.each<[string, number | string]>([
    ['expired before now', NOW - 1],
    ['expiring now', NOW],
    // A lease time that is not a number holds nothing, as the code has always read it.
    ['whose time is not a number', String(NOW + 1_000)],
  ])("takes over another event's lease %s", async (_, leaseUntil) => {
    // Prepare
    const thingName = freshThing();
    await put(thingName, { ...applied, leaseUntil, leaseEvent: 'e-other' });
    const { store, calls } = storeWithSpy();

    // Act
    const claim = await store.claim(request(thingName));

    // Assess
    expect(claim).toEqual({ kind: 'claimed', previous: state });
    expect(calls).toEqual(['UpdateCommand']);
    expect(await read(thingName)).toMatchObject({ leaseUntil: NOW + LEASE_MS, leaseEvent: 'e-new', rev: 5 });
  });

  it('lets an event re-claim its own live lease (a retry after a crash)', async () => {
    // Prepare
    const thingName = freshThing();
    await put(thingName, { ...applied, leaseUntil: NOW + 1_000, leaseEvent: 'e-new' });
    const { store, calls } = storeWithSpy();

    // Act
    const claim = await store.claim(request(thingName));

    // Assess
    expect(claim).toEqual({ kind: 'claimed', previous: state });
    expect(calls).toEqual(['UpdateCommand']);
    expect(await read(thingName)).toMatchObject({ leaseUntil: NOW + LEASE_MS, leaseEvent: 'e-new', rev: 5 });
  });

  it('is busy when the state changed between the refused update and the read', async () => {
    // Prepare: another event holds the lease for the update, and has released it by the read.
    const thingName = freshThing();
    await put(thingName, applied);
    const lease = { leaseUntil: NOW + 1_000, leaseEvent: 'e-other' };
    const { store, calls } = storeWithSpy(async (sent) => {
      if (sent.name === 'UpdateCommand') await put(thingName, { ...applied, ...lease });
      if (sent.name === 'GetCommand') await put(thingName, { ...applied, rev: 6 });
    });

    // Act
    const claiming = store.claim(request(thingName));

    // Assess
    await expect(claiming).rejects.toThrow(`thing ${thingName} changed while claiming`);
    expect(calls).toEqual(['UpdateCommand', 'GetCommand']);
  });

  it('gives the lease back and answers stale if the condition ever lets a stale event through', async () => {
    // Prepare: a condition that always holds stands for one that disagrees with isStale.
    const thingName = freshThing();
    await put(thingName, applied);
    const { store, calls } = storeWithSpy(async (sent, command) => {
      if (sent.name === 'UpdateCommand' && calls.length === 1)
        command.input.ConditionExpression = `attribute_exists(pk) OR (${String(sent.input.ConditionExpression)})`;
    });

    // Act
    const claim = await store.claim(request(thingName, { version: 5 }));

    // Assess
    expect(claim).toEqual({ kind: 'stale', state });
    expect(calls).toEqual(['UpdateCommand', 'UpdateCommand']);
    const after = await read(thingName);
    expect(after).not.toHaveProperty('leaseEvent');
    expect(after).not.toHaveProperty('leaseUntil');
    expect(after).toMatchObject({ ...applied, rev: 5 });
  });
});
