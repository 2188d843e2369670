import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { dynamoRolloutStore } from '../../shared/adapters/rollout-store';
import type { Rollout } from '../../shared/domain/rollout/model';
import type { RolloutGuard } from '../../shared/services/rollout-store-port';
import { FakeRolloutStore } from '../fakes/rollout-store';
import { startPackagedTables } from './packaged-tables';
import { storedRollout } from './rollout-item';

/**
 * The rollout store's conditional update on the local DynamoDB, guard by guard, side by side with the
 * fake the service tests use (test/fakes/rollout-store.ts): both must answer the same.
 */
const T0 = Date.parse('2027-06-01T00:00:00Z');
const SELF = 'arn:aws:states:us-east-1:123456789012:execution:staged-rollout:fw';
let db: LocalDynamoDb;
let doc: DynamoDBDocumentClient;
let run = 0;

beforeAll(async () => {
  ({ db, doc } = await startPackagedTables(['StateTable', 'TaskTokensTable']));
});
afterAll(async () => {
  await db.close();
});

function rollout(over: Partial<Rollout> = {}): Rollout {
  run += 1;
  return storedRollout(`fw-guard-${run}`, T0, { executionArn: SELF, ...over });
}

/** The same update on the adapter and on the fake, each over the same stored rollout. */
async function both(stored: Rollout, guard: RolloutGuard) {
  const real = dynamoRolloutStore(doc, 'StateTable', 'TaskTokensTable');
  const fake = new FakeRolloutStore();
  await real.createRollout(stored);
  await fake.createRollout(stored);
  const changes = { reason: 'changed', updatedAt: T0 + 1 };
  return {
    real: await real.updateRollout(stored.rolloutId, changes, guard),
    fake: await fake.updateRollout(stored.rolloutId, changes, guard),
  };
}

describe('updateRollout guards, adapter and fake alike', () => {
  it.each<[string, Partial<Rollout>, RolloutGuard, boolean]>([
    ['no guard', {}, {}, true],
    ['status holds', {}, { status: 'RUNNING' }, true],
    ['status differs', { status: 'PAUSED' }, { status: 'RUNNING' }, false],
    ['no abort requested', {}, { abortRequested: false }, true],
    ['an abort requested', { abortRequested: true }, { abortRequested: false }, false],
    ['no completion requested', {}, { completeRequested: false }, true],
    ['a completion requested', { completeRequested: true }, { completeRequested: false }, false],
    ['digest holds', {}, { digest: 'digest-1' }, true],
    ['digest differs', {}, { digest: 'digest-2' }, false],
    ['execution holds', {}, { executionArn: SELF }, true],
    ['execution differs', {}, { executionArn: `${SELF}--r1` }, false],
    ['no execution recorded, one expected', { executionArn: undefined }, { executionArn: '' }, false],
    ['written by the recorded execution', {}, { writtenBy: SELF }, true],
    ['written by another execution', {}, { writtenBy: `${SELF}--r1` }, false],
    ['written when none is recorded', { executionArn: undefined }, { writtenBy: SELF }, true],
    [
      'every guard at once',
      {},
      { status: 'RUNNING', abortRequested: false, digest: 'digest-1', executionArn: SELF },
      true,
    ],
  ])('%s', async (_what, stored, guard, applies) => {
    // Prepare
    // A field given as undefined is not stored at all.
    const item = Object.fromEntries(Object.entries(rollout(stored)).filter(([, v]) => v !== undefined));

    // Act
    const answers = await both(item as Rollout, guard);

    // Assess
    expect(answers).toEqual({ real: applies, fake: applies });
  });

  it('is false for a rollout that does not exist, on both', async () => {
    // Prepare
    const real = dynamoRolloutStore(doc, 'StateTable', 'TaskTokensTable');
    const fake = new FakeRolloutStore();

    // Act
    const answers = [
      await real.updateRollout('fw-nothing-here', { updatedAt: T0 }),
      await fake.updateRollout('fw-nothing-here', { updatedAt: T0 }),
    ];

    // Assess
    expect(answers).toEqual([false, false]);
  });
});
