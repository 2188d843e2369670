import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { dynamoThingStateStore } from '../../shared/adapters/thing-state-store';
import type { ClaimRequest, ThingStateStore } from '../../shared/services/grouping-ports';
import { startPackagedTables } from './packaged-tables';

/** shared/adapters/thing-state-store.ts against the local DynamoDB, on the packaged `StateTable`. */
const TABLE = 'StateTable';
const LEASE_MS = 120_000;
let db: LocalDynamoDb;
let doc: DynamoDBDocumentClient;
let now = 1_000_000;
let store: ThingStateStore;
let run = 0;

beforeAll(async () => {
  ({ db, doc } = await startPackagedTables([TABLE]));
  store = dynamoThingStateStore(doc, TABLE, { now: () => now }, LEASE_MS);
});
afterAll(async () => {
  await db.close();
});

/** A thing no other test uses, and an event for it. */
function freshThing(): (eventId: string, version?: number) => ClaimRequest {
  run += 1;
  const thingName = `thing-${run}`;
  return (eventId, version = 1) => ({ thingName, thingId: `id-${run}`, version, at: now, eventId });
}
/** How many requests `work` sent to DynamoDB. */
async function requests(work: () => Promise<unknown>): Promise<number> {
  const before = db.stats.forwarded;
  await work();
  return db.stats.forwarded - before;
}
const commit = (r: ClaimRequest) => store.commit({ ...r, groups: ['g'], deleted: false });
const record = async (r: ClaimRequest) =>
  (await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: `THING#${r.thingName}`, sk: 'STATE' } })))
    .Item;

describe('dynamoThingStateStore', () => {
  it("takes a new thing's lease in one request, and judges a duplicate stale in one more", async () => {
    const event = freshThing();
    let claim: Awaited<ReturnType<ThingStateStore['claim']>> | undefined;
    expect(
      await requests(async () => {
        claim = await store.claim(event('e1'));
      }),
    ).toBe(1);
    expect(claim).toEqual({ kind: 'claimed', previous: undefined, interrupted: false });
    await commit(event('e1'));

    expect(
      await requests(async () => {
        claim = await store.claim(event('e1'));
      }),
    ).toBe(1);
    expect(claim).toMatchObject({ kind: 'stale', state: { appliedVersion: 1, groups: ['g'] } });
  });

  it('hands the next event what was applied, in two requests, and releases the lease on commit', async () => {
    const event = freshThing();
    await store.claim(event('e1'));
    await commit(event('e1'));
    let claim: Awaited<ReturnType<ThingStateStore['claim']>> | undefined;
    expect(
      await requests(async () => {
        claim = await store.claim(event('e2', 2));
      }),
    ).toBe(2);
    expect(claim).toMatchObject({ kind: 'claimed', previous: { appliedVersion: 1, groups: ['g'] } });
    expect(await record(event('e2', 2))).toMatchObject({ leaseEvent: 'e2' });
    await commit(event('e2', 2));
    expect(await record(event('e2', 2))).not.toHaveProperty('leaseEvent');
  });

  it('holds a live lease against every other attempt, a copy of its own event included, until it runs out', async () => {
    const event = freshThing();
    await store.claim(event('e1'));
    await expect(store.claim(event('e1'))).rejects.toMatchObject({ name: 'ThingBusyError' });
    await expect(store.claim(event('e2', 2))).rejects.toMatchObject({ name: 'ThingBusyError' });

    now += LEASE_MS + 1;
    await expect(store.claim(event('e2', 2))).resolves.toMatchObject({ kind: 'claimed' });
    await expect(commit(event('e1'))).rejects.toMatchObject({ name: 'ThingBusyError' });
  });

  it("lets a failed attempt's own event take its idle lease, and no other event", async () => {
    const event = freshThing();
    await store.claim(event('e1'));
    await store.idle(event('e2', 2)); // not its lease: nothing changes
    await expect(store.claim(event('e1'))).rejects.toMatchObject({ name: 'ThingBusyError' });

    await store.idle(event('e1'));
    await expect(store.claim(event('e2', 2))).rejects.toMatchObject({ name: 'ThingBusyError' });
    await expect(store.claim(event('e1'))).resolves.toMatchObject({ kind: 'claimed' });
    // Taken again, the lease is busy once more.
    await expect(store.claim(event('e1'))).rejects.toMatchObject({ name: 'ThingBusyError' });
    await commit(event('e1'));
  });

  it("lets its own event take back a lease once the attempt's time is over, not before", async () => {
    const event = freshThing();
    await store.claim({ ...event('e1'), attemptMs: 60_000 });
    now += 59_999;
    await expect(store.claim(event('e1'))).rejects.toMatchObject({ name: 'ThingBusyError' });
    now += 1;
    await expect(store.claim(event('e2', 2))).rejects.toMatchObject({ name: 'ThingBusyError' });
    await expect(store.claim(event('e1'))).resolves.toMatchObject({ kind: 'claimed', interrupted: true });
    await commit(event('e1'));
  });

  it("says when it takes over a lease no attempt committed, its own event's included, and only then", async () => {
    const event = freshThing();
    await expect(store.claim(event('e1'))).resolves.toMatchObject({ interrupted: false });
    now += LEASE_MS + 1;
    await expect(store.claim(event('e2', 2))).resolves.toMatchObject({ kind: 'claimed', interrupted: true });
    await commit(event('e2', 2));
    await expect(store.claim(event('e3', 3))).resolves.toMatchObject({ kind: 'claimed', interrupted: false });
    await store.idle(event('e3', 3));
    await expect(store.claim(event('e3', 3))).resolves.toMatchObject({ interrupted: true });
    await commit(event('e3', 3));
  });

  it('reads the record when a failed condition hands none back', async () => {
    const event = freshThing();
    await store.claim(event('e1'));
    await commit(event('e1'));
    const withoutItem = {
      send: async (command: UpdateCommand | GetCommand) => {
        try {
          return await doc.send(command as UpdateCommand);
        } catch (error) {
          delete (error as { Item?: unknown }).Item;
          throw error;
        }
      },
    } as unknown as DynamoDBDocumentClient;
    const plain = dynamoThingStateStore(withoutItem, TABLE, { now: () => now });
    await expect(plain.claim(event('e1'))).resolves.toMatchObject({ kind: 'stale' });
    await expect(plain.claim(event('e2', 2))).resolves.toMatchObject({
      kind: 'claimed',
      previous: { appliedVersion: 1 },
    });
  });

  it('is busy when the record changes between what the claim saw and its write', async () => {
    const event = freshThing();
    await store.claim(event('e1'));
    await commit(event('e1'));
    // Someone else bumps the revision after the claim saw the record, before its second write.
    const sneaky = {
      send: async (command: UpdateCommand) => {
        if (command.input.ConditionExpression === 'rev = :rev')
          await doc.send(
            new UpdateCommand({
              TableName: TABLE,
              Key: { pk: `THING#${event('x').thingName}`, sk: 'STATE' },
              UpdateExpression: 'SET rev = rev + :one',
              ExpressionAttributeValues: { ':one': 1 },
            }),
          );
        return doc.send(command);
      },
    } as unknown as DynamoDBDocumentClient;
    const store2 = dynamoThingStateStore(sneaky, TABLE, { now: () => now });
    await expect(store2.claim(event('e2', 2))).rejects.toMatchObject({
      name: 'ThingBusyError',
      message: expect.stringMatching(/changed while claiming/),
    });
  });
});
