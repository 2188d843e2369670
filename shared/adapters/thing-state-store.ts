import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock';
import { isStale, type ThingState } from '../domain/grouping/thing-state';
import { ThingBusyError } from '../errors';
import type { ClaimRequest, ThingStateStore } from '../services/grouping-ports';
import { conditionalWrite, isConditionFailure } from './dynamo-conditions';

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
      const now = clock.now();
      let old: Record<string, unknown> | undefined;
      try {
        ({ Attributes: old } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(request.thingName),
            UpdateExpression:
              'SET leaseUntil = :until, leaseEvent = :event, rev = if_not_exists(rev, :zero) + :one',
            ConditionExpression: claimCondition(request),
            ExpressionAttributeValues: {
              ':until': now + leaseMs,
              ':event': request.eventId,
              ':now': now,
              ':thingId': request.thingId,
              ':version': request.version,
              ':at': request.at,
              ':true': true,
              ':N': 'N',
              ':S': 'S',
              ':zero': 0,
              ':one': 1,
            },
            ReturnValues: 'ALL_OLD',
          }),
        ));
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Rare: read why the condition failed, to answer as the port says.
        const { Item } = await client.send(
          new GetCommand({ TableName: tableName, Key: key(request.thingName), ConsistentRead: true }),
        );
        const state = Item ? toState(Item) : undefined;
        if (state && isStale(state, request)) return { kind: 'stale', state };
        if (
          Item &&
          typeof Item.leaseUntil === 'number' &&
          Item.leaseUntil > now &&
          Item.leaseEvent !== request.eventId
        )
          throw new ThingBusyError(
            `thing ${request.thingName} is being updated by event ${String(Item.leaseEvent)}`,
          );
        throw new ThingBusyError(`thing ${request.thingName} changed while claiming`);
      }
      const previous = old ? toState(old) : undefined;
      if (previous && isStale(previous, request)) {
        // Guard: the condition mirrors isStale, so this must not happen; give back what was taken.
        await conditionalWrite(() =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: key(request.thingName),
              UpdateExpression: 'REMOVE leaseUntil, leaseEvent',
              ConditionExpression: 'leaseEvent = :event',
              ExpressionAttributeValues: { ':event': request.eventId },
            }),
          ),
        );
        return { kind: 'stale', state: previous };
      }
      return { kind: 'claimed', previous };
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

/**
 * No item, or a free lease (none, expired, or this event's own after a crash) on a state the event is
 * not stale against: the negation of isStale over the item as toState reads it (an item without a
 * string thingId and a numeric appliedVersion is no state; appliedAt defaults to 0, deleted to false).
 */
function claimCondition(request: ClaimRequest): string {
  const leaseFree = 'NOT attribute_type(leaseUntil, :N) OR leaseUntil <= :now OR leaseEvent = :event';
  // A deletion carries the thing's last version, so it wins over an update of that version.
  const applied = request.deletion ? 'appliedVersion > :version' : 'appliedVersion >= :version';
  // A missing appliedAt reads as 0 and compares false in DynamoDB, so it only matters for a negative at.
  const newer = request.at < 0 ? '(appliedAt > :at OR NOT attribute_type(appliedAt, :N))' : 'appliedAt > :at';
  const stale =
    'attribute_type(thingId, :S) AND attribute_type(appliedVersion, :N) AND ' +
    `((thingId = :thingId AND (deleted = :true OR ${applied})) OR (thingId <> :thingId AND ${newer}))`;
  return `attribute_not_exists(pk) OR ((${leaseFree}) AND NOT (${stale}))`;
}
