import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { RolloutStoreBusyError } from '../domain/rollout/errors';
import { successBucket } from '../domain/rollout/health-counts';
import {
  counterDelta,
  type ExecutionMark,
  type ExecutionTerminal,
  supersedes,
} from '../domain/rollout/job-event';
import type { ApplyResult, CounterOptions, ExecutionCounters } from '../services/rollout-store-port';
import { itemOfFailure } from './dynamo-conditions';
import { keys } from './rollout-keys';

export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;
/** All-or-nothing write of up to 100 items; throws TransactionCanceledException with CancellationReasons. */
export type TransactWriter = (items: TransactItems) => Promise<void>;

export function dynamoTransactWriter(client: DynamoDBDocumentClient): TransactWriter {
  return async (items) => {
    await client.send(new TransactWriteCommand({ TransactItems: items }));
  };
}

const ATTEMPTS = 5;
/** Execution items outlive the job's stage by far: 400 days, then DynamoDB TTL removes them. */
const EXECUTION_TTL_SECONDS = 400 * 86_400;

/**
 * Applies one terminal execution event: the thing's newest status wins, and the stage counters move
 * in the same transaction (condition on the execution item + ADD on the stage), so a duplicate or an
 * older event changes nothing and two concurrent events never double-count. The ADD holds only while
 * the stage runs the event's job: a halted attempt's late events never count towards the next one.
 *
 * Most executions get one terminal event, so the first transaction assumes no execution item: one
 * request in the common case. When its condition fails, the item it saw comes back (ALL_OLD on the
 * Put) and stands in for a read: the duplicate and stale checks apply to it first, as they did to a
 * read, and the stage's condition is checked again by the next transaction.
 */
export function executionCounters(
  client: DynamoDBDocumentClient,
  table: string,
  transact: TransactWriter,
): ExecutionCounters {
  return async (
    rolloutId: string,
    stageIndex: number,
    e: ExecutionTerminal,
    options: CounterOptions = {},
  ): Promise<ApplyResult> => {
    const key = keys.execution(e.jobId, e.thingName);
    const read = async () =>
      (await client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
    let current: ExecutionMark | undefined;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (current && current.eventId === e.eventId && current.at === e.at) return 'duplicate';
      if (!supersedes(e, current)) return 'stale';
      const delta = counterDelta(current?.outcome, e.outcome);
      const buckets = options.successBuckets ? bucketDelta(delta.succeeded, e.at, current?.at) : undefined;
      try {
        await transact([
          {
            Put: {
              TableName: table,
              Item: {
                ...key,
                at: e.at,
                eventId: e.eventId,
                outcome: e.outcome,
                status: e.status,
                expiresAt: Math.floor(e.at / 1000) + EXECUTION_TTL_SECONDS,
              },
              ConditionExpression: current ? '#at = :at AND eventId = :id' : 'attribute_not_exists(pk)',
              ...(current
                ? {
                    ExpressionAttributeNames: { '#at': 'at' },
                    ExpressionAttributeValues: { ':at': current.at, ':id': current.eventId },
                  }
                : {}),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Update: {
              TableName: table,
              Key: keys.stage(rolloutId, stageIndex),
              UpdateExpression: `ADD succeeded :s, failed :f, rejected :r, timedOut :t, excluded :x${buckets?.expression ?? ''}`,
              ConditionExpression: 'attribute_exists(pk) AND jobId = :job',
              ExpressionAttributeValues: {
                ':job': e.jobId,
                ':s': delta.succeeded,
                ':f': delta.failed,
                ':r': delta.rejected,
                ':t': delta.timedOut,
                ':x': delta.excluded,
                ...buckets?.values,
              },
              ...(buckets ? { ExpressionAttributeNames: buckets.names } : {}),
            },
          },
        ]);
        return 'applied';
      } catch (error) {
        if ((error as Error).name !== 'TransactionCanceledException') throw error;
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          // The execution item is not the one assumed (the first event found one, or a concurrent
          // event for the thing wrote one): go round with the item the condition saw. None back means
          // it is gone, or the backend does not hand it back: a read tells which.
          current = (itemOfFailure(reasons[0]) ?? (await read())) as ExecutionMark | undefined;
          continue;
        }
        if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'unknown-stage';
        // A conflict with a concurrent transaction, nothing handed back: read again.
        current = (await read()) as ExecutionMark | undefined;
      }
    }
    throw new RolloutStoreBusyError(`execution ${e.jobId}/${e.thingName} kept changing`);
  };
}

/** A success enters its minute's bucket; a success another status replaced leaves the bucket it was in. */
function bucketDelta(succeeded: number, at: number, previousAt: number | undefined) {
  if (succeeded === 0) return undefined;
  const bucket = successBucket(succeeded > 0 ? at : (previousAt ?? at));
  return {
    expression: ', #ok :ok',
    names: { '#ok': `ok_${bucket}` },
    values: { ':ok': succeeded },
  };
}
