import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { StartPoint } from '../domain/gate';
import type { JobSnapshot } from '../domain/rollout/job-snapshot';
import type { Approval, Rollout, Stage, StoredDecision } from '../domain/rollout/model';
import type { Rollback } from '../domain/rollout/rollback';
import { conditionalWrite as conditional } from './dynamo-conditions';
import { rollbackRecords, toRollback } from './rollback-store';
import { keys, toApproval, toRollout, toStage } from './rollout-keys';
import { approvalRecords, taskTokens } from './rollout-tokens';

export type { Decided, TokenSlot } from './rollout-tokens';
export type RolloutDetails = {
  rollout: Rollout;
  stages: Stage[];
  approvals: Approval[];
  rollback?: Rollback;
};

/**
 * The rollout's DynamoDB state (`table`) and its task tokens (`tokensTable`, which only the rollout
 * functions can read). Tokens go in with storeToken and come out only through claimToken.
 */
export function dynamoRolloutStore(client: DynamoDBDocumentClient, table: string, tokensTable: string) {
  const send = client.send.bind(client);

  return {
    ...approvalRecords(client, table),
    ...taskTokens(client, tokensTable),
    ...rollbackRecords(client, table),
    /** Creates the rollout once; a repeat returns the stored one (`created: false`). */
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

    /** Sets fields on the rollout when `condition` (over the stored item) holds; false otherwise. */
    updateRollout(
      id: string,
      set: Record<string, unknown>,
      condition?: string,
      values: object = {},
      names: object = {},
    ) {
      const extraNames = names;
      const fields = Object.keys(set);
      return conditional(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: keys.rollout(id),
            UpdateExpression: `SET ${fields.map((_n, i) => `#f${i} = :f${i}`).join(', ')}`,
            ConditionExpression: ['attribute_exists(pk)', condition].filter(Boolean).join(' AND '),
            ExpressionAttributeNames: {
              ...Object.fromEntries(fields.map((n, i) => [`#f${i}`, n])),
              ...extraNames,
            },
            ExpressionAttributeValues: {
              ...Object.fromEntries(fields.map((n, i) => [`:f${i}`, set[n]])),
              ...values,
            },
          }),
        ),
      );
    },

    /** The stage record, written once: a retried start keeps the first one. */
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

    async getStage(id: string, index: number): Promise<Stage | undefined> {
      const { Item } = await send(
        new GetCommand({ TableName: table, Key: keys.stage(id, index), ConsistentRead: true }),
      );
      return Item ? toStage(Item) : undefined;
    },

    setStageStatus(id: string, index: number, status: Stage['status']) {
      return conditional(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: keys.stage(id, index),
            UpdateExpression: 'SET #s = :s',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':s': status },
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
     */
    putJobSnapshot(id: string, index: number, job: JobSnapshot, starts: readonly StartPoint[]) {
      return conditional(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: keys.stage(id, index),
            UpdateExpression: 'SET #j = :j, starts = :s',
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#j) OR #j.#at < :at)',
            ExpressionAttributeNames: { '#j': 'job', '#at': 'at' },
            ExpressionAttributeValues: { ':j': job, ':s': starts, ':at': job.at },
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

export type RolloutStore = ReturnType<typeof dynamoRolloutStore>;
