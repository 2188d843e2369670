import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoRolloutStore } from '../../shared/adapters/rollout-store';
import { jobIdFor } from '../../shared/domain/rollout/ids';
import type { Rollout, Stage } from '../../shared/domain/rollout/model';
import { startLocalDynamoDb } from '../helpers/local-dynamodb';
import { storedRollout } from './rollout-item';

/**
 * The tracker's one read per event (getRolloutAndStage): a consistent BatchGetItem of the rollout and
 * one stage on the local DynamoDB, answering what getRollout and getStage answer, keys DynamoDB left
 * unprocessed included.
 */
const T0 = Date.parse('2027-06-01T00:00:00Z');
const TABLE = 'StateTable';
let db: Awaited<ReturnType<typeof startLocalDynamoDb>>;
let doc: DynamoDBDocumentClient;
let run = 0;

beforeAll(async () => {
  db = await startLocalDynamoDb();
  doc = DynamoDBDocumentClient.from(db.client);
});
afterAll(async () => {
  await db.close();
});

function rollout(): Rollout {
  run += 1;
  return storedRollout(`fw-read-${run}`, T0, { paused: true });
}

const stage = (rolloutId: string, index: number): Stage => ({
  rolloutId,
  index,
  name: `stage-${index}`,
  jobId: jobIdFor(rolloutId, index),
  startedAt: T0,
  targets: 20,
  succeeded: 3,
  failed: 1,
  rejected: 0,
  timedOut: 0,
  excluded: 0,
  status: 'RUNNING',
});

/** A rollout with stages 0 and 1 stored. */
async function stored() {
  const store = dynamoRolloutStore(doc, TABLE, 'TaskTokensTable');
  const r = rollout();
  await store.createRollout(r);
  await store.putStage(stage(r.rolloutId, 0));
  await store.putStage(stage(r.rolloutId, 1));
  return { store, id: r.rolloutId };
}

/** A document client whose BatchGetItem leaves `sk` unprocessed, and that counts what it sends. */
function leaving(sk: string) {
  const sent: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push(command.constructor.name);
      const out = (await doc.send(command as never)) as Record<string, unknown>;
      if (!(command instanceof BatchGetCommand)) return out;
      const responses = (out.Responses as Record<string, Record<string, unknown>[]>)[TABLE] ?? [];
      const left = responses.filter((i) => i.sk === sk).map((i) => ({ pk: i.pk, sk: i.sk }));
      return {
        ...out,
        Responses: { [TABLE]: responses.filter((i) => i.sk !== sk) },
        UnprocessedKeys: left.length > 0 ? { [TABLE]: { Keys: left, ConsistentRead: true } } : {},
      };
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, sent };
}

describe('getRolloutAndStage on the local DynamoDB', () => {
  it('answers what getRollout and getStage answer, in one request', async () => {
    // Prepare
    const { id } = await stored();
    const { client, sent } = leaving('nothing');
    const store = dynamoRolloutStore(client, TABLE, 'TaskTokensTable');

    // Act
    const both = await store.getRolloutAndStage(id, 1);

    // Assess
    expect(sent).toEqual(['BatchGetCommand']);
    expect(both).toEqual({ rollout: await store.getRollout(id), stage: await store.getStage(id, 1) });
    expect(both.rollout?.paused).toBe(true);
    expect(both.stage).toMatchObject({ index: 1, succeeded: 3, failed: 1 });
  });

  it('answers no stage for a stage never started, and nothing for an unknown rollout', async () => {
    // Prepare
    const { store, id } = await stored();

    // Act
    const noStage = await store.getRolloutAndStage(id, 2);
    const nothing = await store.getRolloutAndStage('fw-never-created', 0);

    // Assess
    expect(noStage.rollout?.rolloutId).toBe(id);
    expect(noStage.stage).toBeUndefined();
    expect(nothing).toEqual({});
  });

  it.each(['ROLLOUT', 'STAGE#000'])('reads a key DynamoDB left unprocessed (%s) on its own', async (sk) => {
    // Prepare
    const { id } = await stored();
    const { client, sent } = leaving(sk);
    const store = dynamoRolloutStore(client, TABLE, 'TaskTokensTable');

    // Act
    const both = await store.getRolloutAndStage(id, 0);

    // Assess
    expect(sent).toEqual(['BatchGetCommand', 'GetCommand']);
    expect(both.rollout?.rolloutId).toBe(id);
    expect(both.stage).toMatchObject({ index: 0, succeeded: 3 });
  });
});
