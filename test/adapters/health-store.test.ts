import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { dynamoHealthStore, healthKeys } from '../../shared/adapters/health-store';
import { keys, toStage } from '../../shared/adapters/rollout-keys';
import { RolloutStoreBusyError } from '../../shared/domain/rollout/errors';
import type { StageHealth } from '../../shared/domain/rollout/stage-health';
import type { HealthWatch, Suspect } from '../../shared/services/health-ports';
import { startPackagedTables } from './packaged-tables';

/**
 * shared/adapters/health-store.ts against the local DynamoDB (dynalite, plus the transactions the
 * local stack adds to it), on the state table as the packaged template defines it (`StateTable`).
 */
const TABLE = 'StateTable';
const T0 = Date.parse('2027-03-01T00:00:00Z');
let db: LocalDynamoDb;
let doc: DynamoDBDocumentClient;
let run = 0;

beforeAll(async () => {
  ({ db, doc } = await startPackagedTables([TABLE]));
});
afterAll(async () => {
  await db.close();
});

/** A rollout id no other test uses, with its stage 0 item (what putSuspect and setStageHealth update). */
async function freshStage(withStage = true) {
  run += 1;
  const rolloutId = `fw-${String(run).padStart(8, '0')}`;
  if (withStage)
    await doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...keys.stage(rolloutId, 0), rolloutId, index: 0, name: 'fleet', jobId: `${rolloutId}-s0` },
      }),
    );
  return rolloutId;
}

const suspect = (rolloutId: string, thing: string, over: Partial<Suspect> = {}): Suspect => ({
  rolloutId,
  stageIndex: 0,
  thingName: thing,
  jobId: `${rolloutId}-s0`,
  reason: 'reconnect',
  succeededAt: T0,
  windowMs: 600_000,
  ...over,
});

const stageItem = async (rolloutId: string) => {
  const { Item } = await doc.send(new GetCommand({ TableName: TABLE, Key: keys.stage(rolloutId, 0) }));
  return Item ? toStage(Item) : undefined;
};

/** The document client with `intercept` in front of its send (a fault, a count). */
function wrapped(intercept: (command: unknown, send: () => Promise<unknown>) => Promise<unknown>) {
  return {
    send: (command: unknown) => intercept(command, () => doc.send(command as never)),
  } as unknown as DynamoDBDocumentClient;
}

/** The requests a store sends, by command name, with `before` run ahead of each (a concurrent writer). */
function counted(before: (command: unknown, n: number) => Promise<void> = async () => {}) {
  const sent: string[] = [];
  const client = wrapped(async (c, send) => {
    await before(c, sent.length);
    sent.push((c as object).constructor.name);
    return send();
  });
  return { store: dynamoHealthStore(client, TABLE), sent };
}

const presenceItem = async (thing: string) =>
  (
    await doc.send(
      new GetCommand({ TableName: TABLE, Key: healthKeys.presence(thing), ConsistentRead: true }),
    )
  ).Item;

describe('dynamoHealthStore: presence', () => {
  it('keeps a set of events, sorted, whatever the order and the duplicates', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    const events = [
      { at: T0 + 3, connected: true, version: 2 },
      { at: T0 + 1, connected: false, version: 1 },
      { at: T0 + 3, connected: true, version: 2 },
    ];

    // Act
    for (const e of events) await store.recordPresence('p-order', e, T0 + 10);

    // Assess
    expect((await store.presenceOf(['p-order'])).get('p-order')).toEqual([
      { at: T0 + 1, connected: false, version: 1 },
      { at: T0 + 3, connected: true, version: 2 },
    ]);
  });

  it('writes nothing for a duplicate event: its one write finds the event there and changes nothing', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    await store.recordPresence('p-dup', { at: T0, connected: false }, T0);
    const before = await presenceItem('p-dup');
    const { store: counting, sent } = counted();

    // Act
    const history = await counting.recordPresence('p-dup', { at: T0, connected: false }, T0 + 1);

    // Assess: the write assuming no item failed; the item it handed back already has the event.
    expect(history).toEqual([{ at: T0, connected: false }]);
    expect(sent).toEqual(['PutCommand']);
    expect(await presenceItem('p-dup')).toEqual(before);
  });

  it('loses no event when two arrive for one thing at the same time', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);

    // Act
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        store.recordPresence('p-race', { at: T0 + i, connected: i % 2 === 1 }, T0),
      ),
    );

    // Assess
    expect((await store.presenceOf(['p-race'])).get('p-race')).toHaveLength(6);
  });

  it('reads the presence of more than 100 things (BatchGetItem takes 100 keys a call)', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    const things = Array.from({ length: 250 }, (_, i) => `p-many-${i}`);
    for (const t of things.slice(0, 240)) await store.recordPresence(t, { at: T0, connected: true }, T0);
    const batches: number[] = [];
    const counting = dynamoHealthStore(
      wrapped((c, send) => {
        if (c instanceof BatchGetCommand) batches.push(c.input.RequestItems?.[TABLE]?.Keys?.length ?? 0);
        return send();
      }),
      TABLE,
    );

    // Act
    const found = await counting.presenceOf([...things, ...things.slice(0, 10)]);

    // Assess: the ten without a history are not in the answer; duplicates are asked once.
    expect(found.size).toBe(240);
    expect(found.get('p-many-0')).toEqual([{ at: T0, connected: true }]);
    expect(found.has('p-many-245')).toBe(false);
    expect(batches).toEqual([100, 100, 50]);
  });

  it('asks again for the keys DynamoDB left unprocessed', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    for (const t of ['p-un-1', 'p-un-2']) await store.recordPresence(t, { at: T0, connected: true }, T0);
    let first = true;
    const throttling = dynamoHealthStore(
      wrapped(async (c, send) => {
        if (!(c instanceof BatchGetCommand) || !first) return send();
        first = false;
        const keysAsked = c.input.RequestItems?.[TABLE]?.Keys ?? [];
        return { Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: { Keys: keysAsked } } };
      }),
      TABLE,
    );

    // Act
    const found = await throttling.presenceOf(['p-un-1', 'p-un-2']);

    // Assess
    expect([...found.keys()].sort()).toEqual(['p-un-1', 'p-un-2']);
  });
});

describe('dynamoHealthStore: presence in one request', () => {
  it("writes a thing's first event with one request and no read", async () => {
    // Prepare
    const { store, sent } = counted();

    // Act
    const history = await store.recordPresence('p1-first', { at: T0, connected: true }, T0);

    // Assess
    expect(history).toEqual([{ at: T0, connected: true }]);
    expect(sent).toEqual(['PutCommand']);
    expect(await presenceItem('p1-first')).toMatchObject({ history, revision: 1 });
  });

  it('merges a later event into the history its failed first write handed back: two requests', async () => {
    // Prepare
    await dynamoHealthStore(doc, TABLE).recordPresence('p1-next', { at: T0, connected: true }, T0);
    const { store, sent } = counted();

    // Act
    const history = await store.recordPresence('p1-next', { at: T0 + 5, connected: false }, T0 + 5);

    // Assess
    expect(history).toEqual([
      { at: T0, connected: true },
      { at: T0 + 5, connected: false },
    ]);
    expect(sent).toEqual(['PutCommand', 'PutCommand']);
    expect(await presenceItem('p1-next')).toMatchObject({ history, revision: 2 });
  });

  it('keeps a concurrent first event written before its own: both, with no read', async () => {
    // Prepare: another event for the thing lands just before the first write.
    const other = dynamoHealthStore(doc, TABLE);
    const { store, sent } = counted(async (_, n) => {
      if (n === 0) await other.recordPresence('p1-race', { at: T0 + 1, connected: true }, T0);
    });

    // Act
    const history = await store.recordPresence('p1-race', { at: T0, connected: false }, T0);

    // Assess
    expect(history).toEqual([
      { at: T0, connected: false },
      { at: T0 + 1, connected: true },
    ]);
    expect(sent).toEqual(['PutCommand', 'PutCommand']);
    expect(await presenceItem('p1-race')).toMatchObject({ history, revision: 2 });
  });

  it('merges into what a concurrent writer left when its revision moved between attempts', async () => {
    // Prepare: a stored history, and another event landing just before the second write.
    const other = dynamoHealthStore(doc, TABLE);
    await other.recordPresence('p1-moved', { at: T0, connected: true }, T0);
    const { store, sent } = counted(async (_, n) => {
      if (n === 1) await other.recordPresence('p1-moved', { at: T0 + 2, connected: true }, T0);
    });

    // Act
    const history = await store.recordPresence('p1-moved', { at: T0 + 1, connected: false }, T0);

    // Assess
    expect(history).toEqual([
      { at: T0, connected: true },
      { at: T0 + 1, connected: false },
      { at: T0 + 2, connected: true },
    ]);
    expect(sent).toEqual(['PutCommand', 'PutCommand', 'PutCommand']);
    expect(await presenceItem('p1-moved')).toMatchObject({ history, revision: 3 });
  });

  it('starts a new history when the item is gone by its second write (no item came back: read)', async () => {
    // Prepare: the history expires (TTL) between the attempts.
    await dynamoHealthStore(doc, TABLE).recordPresence('p1-gone', { at: T0, connected: true }, T0);
    const { store, sent } = counted(async (_, n) => {
      if (n === 1)
        await doc.send(new DeleteCommand({ TableName: TABLE, Key: healthKeys.presence('p1-gone') }));
    });

    // Act
    const history = await store.recordPresence('p1-gone', { at: T0 + 1, connected: false }, T0 + 1);

    // Assess
    expect(history).toEqual([{ at: T0 + 1, connected: false }]);
    expect(sent).toEqual(['PutCommand', 'PutCommand', 'GetCommand', 'PutCommand']);
    expect(await presenceItem('p1-gone')).toMatchObject({ history, revision: 1 });
  });

  it('gives up (RolloutStoreBusyError) after ten writes that each lost to another writer', async () => {
    // Prepare: another event for the thing lands before each of its writes.
    const other = dynamoHealthStore(doc, TABLE);
    const { store, sent } = counted(async (_, n) => {
      await other.recordPresence('p1-busy', { at: T0 + 100 + n, connected: true }, T0);
    });

    // Act
    const recording = store.recordPresence('p1-busy', { at: T0, connected: false }, T0);

    // Assess
    await expect(recording).rejects.toBeInstanceOf(RolloutStoreBusyError);
    expect(sent).toEqual(Array(10).fill('PutCommand'));
  });

  it('reads the item when a failed write hands none back', async () => {
    // Prepare: a backend that does not hand the item back (dynalite ignores the parameter).
    await dynamoHealthStore(doc, TABLE).recordPresence('p1-noitem', { at: T0, connected: true }, T0);
    const sent: string[] = [];
    const store = dynamoHealthStore(
      wrapped(async (c, send) => {
        sent.push((c as object).constructor.name);
        return send().catch((error: { Item?: unknown }) => {
          delete error.Item;
          throw error;
        });
      }),
      TABLE,
    );

    // Act
    const history = await store.recordPresence('p1-noitem', { at: T0 + 1, connected: false }, T0 + 1);

    // Assess
    expect(history).toEqual([
      { at: T0, connected: true },
      { at: T0 + 1, connected: false },
    ]);
    expect(sent).toEqual(['PutCommand', 'GetCommand', 'PutCommand']);
  });

  it('answers the stored history, writing nothing, for an event the merge drops', async () => {
    // Prepare
    await dynamoHealthStore(doc, TABLE).recordPresence('p1-bad', { at: T0, connected: true }, T0);
    const before = await presenceItem('p1-bad');
    const { store, sent } = counted();

    // Act
    const history = await store.recordPresence('p1-bad', { at: Number.NaN, connected: false }, T0 + 1);

    // Assess
    expect(history).toEqual([{ at: T0, connected: true }]);
    expect(sent).not.toContain('PutCommand');
    expect(await presenceItem('p1-bad')).toEqual(before);
  });
});

describe('dynamoHealthStore: watches', () => {
  const watch = (over: Partial<HealthWatch> = {}): HealthWatch => ({
    thingName: 'w-1',
    rolloutId: 'fw-watch001',
    stageIndex: 0,
    jobId: 'fw-watch001-s0',
    succeededAt: T0,
    windowMs: 600_000,
    ...over,
  });

  it('keeps the newest success of a thing in a rollout', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    await store.putWatch(watch({ succeededAt: T0 + 5 }));

    // Act
    await store.putWatch(watch({ succeededAt: T0 + 1 }));

    // Assess
    expect(await store.watchesOf('w-1')).toEqual([watch({ succeededAt: T0 + 5 })]);
  });

  it("lists a thing's watches in every rollout, and nothing else of its partition", async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    await store.putWatch(watch({ thingName: 'w-2' }));
    await store.putWatch(watch({ thingName: 'w-2', rolloutId: 'fw-watch002', jobId: 'fw-watch002-s0' }));
    await store.recordPresence('w-2', { at: T0, connected: true }, T0);
    // The grouping automation's record shares the partition (shared/adapters/thing-state-store.ts).
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'THING#w-2', sk: 'STATE', groups: [] } }));

    // Act
    const watches = await store.watchesOf('w-2');

    // Assess
    expect(watches.map((w) => w.rolloutId).sort()).toEqual(['fw-watch001', 'fw-watch002']);
  });
});

describe('dynamoHealthStore: suspects', () => {
  it('creates a suspect once and counts it once on its stage', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    const id = await freshStage();

    // Act
    const first = await store.putSuspect(suspect(id, 's-1'));
    const again = await store.putSuspect(suspect(id, 's-1', { succeededAt: T0 + 99 }));

    // Assess
    expect([first, again]).toEqual([true, false]);
    expect(await store.suspects(id, 0)).toEqual([suspect(id, 's-1')]);
    expect((await stageItem(id))?.suspects).toEqual({ reconnect: 1 });
  });

  it('keeps a self-check and a reconnect suspect of one thing apart, each counted under its reason', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    const id = await freshStage();

    // Act
    await store.putSuspect(suspect(id, 's-1'));
    await store.putSuspect(
      suspect(id, 's-1', { reason: 'selfCheck', windowMs: 0, explanation: 'selfTest missing' }),
    );

    // Assess
    expect((await store.suspects(id, 0)).map((s) => s.reason)).toEqual(['reconnect', 'selfCheck']);
    expect((await stageItem(id))?.suspects).toEqual({ reconnect: 1, selfCheck: 1 });
  });

  it('writes no suspect for a stage that does not exist', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    const id = await freshStage(false);

    // Act
    const created = await store.putSuspect(suspect(id, 's-1'));

    // Assess
    expect(created).toBe(false);
    expect(await store.suspects(id, 0)).toEqual([]);
    expect(await stageItem(id)).toBeUndefined();
  });

  it('retries a suspect whose transaction lost to a concurrent one on the stage item: it is not a duplicate', async () => {
    // Prepare: the tracker's counters ADD to the same stage item in their own transactions.
    const id = await freshStage();
    let conflicts = 1;
    const contended = dynamoHealthStore(
      wrapped((c, send) => {
        if (!(c instanceof TransactWriteCommand) || conflicts === 0) return send();
        conflicts -= 1;
        const error = Object.assign(new Error('Transaction cancelled, please refer cancellation reasons'), {
          name: 'TransactionCanceledException',
          CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
        });
        return Promise.reject(error);
      }),
      TABLE,
    );

    // Act
    const created = await contended.putSuspect(suspect(id, 's-1'));

    // Assess
    expect(created).toBe(true);
    expect(await dynamoHealthStore(doc, TABLE).suspects(id, 0)).toHaveLength(1);
    expect((await stageItem(id))?.suspects).toEqual({ reconnect: 1 });
  });

  it('fails (for the caller to retry) rather than drop a suspect whose transaction keeps conflicting', async () => {
    // Prepare
    const id = await freshStage();
    const contended = dynamoHealthStore(
      wrapped((c, send) => {
        if (!(c instanceof TransactWriteCommand)) return send();
        const error = Object.assign(new Error('Transaction cancelled'), {
          name: 'TransactionCanceledException',
          CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
        });
        return Promise.reject(error);
      }),
      TABLE,
    );

    // Act
    const attempt = contended.putSuspect(suspect(id, 's-1'));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(RolloutStoreBusyError);
  });

  it('reads every suspect of a stage across the pages of its Query', async () => {
    // Prepare: suspects of 10 KB each, so the 1 MB page limit splits the Query.
    const store = dynamoHealthStore(doc, TABLE);
    const id = await freshStage();
    const bulky = 'x'.repeat(10_000);
    for (let i = 0; i < 120; i++)
      await store.putSuspect(suspect(id, `s-${String(i).padStart(3, '0')}`, { explanation: bulky }));
    let queries = 0;
    const counting = dynamoHealthStore(
      wrapped((c, send) => {
        if (c instanceof QueryCommand) queries += 1;
        return send();
      }),
      TABLE,
    );

    // Act
    const all = await counting.suspects(id, 0);

    // Assess
    expect(all).toHaveLength(120);
    expect(new Set(all.map((s) => s.thingName)).size).toBe(120);
    expect(queries).toBeGreaterThan(1);
  });

  it('never overwrites a verdict', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    const id = await freshStage();
    await store.putSuspect(suspect(id, 's-1'));
    await store.judgeSuspect(suspect(id, 's-1'), 'unhealthy', T0 + 1, 'not back');

    // Act
    await store.judgeSuspect(suspect(id, 's-1'), 'healthy', T0 + 2, 'back');

    // Assess
    expect((await store.suspects(id, 0))[0]).toMatchObject({
      verdict: 'unhealthy',
      judgedAt: T0 + 1,
      evidence: 'not back',
    });
  });

  it('judges no suspect that does not exist (it creates none)', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    const id = await freshStage();

    // Act
    await store.judgeSuspect(suspect(id, 's-1'), 'unhealthy', T0, 'not back');

    // Assess
    const { Item } = await doc.send(
      new GetCommand({ TableName: TABLE, Key: healthKeys.suspect(suspect(id, 's-1')) }),
    );
    expect(Item).toBeUndefined();
  });
});

describe("dynamoHealthStore: the stage's health", () => {
  const health = (checkedAt: number, unhealthy: number): StageHealth => ({
    unhealthy,
    unjudged: 0,
    checkedAt,
    examples: [],
  });

  it('keeps the newest check: an older one arriving late changes nothing', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    const id = await freshStage();
    await store.setStageHealth(id, 0, health(T0 + 2, 3));

    // Act
    await store.setStageHealth(id, 0, health(T0 + 1, 0));

    // Assess
    expect((await stageItem(id))?.health).toEqual(health(T0 + 2, 3));
  });

  it('writes no stage item for a stage that does not exist', async () => {
    // Prepare
    const store = dynamoHealthStore(doc, TABLE);
    const id = await freshStage(false);

    // Act
    await store.setStageHealth(id, 0, health(T0, 1));

    // Assess
    expect(await stageItem(id)).toBeUndefined();
  });
});

describe('foldSuccessBuckets', () => {
  it('moves ended buckets into okMatured in one write, and does nothing if one moved since it was read', async () => {
    // Prepare
    const rolloutId = await freshStage();
    const store = dynamoHealthStore(doc, TABLE);
    await doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...keys.stage(rolloutId, 0),
          rolloutId,
          index: 0,
          name: 'fleet',
          jobId: `${rolloutId}-s0`,
          ok_100: 3,
          ok_101: 2,
          ok_102: 5,
        },
      }),
    );

    // Act
    const stale = await store.foldSuccessBuckets(rolloutId, 0, { 100: 3, 101: 1 });
    const folded = await store.foldSuccessBuckets(rolloutId, 0, { 100: 3, 101: 2 });

    // Assess
    const { Item } = await doc.send(new GetCommand({ TableName: TABLE, Key: keys.stage(rolloutId, 0) }));
    expect([stale, folded]).toEqual([false, true]);
    expect(toStage(Item ?? {})).toMatchObject({ okBuckets: { 102: 5 }, okMatured: 5 });
  });
});
