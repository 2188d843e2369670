import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock';
import { isStale, type ThingState } from '../domain/grouping/thing-state';
import { ThingBusyError } from '../errors';
import type { ThingStateStore } from '../services/grouping-ports';
import { isConditionFailure } from './dynamo-conditions';

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
  return {
    async claim(request) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: key(request.thingName), ConsistentRead: true }),
      );
      const state = Item ? toState(Item) : undefined;
      if (state && isStale(state, request)) return { kind: 'stale', state };
      const now = clock.now();
      if (
        Item &&
        typeof Item.leaseUntil === 'number' &&
        Item.leaseUntil > now &&
        Item.leaseEvent !== request.eventId
      ) {
        throw new ThingBusyError(
          `thing ${request.thingName} is being updated by event ${String(Item.leaseEvent)}`,
        );
      }
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(request.thingName),
            UpdateExpression:
              'SET leaseUntil = :until, leaseEvent = :event, rev = if_not_exists(rev, :zero) + :one',
            ConditionExpression: Item ? 'rev = :rev' : 'attribute_not_exists(pk)',
            ExpressionAttributeValues: {
              ':until': now + leaseMs,
              ':event': request.eventId,
              ':zero': 0,
              ':one': 1,
              ...(Item ? { ':rev': Item.rev } : {}),
            },
          }),
        );
      } catch (error) {
        if (isConditionFailure(error))
          throw new ThingBusyError(`thing ${request.thingName} changed while claiming`);
        throw error;
      }
      return { kind: 'claimed', previous: state };
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
