import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { StartPoint } from '../domain/gate';
import { RolloutStoreBusyError } from '../domain/rollout/errors';
import type { JobSnapshot } from '../domain/rollout/job-snapshot';
import type { Rollout, Stage, StoredDecision } from '../domain/rollout/model';
import type {
  RolloutChanges,
  RolloutDetails,
  RolloutGuard,
  RolloutStore,
} from '../services/rollout-store-port';
import { conditionalWrite as conditional } from './dynamo-conditions';
import { rollbackRecords, toRollback } from './rollback-store';
import { keys, toApproval, toRollout, toStage, toStageAttempt } from './rollout-keys';
import { approvalRecords, taskTokens } from './rollout-tokens';

/**
 * What the tracker and the health store ADD to a stage item (or a read of the job sets): a stage
 * whose item still holds these values has not changed since it was read.
 */
const MOVING_FIELDS = [
  'succeeded',
  'failed',
  'rejected',
  'timedOut',
  'excluded',
  'suspects_selfCheck',
  'suspects_reconnect',
];
const RESTART_TRIES = 5;

/** The guard as a condition on the rollout item (which must exist), its names and values. */
function guardCondition(guard: RolloutGuard = {}) {
  const parts = ['attribute_exists(pk)'];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (guard.status !== undefined) {
    parts.push('#gst = :gst');
    names['#gst'] = 'status';
    values[':gst'] = guard.status;
  }
  if (guard.abortRequested === false) {
    parts.push('abortRequested = :gno');
    values[':gno'] = false;
  }
  if (guard.completeRequested === false) parts.push('attribute_not_exists(completeRequested)');
  if (guard.digest !== undefined) {
    parts.push('digest = :gdigest');
    values[':gdigest'] = guard.digest;
  }
  if (guard.executionArn !== undefined) {
    parts.push('executionArn = :garn');
    values[':garn'] = guard.executionArn;
  }
  if (guard.writtenBy !== undefined) {
    parts.push('(attribute_not_exists(executionArn) OR executionArn = :gself)');
    values[':gself'] = guard.writtenBy;
  }
  return { expression: parts.join(' AND '), names, values };
}

/**
 * The rollout's DynamoDB state (`table`) and its task tokens (`tokensTable`, which only the rollout
 * functions can read). Tokens go in with storeToken and come out only through claimToken.
 */
export function dynamoRolloutStore(
  client: DynamoDBDocumentClient,
  table: string,
  tokensTable: string,
): RolloutStore {
  const send = client.send.bind(client);

  return {
    ...approvalRecords(client, table),
    ...taskTokens(client, tokensTable),
    ...rollbackRecords(client, table),
    async createRollout(rollout: Rollout): Promise<{ created: boolean; rollout: Rollout }> {
      const created = await conditional(() =>
        send(
          new PutCommand({
            TableName: table,
            Item: { ...keys.rollout(rollout.rolloutId), ...rollout },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      if (created) {
        await send(
          new PutCommand({
            TableName: table,
            Item: { ...keys.listing(rollout.rolloutId, rollout.createdAt), rolloutId: rollout.rolloutId },
          }),
        );
        return { created, rollout };
      }
      const existing = await this.getRollout(rollout.rolloutId);
      if (!existing) throw new Error(`rollout ${rollout.rolloutId} vanished`);
      return { created, rollout: existing };
    },

    async getRollout(id: string): Promise<Rollout | undefined> {
      const { Item } = await send(
        new GetCommand({ TableName: table, Key: keys.rollout(id), ConsistentRead: true }),
      );
      return Item ? toRollout(Item) : undefined;
    },

    async details(id: string): Promise<RolloutDetails | undefined> {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.rollout(id).pk },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      const head = items.find((i) => i.sk === 'ROLLOUT');
      if (!head) return undefined;
      const sk = (i: Record<string, unknown>) => String(i.sk);
      const rollback = items.find((i) => i.sk === 'ROLLBACK');
      return {
        rollout: toRollout(head),
        stages: items.filter((i) => sk(i).startsWith('STAGE#')).map(toStage),
        approvals: items.filter((i) => sk(i).startsWith('APPROVAL#')).map(toApproval),
        ...(rollback ? { rollback: toRollback(rollback) } : {}),
        attempts: items.filter((i) => sk(i).startsWith('ATTEMPT#')).map(toStageAttempt),
        earlierRollbacks: items.filter((i) => sk(i).startsWith('ROLLBACK#')).map(toRollback),
      };
    },

    async listRollouts(limit: number): Promise<Rollout[]> {
      const { Items = [] } = await send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'ROLLOUTS' },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      if (Items.length === 0) return [];
      const { Responses = {} } = await send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: Items.map((i) => keys.rollout(String(i.rolloutId))) } },
        }),
      );
      const byId = new Map((Responses[table] ?? []).map((i) => [String(i.rolloutId), toRollout(i)]));
      return Items.flatMap((i) => byId.get(String(i.rolloutId)) ?? []);
    },

    updateRollout(id: string, changes: RolloutChanges, guard?: RolloutGuard) {
      const set = changes as Record<string, unknown>;
      const fields = Object.keys(set).filter((n) => set[n] !== undefined);
      const condition = guardCondition(guard);
      return conditional(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: keys.rollout(id),
            UpdateExpression: `SET ${fields.map((_n, i) => `#f${i} = :f${i}`).join(', ')}`,
            ConditionExpression: condition.expression,
            ExpressionAttributeNames: {
              ...Object.fromEntries(fields.map((n, i) => [`#f${i}`, n])),
              ...condition.names,
            },
            ExpressionAttributeValues: {
              ...Object.fromEntries(fields.map((n, i) => [`:f${i}`, set[n]])),
              ...condition.values,
            },
          }),
        ),
      );
    },

    async putStage(stage: Stage): Promise<Stage> {
      const put = await conditional(() =>
        send(
          new PutCommand({
            TableName: table,
            Item: { ...keys.stage(stage.rolloutId, stage.index), ...stage },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      if (put) return stage;
      return (await this.getStage(stage.rolloutId, stage.index)) ?? stage;
    },

    /**
     * The halted stage's next attempt (after a resume with a document): in one transaction, the
     * halted attempt's item is kept as it is under `ATTEMPT#<stage>#<attempt>` and the stage item is
     * replaced by `fresh` (its new job, zero counts). The transaction holds only if the stage item is
     * unchanged since it was read (a late event of the old job counted meanwhile makes it read again),
     * so the kept attempt has every count the old job got before the switch; after it, the stage
     * item's jobId refuses them. Returns the stage as it is then (a retry finds `fresh` in place).
     */
    async restartStage(fresh: Stage, at: number): Promise<Stage> {
      const key = keys.stage(fresh.rolloutId, fresh.index);
      for (let attempt = 0; attempt < RESTART_TRIES; attempt++) {
        const { Item } = await send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
        if (!Item) throw new Error(`stage ${fresh.index} of ${fresh.rolloutId} was not recorded`);
        if (Item.jobId === fresh.jobId) return toStage(Item);
        if (Item.status !== 'HALTED')
          throw new Error(`stage ${fresh.index} of ${fresh.rolloutId} is ${String(Item.status)}, not HALTED`);
        const previous = typeof Item.attempt === 'number' ? Item.attempt : 0;
        const names: Record<string, string> = { '#j': 'jobId', '#s': 'status' };
        const values: Record<string, unknown> = { ':j': Item.jobId, ':s': 'HALTED' };
        const unchanged = ['#j = :j', '#s = :s'];
        MOVING_FIELDS.forEach((field, n) => {
          names[`#m${n}`] = field;
          if (Item[field] === undefined) unchanged.push(`attribute_not_exists(#m${n})`);
          else {
            values[`:m${n}`] = Item[field];
            unchanged.push(`#m${n} = :m${n}`);
          }
        });
        try {
          await send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: table,
                    Item: {
                      ...Item,
                      ...keys.attempt(fresh.rolloutId, fresh.index, previous),
                      archivedAt: at,
                    },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                {
                  Put: {
                    TableName: table,
                    Item: { ...key, ...fresh },
                    ConditionExpression: unchanged.join(' AND '),
                    ExpressionAttributeNames: names,
                    ExpressionAttributeValues: values,
                  },
                },
              ],
            }),
          );
          return fresh;
        } catch (error) {
          if ((error as Error).name !== 'TransactionCanceledException') throw error;
          // The stage changed under us (a late event of the old job): read it again.
        }
      }
      throw new RolloutStoreBusyError(`stage ${fresh.index} of ${fresh.rolloutId} kept changing`);
    },

    async getStage(id: string, index: number): Promise<Stage | undefined> {
      const { Item } = await send(
        new GetCommand({ TableName: table, Key: keys.stage(id, index), ConsistentRead: true }),
      );
      return Item ? toStage(Item) : undefined;
    },

    async getRolloutAndStage(id: string, index: number) {
      const wanted = { rollout: keys.rollout(id), stage: keys.stage(id, index) };
      const { Responses = {}, UnprocessedKeys = {} } = await send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: [wanted.rollout, wanted.stage], ConsistentRead: true } },
        }),
      );
      const found = (sk: string) => (Responses[table] ?? []).find((i) => i.sk === sk);
      // DynamoDB may leave keys unprocessed under load: those are read one by one.
      const left = new Set((UnprocessedKeys[table]?.Keys ?? []).map((k) => String(k.sk)));
      const rolloutItem = found(wanted.rollout.sk);
      const stageItem = found(wanted.stage.sk);
      const rollout = left.has(wanted.rollout.sk)
        ? await this.getRollout(id)
        : rolloutItem && toRollout(rolloutItem);
      const stage = left.has(wanted.stage.sk)
        ? await this.getStage(id, index)
        : stageItem && toStage(stageItem);
      return { ...(rollout ? { rollout } : {}), ...(stage ? { stage } : {}) };
    },

    /** `jobId`: only while the stage still runs that job (a resume may have started another attempt). */
    setStageStatus(id: string, index: number, status: Stage['status'], jobId?: string) {
      return conditional(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: keys.stage(id, index),
            UpdateExpression: 'SET #s = :s',
            ConditionExpression: jobId === undefined ? 'attribute_exists(pk)' : 'jobId = :job',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':s': status, ...(jobId === undefined ? {} : { ':job': jobId }) },
          }),
        ),
      );
    },

    /** Marks a continuous stage as watched, once (a retried step keeps the first time). */
    markWatching(id: string, index: number, at: number) {
      return conditional(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: keys.stage(id, index),
            UpdateExpression: 'SET watchingSince = :at',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(watchingSince)',
            ExpressionAttributeValues: { ':at': at },
          }),
        ),
      );
    },

    /**
     * Keeps the newest read of the stage's job and the stage's start history (two readers may race;
     * the later `at` wins, and a point the other added may be lost: one look fewer, never a wrong one).
     * With `jobId`, only while the stage still runs that job (a reader that raced a resume's new attempt).
     */
    putJobSnapshot(
      id: string,
      index: number,
      job: JobSnapshot,
      starts: readonly StartPoint[],
      jobId?: string,
    ) {
      return conditional(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: keys.stage(id, index),
            UpdateExpression: 'SET #j = :j, starts = :s',
            ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(#j) OR #j.#at < :at)${jobId === undefined ? '' : ' AND jobId = :jid'}`,
            ExpressionAttributeNames: { '#j': 'job', '#at': 'at' },
            ExpressionAttributeValues: {
              ':j': job,
              ':s': starts,
              ':at': job.at,
              ...(jobId === undefined ? {} : { ':jid': jobId }),
            },
          }),
        ),
      );
    },

    /** Records a gate outcome only if it changed from `previous`: exactly one writer audits each change. */
    recordOutcome(id: string, index: number, previous: string | undefined, decision: StoredDecision) {
      return conditional(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: keys.stage(id, index),
            UpdateExpression: 'SET lastOutcome = :o, lastDecision = :d',
            ConditionExpression:
              previous === undefined ? 'attribute_not_exists(lastOutcome)' : 'lastOutcome = :p',
            ExpressionAttributeValues: {
              ':o': decision.outcome,
              ':d': decision,
              ...(previous === undefined ? {} : { ':p': previous }),
            },
          }),
        ),
      );
    },
  };
}
