import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { RolloutStoreBusyError } from '../domain/rollout/errors';
import { mergePresence, type PresenceEvent } from '../domain/rollout/health-presence';
import { attemptOfJob } from '../domain/rollout/ids';
import type { HealthStore, HealthWatch, Suspect, SuspectVerdict } from '../services/health-ports';
import { conditionalWrite, isConditionFailure, itemOfFailure } from './dynamo-conditions';
import { keys } from './rollout-keys';

/**
 * Health records in the state table: a thing's presence history and the watches on its successes
 * share the thing's partition (the presence consumer finds every watch with one Query); a stage's
 * suspects have their own partition, so the rollout's own Query never pages through them. Suspects
 * are kept per attempt of the stage (its job: ids.ts), so a resumed stage never counts the halted
 * attempt's; the first attempt keeps the key suspects had before attempts existed.
 */
const pad = (n: number) => String(n).padStart(3, '0');
const healthKeys = {
  presence: (thing: string) => ({ pk: `THING#${thing}`, sk: 'PRESENCE' }),
  watch: (thing: string, rolloutId: string) => ({ pk: `THING#${thing}`, sk: `WATCH#${rolloutId}` }),
  suspects: (rolloutId: string, stage: number, attempt = 0) =>
    `SUSPECTS#${rolloutId}#${pad(stage)}${attempt === 0 ? '' : `#${pad(attempt)}`}`,
  /** One suspect per thing and reason: a device can fail its self-check and never come back too. */
  suspect: (s: Pick<Suspect, 'rolloutId' | 'stageIndex' | 'thingName' | 'reason' | 'jobId'>) => ({
    pk: healthKeys.suspects(s.rolloutId, s.stageIndex, attemptOfJob(s.jobId)),
    sk: `THING#${s.thingName}#${s.reason}`,
  }),
};

export { healthKeys };

/** Presence is only worth its history for a day; watches until their window is long over. */
const PRESENCE_TTL_SECONDS = 2 * 86_400;
const WATCH_TTL_SECONDS = 7 * 86_400;
const SUSPECT_TTL_SECONDS = 400 * 86_400;
const ATTEMPTS = 5;
/**
 * Presence writes racing on one thing win one per round once each failed write hands back the item (no
 * read between spreads them out): ten writes of one request each, the budget five read-and-write
 * rounds had.
 */
const PRESENCE_WRITES = 10;

const toSuspect = (i: Record<string, unknown>): Suspect => ({
  rolloutId: i.rolloutId as string,
  stageIndex: i.stageIndex as number,
  thingName: i.thingName as string,
  jobId: i.jobId as string,
  reason: i.reason as Suspect['reason'],
  succeededAt: i.succeededAt as number,
  windowMs: i.windowMs as number,
  ...(typeof i.explanation === 'string' ? { explanation: i.explanation } : {}),
  ...(typeof i.verdict === 'string' ? { verdict: i.verdict as SuspectVerdict } : {}),
  ...(typeof i.judgedAt === 'number' ? { judgedAt: i.judgedAt } : {}),
  ...(typeof i.evidence === 'string' ? { evidence: i.evidence } : {}),
  ...(typeof i.startedAt === 'number' ? { startedAt: i.startedAt } : {}),
});

export function dynamoHealthStore(client: DynamoDBDocumentClient, table: string): HealthStore {
  const send = client.send.bind(client);

  async function queryAll(input: ConstructorParameters<typeof QueryCommand>[0]) {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  return {
    /**
     * Most things' first lifecycle event finds no item, so the first write assumes none: one request in
     * the common case. A failed condition hands back the item it saw (ALL_OLD), and the event is merged
     * into that and written on its revision, with no read; a concurrent writer's failure does the same.
     */
    async recordPresence(thingName, event, at) {
      const key = healthKeys.presence(thingName);
      const read = async () =>
        (await send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
      let item: Record<string, unknown> | undefined;
      for (let attempt = 0; attempt < PRESENCE_WRITES; attempt++) {
        const history = (item?.history as PresenceEvent[] | undefined) ?? [];
        const merged = mergePresence(history, event);
        if (JSON.stringify(merged) === JSON.stringify(history)) {
          if (attempt > 0) return history;
          // Only an event the merge drops (no finite time) changes nothing on the first attempt: it
          // writes nothing and answers the stored history.
          item = await read();
          continue;
        }
        const revision = (item?.revision as number | undefined) ?? 0;
        try {
          await send(
            new PutCommand({
              TableName: table,
              Item: {
                ...key,
                history: merged,
                revision: revision + 1,
                expiresAt: Math.floor(at / 1000) + PRESENCE_TTL_SECONDS,
              },
              ConditionExpression: item ? 'revision = :r' : 'attribute_not_exists(pk)',
              ...(item ? { ExpressionAttributeValues: { ':r': revision } } : {}),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          );
          return merged;
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          // No item back: it is gone (TTL), or the backend does not hand it back; a read tells which.
          item = itemOfFailure(error) ?? (await read());
        }
      }
      throw new RolloutStoreBusyError(`presence of ${thingName} kept changing`);
    },

    async presenceOf(thingNames) {
      const result = new Map<string, PresenceEvent[]>();
      const unique = [...new Set(thingNames)];
      for (let i = 0; i < unique.length; i += 100) {
        let keys: Record<string, unknown>[] = unique.slice(i, i + 100).map(healthKeys.presence);
        for (let attempt = 0; keys.length > 0; attempt++) {
          if (attempt >= ATTEMPTS) throw new RolloutStoreBusyError('presence reads kept being throttled');
          const out = await send(
            new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
          );
          for (const item of out.Responses?.[table] ?? []) {
            result.set((item.pk as string).slice('THING#'.length), item.history as PresenceEvent[]);
          }
          keys = out.UnprocessedKeys?.[table]?.Keys ?? [];
        }
      }
      return result;
    },

    async putWatch(watch: HealthWatch) {
      await send(
        new PutCommand({
          TableName: table,
          Item: {
            ...healthKeys.watch(watch.thingName, watch.rolloutId),
            ...watch,
            expiresAt: Math.floor((watch.succeededAt + watch.windowMs) / 1000) + WATCH_TTL_SECONDS,
          },
          // The newest success of the thing in this rollout is the one watched.
          ConditionExpression: 'attribute_not_exists(pk) OR succeededAt <= :at',
          ExpressionAttributeValues: { ':at': watch.succeededAt },
        }),
      ).catch((error: unknown) => {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      });
    },

    async watchesOf(thingName) {
      const items = await queryAll({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :w)',
        ExpressionAttributeValues: { ':pk': `THING#${thingName}`, ':w': 'WATCH#' },
        ConsistentRead: true,
      });
      return items.map((i) => ({
        thingName: i.thingName as string,
        rolloutId: i.rolloutId as string,
        stageIndex: i.stageIndex as number,
        jobId: i.jobId as string,
        succeededAt: i.succeededAt as number,
        windowMs: i.windowMs as number,
      }));
    },

    /**
     * The suspect and the stage's count of them (`suspects_<reason>`, what the tracker's estimate reads)
     * move together, and only while the stage runs the suspect's job (a watch on a halted attempt's
     * success counts nowhere). A transaction cancelled by a conflict (the tracker's counters ADD to the
     * same stage item in theirs) is tried again: only a failed condition means the suspect or the stage
     * settled it.
     */
    async putSuspect(s) {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        try {
          await send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: table,
                    Item: {
                      ...healthKeys.suspect(s),
                      ...s,
                      expiresAt: Math.floor(s.succeededAt / 1000) + SUSPECT_TTL_SECONDS,
                    },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                {
                  Update: {
                    TableName: table,
                    Key: keys.stage(s.rolloutId, s.stageIndex),
                    UpdateExpression: 'ADD #n :one',
                    ConditionExpression: 'attribute_exists(pk) AND jobId = :job',
                    ExpressionAttributeNames: { '#n': `suspects_${s.reason}` },
                    ExpressionAttributeValues: { ':one': 1, ':job': s.jobId },
                  },
                },
              ],
            }),
          );
          return true;
        } catch (error) {
          if ((error as Error).name !== 'TransactionCanceledException') throw error;
          const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
          // The suspect exists already, or its stage does not.
          if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) return false;
        }
      }
      throw new RolloutStoreBusyError(`suspect ${s.thingName} of ${s.rolloutId} kept conflicting`);
    },

    async suspects(rolloutId, stageIndex, attempt = 0) {
      const items = await queryAll({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': healthKeys.suspects(rolloutId, stageIndex, attempt) },
        ConsistentRead: true,
      });
      return items.map(toSuspect);
    },

    foldSuccessBuckets(rolloutId, stageIndex, buckets) {
      const entries = Object.entries(buckets);
      if (entries.length === 0) return Promise.resolve(false);
      const names = Object.fromEntries(entries.map(([b], n) => [`#b${n}`, `ok_${b}`]));
      const values = Object.fromEntries(entries.map(([, v], n) => [`:b${n}`, v]));
      const sum = entries.reduce((total, [, v]) => total + v, 0);
      return conditionalWrite(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: keys.stage(rolloutId, stageIndex),
            UpdateExpression: `REMOVE ${Object.keys(names).join(', ')} ADD okMatured :sum`,
            ConditionExpression: entries.map((_, n) => `#b${n} = :b${n}`).join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...values, ':sum': sum },
          }),
        ),
      );
    },

    async setStageHealth(rolloutId, stageIndex, health) {
      await conditionalWrite(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: keys.stage(rolloutId, stageIndex),
            UpdateExpression: 'SET health = :h',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(health) OR health.checkedAt <= :at)',
            ExpressionAttributeValues: { ':h': health, ':at': health.checkedAt },
          }),
        ),
      );
    },

    async judgeSuspect(s, verdict, at, evidence, startedAt) {
      await conditionalWrite(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: healthKeys.suspect(s),
            UpdateExpression: `SET verdict = :v, judgedAt = :at, evidence = :e${startedAt === undefined ? '' : ', startedAt = :s'}`,
            // A final verdict is never changed (a retried Reconcile writes the same one).
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(verdict)',
            ExpressionAttributeValues: {
              ':v': verdict,
              ':at': at,
              ':e': evidence.slice(0, 300),
              ...(startedAt === undefined ? {} : { ':s': startedAt }),
            },
          }),
        ),
      );
    },
  };
}
