import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { keys } from '../../shared/adapters/rollout-keys';
import { dynamoRolloutStore } from '../../shared/adapters/rollout-store';
import { dynamoTransactWriter, executionCounters } from '../../shared/adapters/rollout-transact';
import { RolloutStoreBusyError } from '../../shared/domain/rollout/errors';
import { successBucket } from '../../shared/domain/rollout/health-counts';
import { jobIdFor } from '../../shared/domain/rollout/ids';
import type { ExecutionTerminal } from '../../shared/domain/rollout/job-event';
import { startPackagedTables } from './packaged-tables';
import { runningStage } from './rollout-item';

/**
 * shared/adapters/rollout-transact.ts executionCounters on the local DynamoDB, counting its requests:
 * an execution's first terminal event takes one transaction and no read; a failed condition on the
 * execution item hands back the item it saw (ALL_OLD), which stands in for the read.
 */
const TABLE = 'StateTable';
const T0 = Date.parse('2027-06-01T00:00:00Z');
let db: LocalDynamoDb;
let doc: DynamoDBDocumentClient;
let run = 0;

beforeAll(async () => {
  ({ db, doc } = await startPackagedTables([TABLE, 'TaskTokensTable']));
});
afterAll(async () => {
  await db.close();
});

const store = () => dynamoRolloutStore(doc, TABLE, 'TaskTokensTable');
const plain = () => executionCounters(doc, TABLE, dynamoTransactWriter(doc));

/** A rollout id no other test uses, with its stage 0 running its first job unless told otherwise. */
async function newStage(stage: 'running' | 'none' | 'other-job' = 'running') {
  run += 1;
  const rolloutId = `fw-${String(run).padStart(8, '0')}`;
  const jobId = jobIdFor(rolloutId, 0);
  if (stage !== 'none') {
    const item = runningStage(rolloutId, stage === 'running' ? jobId : jobIdFor(rolloutId, 0, 1), T0);
    await store().putStage(item);
  }
  return { rolloutId, jobId };
}

const event = (
  jobId: string,
  status: 'SUCCEEDED' | 'FAILED' | 'REJECTED',
  at: number,
  thing = 't-1',
): ExecutionTerminal => ({
  eventId: `${jobId}-${thing}-${status}-${at}`,
  jobId,
  thingName: thing,
  thingArn: `arn:aws:iot:us-east-1:123456789012:thing/${thing}`,
  status,
  outcome: ({ SUCCEEDED: 'succeeded', FAILED: 'failed', REJECTED: 'rejected' } as const)[status],
  at,
});

/** The stage item as stored (its counters and ok_<minute> buckets). */
const stageItem = async (rolloutId: string) =>
  (await doc.send(new GetCommand({ TableName: TABLE, Key: keys.stage(rolloutId, 0), ConsistentRead: true })))
    .Item;
const mark = async (jobId: string, thing = 't-1') =>
  (
    await doc.send(
      new GetCommand({ TableName: TABLE, Key: keys.execution(jobId, thing), ConsistentRead: true }),
    )
  ).Item;
const counters = (item: Record<string, unknown> | undefined) => ({
  succeeded: item?.succeeded,
  failed: item?.failed,
  rejected: item?.rejected,
});

type Send = (command: unknown) => Promise<unknown>;

/**
 * executionCounters on a client that records the name of each request it sends, with `before` run
 * ahead of each (a concurrent writer) and `around` wrapping the real call (a fault, a changed answer).
 */
function counted(
  before: (n: number) => Promise<void> = async () => {},
  around: (command: unknown, send: () => Promise<unknown>, n: number) => Promise<unknown> = (_, send) =>
    send(),
) {
  const sent: string[] = [];
  const client = {
    send: (async (command) => {
      const n = sent.length;
      await before(n);
      sent.push((command as object).constructor.name);
      return around(command, () => doc.send(command as never), n);
    }) as Send,
  } as unknown as DynamoDBDocumentClient;
  return { count: executionCounters(client, TABLE, dynamoTransactWriter(client)), sent };
}

describe('executionCounters: one request in the common case', () => {
  it("applies an execution's first event with one transaction and no read", async () => {
    // Prepare
    const { rolloutId, jobId } = await newStage();
    const { count, sent } = counted();

    // Act
    const result = await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 1));

    // Assess
    expect(result).toBe('applied');
    expect(sent).toEqual(['TransactWriteCommand']);
    expect(counters(await stageItem(rolloutId))).toEqual({ succeeded: 1, failed: 0, rejected: 0 });
    expect(await mark(jobId)).toMatchObject({ at: T0 + 1, outcome: 'succeeded', status: 'SUCCEEDED' });
  });

  it('answers a duplicate from its failed transaction (one request) and changes nothing', async () => {
    // Prepare
    const { rolloutId, jobId } = await newStage();
    await plain()(rolloutId, 0, event(jobId, 'FAILED', T0 + 1));
    const [stageBefore, markBefore] = [await stageItem(rolloutId), await mark(jobId)];
    const { count, sent } = counted();

    // Act
    const result = await count(rolloutId, 0, event(jobId, 'FAILED', T0 + 1));

    // Assess
    expect(result).toBe('duplicate');
    expect(sent).toEqual(['TransactWriteCommand']);
    expect(await stageItem(rolloutId)).toEqual(stageBefore);
    expect(await mark(jobId)).toEqual(markBefore);
  });

  it('answers an older event as stale from its failed transaction and changes nothing', async () => {
    // Prepare
    const { rolloutId, jobId } = await newStage();
    await plain()(rolloutId, 0, event(jobId, 'FAILED', T0 + 5));
    const [stageBefore, markBefore] = [await stageItem(rolloutId), await mark(jobId)];
    const { count, sent } = counted();

    // Act
    const result = await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 1));

    // Assess
    expect(result).toBe('stale');
    expect(sent).toEqual(['TransactWriteCommand']);
    expect(await stageItem(rolloutId)).toEqual(stageBefore);
    expect(await mark(jobId)).toEqual(markBefore);
  });

  it('moves a newer event on from the execution item its failed transaction handed back: two requests', async () => {
    // Prepare: a failure, then the retried execution's success.
    const { rolloutId, jobId } = await newStage();
    await plain()(rolloutId, 0, event(jobId, 'FAILED', T0 + 1));
    const { count, sent } = counted();

    // Act
    const result = await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 2));

    // Assess
    expect(result).toBe('applied');
    expect(sent).toEqual(['TransactWriteCommand', 'TransactWriteCommand']);
    expect(counters(await stageItem(rolloutId))).toEqual({ succeeded: 1, failed: 0, rejected: 0 });
  });
});

describe('executionCounters: concurrent events for one execution', () => {
  it('counts once when another event lands before its first transaction', async () => {
    // Prepare: the other event is older and lands first.
    const { rolloutId, jobId } = await newStage();
    const { count, sent } = counted(async (n) => {
      if (n === 0) await plain()(rolloutId, 0, event(jobId, 'FAILED', T0 + 1));
    });

    // Act
    const result = await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 2));

    // Assess
    expect(result).toBe('applied');
    expect(sent).toEqual(['TransactWriteCommand', 'TransactWriteCommand']);
    expect(counters(await stageItem(rolloutId))).toEqual({ succeeded: 1, failed: 0, rejected: 0 });
    expect(await mark(jobId)).toMatchObject({ at: T0 + 2, outcome: 'succeeded' });
  });

  it('is stale when a newer event lands before its first transaction', async () => {
    // Prepare
    const { rolloutId, jobId } = await newStage();
    const { count, sent } = counted(async (n) => {
      if (n === 0) await plain()(rolloutId, 0, event(jobId, 'FAILED', T0 + 3));
    });

    // Act
    const result = await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 2));

    // Assess
    expect(result).toBe('stale');
    expect(sent).toEqual(['TransactWriteCommand']);
    expect(counters(await stageItem(rolloutId))).toEqual({ succeeded: 0, failed: 1, rejected: 0 });
    expect(await mark(jobId)).toMatchObject({ at: T0 + 3, outcome: 'failed' });
  });

  it('uses the item a later failed condition hands back when another event lands between attempts', async () => {
    // Prepare: a failure stored; a rejection lands between its first and second transaction.
    const { rolloutId, jobId } = await newStage();
    await plain()(rolloutId, 0, event(jobId, 'FAILED', T0 + 1));
    const { count, sent } = counted(async (n) => {
      if (n === 1) await plain()(rolloutId, 0, event(jobId, 'REJECTED', T0 + 2));
    });

    // Act
    const result = await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 3));

    // Assess: each event moved the thing from the one before, no read.
    expect(result).toBe('applied');
    expect(sent).toEqual(['TransactWriteCommand', 'TransactWriteCommand', 'TransactWriteCommand']);
    expect(counters(await stageItem(rolloutId))).toEqual({ succeeded: 1, failed: 0, rejected: 0 });
  });

  it('moves the success bucket of the success the handed-back item had', async () => {
    // Prepare: a success counted in its minute's bucket lands just before a later failure.
    const { rolloutId, jobId } = await newStage();
    const buckets = { successBuckets: true };
    const success = T0 + 30_000;
    const { count } = counted(async (n) => {
      if (n === 0) await plain()(rolloutId, 0, event(jobId, 'SUCCEEDED', success), buckets);
    });

    // Act
    const result = await count(rolloutId, 0, event(jobId, 'FAILED', success + 120_000), buckets);

    // Assess: the success left the bucket it was in.
    expect(result).toBe('applied');
    const stage = await stageItem(rolloutId);
    expect(counters(stage)).toEqual({ succeeded: 0, failed: 1, rejected: 0 });
    expect(stage?.[`ok_${successBucket(success)}`]).toBe(0);
  });

  it('counts as new when the execution item is gone by its second transaction (none came back: read)', async () => {
    // Prepare: the stored failure is deleted between the attempts.
    const { rolloutId, jobId } = await newStage();
    await plain()(rolloutId, 0, event(jobId, 'FAILED', T0 + 1));
    const { count, sent } = counted(async (n) => {
      if (n === 1) await doc.send(new DeleteCommand({ TableName: TABLE, Key: keys.execution(jobId, 't-1') }));
    });

    // Act
    const result = await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 2));

    // Assess
    expect(result).toBe('applied');
    expect(sent).toEqual([
      'TransactWriteCommand',
      'TransactWriteCommand',
      'GetCommand',
      'TransactWriteCommand',
    ]);
    expect(counters(await stageItem(rolloutId))).toEqual({ succeeded: 1, failed: 1, rejected: 0 });
  });

  it('reads the execution item when a failed condition hands none back', async () => {
    // Prepare: a backend that does not hand the item back.
    const { rolloutId, jobId } = await newStage();
    await plain()(rolloutId, 0, event(jobId, 'FAILED', T0 + 1));
    const { count, sent } = counted(undefined, (_, send) =>
      send().catch((error: { CancellationReasons?: { Item?: unknown }[] }) => {
        for (const reason of error.CancellationReasons ?? []) delete reason.Item;
        throw error;
      }),
    );

    // Act
    const result = await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 2));

    // Assess
    expect(result).toBe('applied');
    expect(sent).toEqual(['TransactWriteCommand', 'GetCommand', 'TransactWriteCommand']);
    expect(counters(await stageItem(rolloutId))).toEqual({ succeeded: 1, failed: 0, rejected: 0 });
  });

  it('reads again after a transaction conflict (no condition failed, nothing handed back)', async () => {
    // Prepare: the first transaction loses to another one on the stage item.
    const { rolloutId, jobId } = await newStage();
    const conflict = Object.assign(new Error('Transaction cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
    });
    const { count, sent } = counted(undefined, (_, send, n) => (n === 0 ? Promise.reject(conflict) : send()));

    // Act
    const result = await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 1));

    // Assess
    expect(result).toBe('applied');
    expect(sent).toEqual(['TransactWriteCommand', 'GetCommand', 'TransactWriteCommand']);
    expect(counters(await stageItem(rolloutId))).toEqual({ succeeded: 1, failed: 0, rejected: 0 });
  });

  it('gives up (RolloutStoreBusyError) after five transactions that each lost to a newer event', async () => {
    // Prepare: before each of its transactions, another event (older than its own) lands.
    const { rolloutId, jobId } = await newStage();
    const { count, sent } = counted(async (n) => {
      await plain()(rolloutId, 0, event(jobId, 'FAILED', T0 + 1 + n));
    });

    // Act
    const counting = count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 100));

    // Assess
    await expect(counting).rejects.toBeInstanceOf(RolloutStoreBusyError);
    expect(sent).toEqual(Array(5).fill('TransactWriteCommand'));
  });
});

describe('executionCounters: unknown-stage', () => {
  for (const stage of ['none', 'other-job'] as const) {
    const what = stage === 'none' ? 'is missing' : 'runs another job';
    it(`answers unknown-stage when the stage ${what} and the execution has no item: one request, nothing written`, async () => {
      // Prepare
      const { rolloutId, jobId } = await newStage(stage);
      const stageBefore = await stageItem(rolloutId);
      const { count, sent } = counted();

      // Act
      const result = await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 1));

      // Assess
      expect(result).toBe('unknown-stage');
      expect(sent).toEqual(['TransactWriteCommand']);
      expect(await mark(jobId)).toBeUndefined();
      expect(await stageItem(rolloutId)).toEqual(stageBefore);
    });

    it(`answers unknown-stage for a newer event when the stage ${what} and the execution has an item`, async () => {
      // Prepare: the execution item of an earlier event, written while the stage ran its job.
      const { rolloutId, jobId } = await newStage(stage);
      await doc.send(
        new PutCommand({
          TableName: TABLE,
          Item: {
            ...keys.execution(jobId, 't-1'),
            at: T0 + 1,
            eventId: 'e-1',
            outcome: 'failed',
            status: 'FAILED',
          },
        }),
      );
      const [stageBefore, markBefore] = [await stageItem(rolloutId), await mark(jobId)];
      const { count, sent } = counted();

      // Act
      const result = await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 2));

      // Assess: the first transaction finds the item, the second one the stage's condition alone.
      expect(result).toBe('unknown-stage');
      expect(sent).toEqual(['TransactWriteCommand', 'TransactWriteCommand']);
      expect(await mark(jobId)).toEqual(markBefore);
      expect(await stageItem(rolloutId)).toEqual(stageBefore);
    });
  }

  it('answers a redelivered event duplicate, as after a read, even once its stage runs another job', async () => {
    // Prepare: the event was counted; then the stage was restarted on its next job.
    const { rolloutId, jobId } = await newStage();
    const first = event(jobId, 'FAILED', T0 + 1);
    await plain()(rolloutId, 0, first);
    await doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...(await stageItem(rolloutId)), jobId: jobIdFor(rolloutId, 0, 1) },
      }),
    );
    const { count } = counted();

    // Act
    const [again, older] = [
      await count(rolloutId, 0, first),
      await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0)),
    ];

    // Assess: the thing's own checks come first, the stage's last.
    expect(again).toBe('duplicate');
    expect(older).toBe('stale');
  });

  it("asks for the failed item (ALL_OLD) on the execution item's Put only", async () => {
    // Prepare
    const { rolloutId, jobId } = await newStage();
    const sent: unknown[] = [];
    const { count } = counted(undefined, (command, send) => {
      if (command instanceof TransactWriteCommand) sent.push(command.input.TransactItems);
      return send();
    });

    // Act
    await count(rolloutId, 0, event(jobId, 'SUCCEEDED', T0 + 1));

    // Assess
    expect(sent).toEqual([
      [
        { Put: expect.objectContaining({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }) },
        { Update: expect.not.objectContaining({ ReturnValuesOnConditionCheckFailure: expect.anything() }) },
      ],
    ]);
  });
});
