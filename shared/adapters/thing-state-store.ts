import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock';
import { isStale, type ThingState } from '../domain/grouping/thing-state';
import { ThingBusyError } from '../errors';
import type { ClaimRequest, ThingStateStore } from '../services/grouping-ports';
import { isConditionFailure, itemOfFailure } from './dynamo-conditions';

const SK = 'STATE';

/**
 * DynamoDB-backed state with a lease so that two events for one thing are never applied at the
 * same time (SQS delivers them to parallel invocations). A busy thing is retried by SQS later.
 */
export function dynamoThingStateStore(
  client: DynamoDBDocumentClient,
  tableName: string,
  clock: Clock,
  leaseMs = 120_000,
): ThingStateStore {
  const key = (thingName: string) => ({ pk: `THING#${thingName}`, sk: SK });
  /** Takes the lease if the item is still as the claim saw it (absent, or at revision `rev`). */
  const take = (request: ClaimRequest, now: number, rev: unknown) =>
    client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key(request.thingName),
        UpdateExpression:
          'SET leaseUntil = :until, attemptUntil = :attempt, leaseEvent = :event, rev = if_not_exists(rev, :zero) + :one REMOVE leaseIdle',
        ConditionExpression: rev === undefined ? 'attribute_not_exists(pk)' : 'rev = :rev',
        ExpressionAttributeValues: {
          ':until': now + leaseMs,
          ':attempt': now + Math.min(request.attemptMs ?? leaseMs, leaseMs),
          ':event': request.eventId,
          ':zero': 0,
          ':one': 1,
          ...(rev === undefined ? {} : { ':rev': rev }),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  const read = async (thingName: string) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: key(thingName), ConsistentRead: true })))
      .Item;
  return {
    async claim(request) {
      const now = clock.now();
      // A thing's first event finds no record: one request takes the lease. Otherwise the failed
      // condition hands back the record, which the claim judges as a read would have.
      let item: Record<string, unknown> | undefined;
      try {
        await take(request, now, undefined);
        return { kind: 'claimed', previous: undefined, interrupted: false };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // No item back (a backend that does not hand it over): read it.
        item = itemOfFailure(error) ?? (await read(request.thingName));
      }
      const state = item ? toState(item) : undefined;
      if (state && isStale(state, request)) return { kind: 'stale', state };
      // A live lease holds off every other event: it is retried until the lease is committed or runs
      // out. The same event takes it back once its attempt is over: failed (idle) or past the time
      // the attempt had (a crash, or a claim whose answer was lost); a concurrent copy waits.
      const lease = item && typeof item.leaseUntil === 'number' && item.leaseUntil > now ? item : undefined;
      const own =
        lease?.leaseEvent === request.eventId &&
        (lease.leaseIdle === true || (typeof lease.attemptUntil === 'number' && now >= lease.attemptUntil));
      if (lease && !own) {
        throw new ThingBusyError(
          `thing ${request.thingName} is being updated by event ${String(lease.leaseEvent)}`,
        );
      }
      try {
        await take(request, now, item?.rev);
      } catch (error) {
        if (isConditionFailure(error))
          throw new ThingBusyError(`thing ${request.thingName} changed while claiming`);
        throw error;
      }
      // An attempt that never committed (another event's, or an earlier one of this event) may have
      // changed memberships.
      const interrupted = typeof item?.leaseEvent === 'string';
      return { kind: 'claimed', previous: state, interrupted };
    },

    async idle(request) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(request.thingName),
            UpdateExpression: 'SET leaseIdle = :idle',
            ConditionExpression: 'leaseEvent = :event',
            ExpressionAttributeValues: { ':event': request.eventId, ':idle': true },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async commit(commit) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(commit.thingName),
            UpdateExpression:
              'SET thingId = :thingId, appliedVersion = :version, appliedAt = :at, #groups = :groups, deleted = :deleted, rev = rev + :one REMOVE leaseUntil, leaseEvent',
            ConditionExpression: 'leaseEvent = :event',
            ExpressionAttributeNames: { '#groups': 'groups' },
            ExpressionAttributeValues: {
              ':thingId': commit.thingId,
              ':version': commit.version,
              ':at': commit.at,
              ':groups': commit.groups,
              ':deleted': commit.deleted,
              ':event': commit.eventId,
              ':one': 1,
            },
          }),
        );
      } catch (error) {
        if (isConditionFailure(error))
          throw new ThingBusyError(`lease on thing ${commit.thingName} was lost`);
        throw error;
      }
    },
  };
}

function toState(item: Record<string, unknown>): ThingState | undefined {
  if (typeof item.appliedVersion !== 'number' || typeof item.thingId !== 'string') return undefined;
  return {
    thingId: item.thingId,
    appliedVersion: item.appliedVersion,
    appliedAt: typeof item.appliedAt === 'number' ? item.appliedAt : 0,
    groups: Array.isArray(item.groups) ? item.groups.filter((g): g is string => typeof g === 'string') : [],
    deleted: item.deleted === true,
  };
}
