import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { dynamoHealthStore } from '../../shared/adapters/health-store';
import { keys } from '../../shared/adapters/rollout-keys';
import { dynamoRolloutStore } from '../../shared/adapters/rollout-store';
import { dynamoTransactWriter, executionCounters } from '../../shared/adapters/rollout-transact';
import { jobIdFor } from '../../shared/domain/rollout/ids';
import type { ExecutionTerminal } from '../../shared/domain/rollout/job-event';
import type { JobSnapshot } from '../../shared/domain/rollout/job-snapshot';
import type { Stage } from '../../shared/domain/rollout/model';
import { rollbackGroupName, rollbackJobId } from '../../shared/domain/rollout/rollback';
import { startPackagedTables } from './packaged-tables';

/**
 * A stage's attempts on the local DynamoDB (dynalite plus the transactions the local stack adds):
 * the halted attempt is kept apart, and nothing of its job (late events, suspects, job reads)
 * counts towards the attempt that replaced it.
 */
const TABLE = 'StateTable';
const T0 = Date.parse('2027-05-01T00:00:00Z');
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
const counters = () => executionCounters(doc, TABLE, dynamoTransactWriter(doc));

const halted = (rolloutId: string): Stage => ({
  rolloutId,
  index: 0,
  name: 'canary',
  jobId: jobIdFor(rolloutId, 0),
  startedAt: T0,
  targets: 20,
  succeeded: 0,
  failed: 0,
  rejected: 0,
  timedOut: 0,
  excluded: 0,
  status: 'RUNNING',
});

const fresh = (rolloutId: string, at: number): Stage => ({
  ...halted(rolloutId),
  jobId: jobIdFor(rolloutId, 0, 1),
  attempt: 1,
  startedAt: at,
});

const event = (
  jobId: string,
  thing: string,
  status: 'SUCCEEDED' | 'FAILED',
  at: number,
): ExecutionTerminal => ({
  eventId: `${jobId}-${thing}-${at}`,
  jobId,
  thingName: thing,
  thingArn: `arn:aws:iot:us-east-1:123456789012:thing/${thing}`,
  status,
  outcome: status === 'SUCCEEDED' ? 'succeeded' : 'failed',
  at,
});

const job = (at: number, failed: number): JobSnapshot => ({
  at,
  status: 'CANCELED',
  targetsOpen: false,
  queued: 0,
  inProgress: 2,
  succeeded: 3,
  failed,
  rejected: 0,
  timedOut: 0,
  canceled: 15,
  removed: 0,
});

/** A rollout id no other test uses, and its item (what details() finds first). */
async function newRollout() {
  run += 1;
  const rolloutId = `fw-${String(run).padStart(8, '0')}`;
  await doc.send(
    new PutCommand({ TableName: TABLE, Item: { ...keys.rollout(rolloutId), rolloutId, status: 'HALTED' } }),
  );
  return rolloutId;
}

/** A rollout whose first attempt of stage 0 halted after 3 successes and 4 failures. */
async function haltedStage() {
  const rolloutId = await newRollout();
  const s = store();
  await s.putStage(halted(rolloutId));
  const count = counters();
  const oldJob = jobIdFor(rolloutId, 0);
  for (let i = 0; i < 3; i++) await count(rolloutId, 0, event(oldJob, `t-${i}`, 'SUCCEEDED', T0 + i));
  for (let i = 3; i < 7; i++) await count(rolloutId, 0, event(oldJob, `t-${i}`, 'FAILED', T0 + i));
  await s.putJobSnapshot(rolloutId, 0, job(T0 + 100, 4), []);
  await s.setStageStatus(rolloutId, 0, 'HALTED');
  return { rolloutId, oldJob };
}

describe('a halted stage and its next attempt', () => {
  it('keeps the halted attempt as it was and starts the next one from zero', async () => {
    const { rolloutId, oldJob } = await haltedStage();
    const s = store();
    const restarted = await s.restartStage(fresh(rolloutId, T0 + 1000), T0 + 1000);
    expect(restarted).toMatchObject({ jobId: `${rolloutId}-s0-a1`, attempt: 1, succeeded: 0, failed: 0 });
    const stage = await s.getStage(rolloutId, 0);
    expect(stage).toMatchObject({
      jobId: `${rolloutId}-s0-a1`,
      attempt: 1,
      status: 'RUNNING',
      succeeded: 0,
      failed: 0,
    });
    expect(stage?.job).toBeUndefined();
    const details = await s.details(rolloutId);
    expect(details?.attempts).toEqual([
      expect.objectContaining({
        jobId: oldJob,
        status: 'HALTED',
        succeeded: 3,
        failed: 4,
        archivedAt: T0 + 1000,
        job: expect.objectContaining({ failed: 4 }),
      }),
    ]);
    // A retry of the same start finds the new attempt in place and keeps one archive.
    expect(await s.restartStage(fresh(rolloutId, T0 + 1000), T0 + 1000)).toMatchObject({ attempt: 1 });
    expect((await s.details(rolloutId))?.attempts).toHaveLength(1);
  });

  it('counts a late event of the halted job nowhere, and the new job on the new attempt', async () => {
    const { rolloutId, oldJob } = await haltedStage();
    const s = store();
    await s.restartStage(fresh(rolloutId, T0 + 1000), T0 + 1000);
    const count = counters();
    for (let i = 10; i < 15; i++)
      expect(await count(rolloutId, 0, event(oldJob, `t-${i}`, 'FAILED', T0 + 2000 + i))).toBe(
        'unknown-stage',
      );
    // Nothing of the late event was written: not even its thing's execution item.
    const { Item } = await doc.send(
      new GetCommand({ TableName: TABLE, Key: keys.execution(oldJob, 't-10') }),
    );
    expect(Item).toBeUndefined();
    const newJob = jobIdFor(rolloutId, 0, 1);
    expect(await count(rolloutId, 0, event(newJob, 't-1', 'SUCCEEDED', T0 + 3000))).toBe('applied');
    expect(await s.getStage(rolloutId, 0)).toMatchObject({ succeeded: 1, failed: 0 });
    // The kept attempt is as it was when it was kept.
    expect((await s.details(rolloutId))?.attempts[0]).toMatchObject({ succeeded: 3, failed: 4 });
  });

  it('keeps a count that lands between the read and the switch in the halted attempt', async () => {
    const { rolloutId } = await haltedStage();
    // A late failure of the old job counted after the start read the stage: the transaction's
    // condition fails, the stage is read again, and the kept attempt has it.
    let raced = false;
    const send = doc.send.bind(doc);
    const racing = {
      send: async (command: Parameters<typeof send>[0]) => {
        if (!raced && command instanceof GetCommand && String(command.input.Key?.sk) === 'STAGE#000') {
          const out = await send(command);
          raced = true;
          await doc.send(
            new UpdateCommand({
              TableName: TABLE,
              Key: keys.stage(rolloutId, 0),
              UpdateExpression: 'ADD failed :one',
              ExpressionAttributeValues: { ':one': 1 },
            }),
          );
          return out;
        }
        return send(command);
      },
    } as unknown as DynamoDBDocumentClient;
    await dynamoRolloutStore(racing, TABLE, 'TaskTokensTable').restartStage(
      fresh(rolloutId, T0 + 1000),
      T0 + 1000,
    );
    expect(raced).toBe(true);
    expect((await store().details(rolloutId))?.attempts[0]).toMatchObject({ failed: 5 });
  });

  it('refuses to replace a stage that is not halted', async () => {
    const rolloutId = await newRollout();
    await store().putStage(halted(rolloutId));
    await expect(store().restartStage(fresh(rolloutId, T0), T0)).rejects.toThrow(/not HALTED/);
  });

  it('lets no suspect or job read of the halted job onto the new attempt', async () => {
    const { rolloutId, oldJob } = await haltedStage();
    const s = store();
    await s.restartStage(fresh(rolloutId, T0 + 1000), T0 + 1000);
    const health = dynamoHealthStore(doc, TABLE);
    const suspect = {
      rolloutId,
      stageIndex: 0,
      thingName: 't-1',
      reason: 'reconnect' as const,
      succeededAt: T0,
      windowMs: 600_000,
    };
    expect(await health.putSuspect({ ...suspect, jobId: oldJob })).toBe(false);
    const newJob = jobIdFor(rolloutId, 0, 1);
    expect(await health.putSuspect({ ...suspect, jobId: newJob })).toBe(true);
    expect(await health.suspects(rolloutId, 0, 1)).toEqual([expect.objectContaining({ jobId: newJob })]);
    expect(await health.suspects(rolloutId, 0)).toEqual([]);
    expect(await s.getStage(rolloutId, 0)).toMatchObject({ suspects: { reconnect: 1 } });
    // A reader of the old job that raced the switch writes nothing; the new job's read lands.
    expect(await s.putJobSnapshot(rolloutId, 0, job(T0 + 5000, 9), [], oldJob)).toBe(false);
    expect(await s.putJobSnapshot(rolloutId, 0, job(T0 + 5000, 0), [], newJob)).toBe(true);
  });
});

describe('rollbacks of attempts', () => {
  it('keeps an earlier attempt rollback and gives the later one the item', async () => {
    const rolloutId = await newRollout();
    const s = store();
    const base = {
      rolloutId,
      trigger: 'halt' as const,
      stageIndex: 0,
      stageIndexes: [0],
      startedAt: T0,
      fill: { stage: 0, page: 0 },
      added: 0,
      excluded: 0,
      notAdded: 0,
      notAddedSample: [],
    };
    await s.createRollback({
      ...base,
      groupName: rollbackGroupName(rolloutId),
      jobId: rollbackJobId(rolloutId),
      state: 'COMPLETED',
    });
    const later = {
      ...base,
      attempt: 1,
      groupName: rollbackGroupName(rolloutId, 1),
      jobId: rollbackJobId(rolloutId, 1),
      state: 'FILLING' as const,
    };
    expect(await s.createRollback(later)).toMatchObject({ attempt: 1, state: 'FILLING' });
    // Created once: a repeat finds it.
    expect(await s.createRollback({ ...later, state: 'FAILED' })).toMatchObject({
      attempt: 1,
      state: 'FILLING',
    });
    const details = await s.details(rolloutId);
    expect(details?.rollback).toMatchObject({ attempt: 1, jobId: `${rolloutId}-rb1` });
    expect(details?.earlierRollbacks).toEqual([
      expect.objectContaining({ jobId: `${rolloutId}-rb0`, state: 'COMPLETED' }),
    ]);
    // An earlier attempt never replaces a later one's.
    expect(
      await s.createRollback({ ...base, groupName: 'g', jobId: rollbackJobId(rolloutId), state: 'FILLING' }),
    ).toMatchObject({
      attempt: 1,
    });
  });
});
