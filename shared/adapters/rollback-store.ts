import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { JobSnapshot } from '../domain/rollout/job-snapshot';
import type { Rollback, RollbackCursor } from '../domain/rollout/rollback';
import type { RollbackRecords } from '../services/rollout-store-port';
import { conditionalWrite as conditional } from './dynamo-conditions';
import { keys } from './rollout-keys';

type Item = Record<string, unknown>;

// Explicit field list: only known fields reach the domain.
export const toRollback = (i: Item): Rollback => ({
  rolloutId: i.rolloutId as string,
  ...(typeof i.attempt === 'number' && i.attempt > 0 ? { attempt: i.attempt } : {}),
  trigger: i.trigger as Rollback['trigger'],
  stageIndex: i.stageIndex as number,
  stageIndexes: (i.stageIndexes as number[] | undefined) ?? [],
  groupName: i.groupName as string,
  jobId: i.jobId as string,
  state: i.state as Rollback['state'],
  startedAt: i.startedAt as number,
  fill: i.fill as RollbackCursor,
  added: (i.added as number | undefined) ?? 0,
  excluded: (i.excluded as number | undefined) ?? 0,
  notAdded: (i.notAdded as number | undefined) ?? 0,
  notAddedSample: (i.notAddedSample as string[] | undefined) ?? [],
  ...(typeof i.jobCreatedAt === 'number' ? { jobCreatedAt: i.jobCreatedAt } : {}),
  ...(i.job ? { job: i.job as JobSnapshot } : {}),
  ...(typeof i.attentionAt === 'number' ? { attentionAt: i.attentionAt } : {}),
  ...(i.attentionNotified === true ? { attentionNotified: true } : {}),
  ...(typeof i.completedAt === 'number' ? { completedAt: i.completedAt } : {}),
  ...(typeof i.error === 'string' ? { error: i.error } : {}),
});

const STATE = { '#s': 'state' };

/**
 * The rollback item (`ROLLOUT#<id>` / `ROLLBACK`). Every transition is a conditional write, so a
 * retried step finds its own earlier progress instead of counting or auditing it twice.
 */
export function rollbackRecords(client: DynamoDBDocumentClient, table: string): RollbackRecords {
  const send = client.send.bind(client);
  const update = (
    id: string,
    expression: string,
    condition: string,
    values: Item,
    names: Record<string, string> = {},
  ) =>
    conditional(() =>
      send(
        new UpdateCommand({
          TableName: table,
          Key: keys.rollback(id),
          UpdateExpression: expression,
          ConditionExpression: `attribute_exists(pk) AND (${condition})`,
          ExpressionAttributeValues: values,
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        }),
      ),
    );

  const getRollback = async (id: string): Promise<Rollback | undefined> => {
    const { Item } = await send(
      new GetCommand({ TableName: table, Key: keys.rollback(id), ConsistentRead: true }),
    );
    return Item ? toRollback(Item) : undefined;
  };

  return {
    getRollback,

    /**
     * Writes the rollback once; a repeat returns the stored one. The rollback of a later attempt of the
     * rollout (it was resumed with a document, then halted again) first keeps the earlier attempt's
     * under `ROLLBACK#<attempt>`, then takes its place: one rollback item per rollout, the newest.
     */
    async createRollback(rollback: Rollback): Promise<Rollback> {
      const id = rollback.rolloutId;
      const attempt = rollback.attempt ?? 0;
      if (attempt > 0) {
        const { Item } = await send(
          new GetCommand({ TableName: table, Key: keys.rollback(id), ConsistentRead: true }),
        );
        const earlier = typeof Item?.attempt === 'number' ? Item.attempt : 0;
        if (Item && earlier < attempt)
          await conditional(() =>
            send(
              new PutCommand({
                TableName: table,
                Item: { ...Item, ...keys.rollbackArchive(id, earlier) },
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            ),
          );
      }
      const put = await conditional(() =>
        send(
          new PutCommand({
            TableName: table,
            Item: { ...keys.rollback(id), ...rollback },
            ...(attempt === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression:
                    'attribute_not_exists(pk) OR attribute_not_exists(attempt) OR attempt < :a',
                  ExpressionAttributeValues: { ':a': attempt },
                }),
          }),
        ),
      );
      if (put) return rollback;
      const stored = await getRollback(id);
      if (!stored) throw new Error(`rollback of ${id} vanished`);
      return stored;
    },

    /** Moves the fill on from page `fromPage` (false if another try already did) and adds its counts. */
    advanceFill(id, fromPage, p) {
      return update(
        id,
        'SET fill = :to, notAddedSample = :sample ADD added :a, excluded :e, notAdded :n',
        '#s = :filling AND fill.page = :from',
        {
          ':to': p.to,
          ':sample': p.notAddedSample,
          ':a': p.added,
          ':e': p.excluded,
          ':n': p.notAdded,
          ':filling': 'FILLING',
          ':from': fromPage,
        },
        STATE,
      );
    },

    markRollbackJobCreated(id: string, at: number) {
      return update(
        id,
        'SET #s = :running, jobCreatedAt = :at',
        '#s = :filling',
        { ':running': 'RUNNING', ':filling': 'FILLING', ':at': at },
        STATE,
      );
    },

    /** Keeps the newest read of the rollback job. */
    putRollbackJob(id: string, job: JobSnapshot) {
      return update(
        id,
        'SET #j = :j',
        'attribute_not_exists(#j) OR #j.#at < :at',
        { ':j': job, ':at': job.at },
        {
          '#j': 'job',
          '#at': 'at',
        },
      );
    },

    /** The first time the rollback needed a human (false: it was already marked). */
    markRollbackAttention(id: string, at: number) {
      return update(id, 'SET attentionAt = :at', 'attribute_not_exists(attentionAt)', { ':at': at });
    },

    markRollbackAttentionNotified(id: string) {
      return update(id, 'SET attentionNotified = :t', 'attribute_exists(attentionAt)', { ':t': true });
    },

    /** Ends the rollback once (false if it had already ended). */
    endRollback(id: string, state: 'COMPLETED' | 'FAILED', at: number, error?: string) {
      return update(
        id,
        `SET #s = :state, completedAt = :at${error === undefined ? '' : ', #e = :error'}`,
        '#s = :filling OR #s = :running',
        {
          ':state': state,
          ':at': at,
          ':filling': 'FILLING',
          ':running': 'RUNNING',
          ...(error === undefined ? {} : { ':error': error }),
        },
        { ...STATE, ...(error === undefined ? {} : { '#e': 'error' }) },
      );
    },
  };
}
