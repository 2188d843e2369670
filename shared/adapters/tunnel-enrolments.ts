import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Enrolment } from '../domain/tunnels/enrolment';
import type { EnrolmentStore } from '../services/tunnel-ports';
import { conditionalWrite } from './dynamo-conditions';

/**
 * Alarm enrolments in the state table, one partition (`TUNNEL#enrolments`, sort key
 * `ALARM#<name>`) so the list is one Query.
 */

const PK = 'TUNNEL#enrolments';
const key = (alarmName: string) => ({ pk: PK, sk: `ALARM#${alarmName}` });

export function dynamoEnrolmentStore(client: DynamoDBDocumentClient, tableName: string): EnrolmentStore {
  const toEnrolment = (item: Record<string, unknown>): Enrolment => {
    const { pk: _pk, sk: _sk, ...rest } = item;
    return rest as Enrolment;
  };
  return {
    async get(alarmName) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: key(alarmName), ConsistentRead: true }),
      );
      return Item ? toEnrolment(Item) : undefined;
    },

    async list() {
      const out: Enrolment[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': PK },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) out.push(toEnrolment(item));
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    },

    create(enrolment) {
      return conditionalWrite(() =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...key(enrolment.alarmName), ...enrolment },
            ConditionExpression: 'attribute_not_exists(pk) OR #s = :removed',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':removed': 'REMOVED' },
          }),
        ),
      );
    },

    async remove(alarmName, enrolRequestId, removal) {
      const current = await this.get(alarmName);
      if (current?.status !== 'ACTIVE' || current.enrolRequestId !== enrolRequestId) return false;
      return conditionalWrite(() =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...key(alarmName),
              ...current,
              status: 'REMOVED',
              removedBy: removal.by,
              removedAt: removal.at,
              removeRequestId: removal.requestId,
            },
            ConditionExpression: '#s = :active AND enrolRequestId = :enrolled',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':active': 'ACTIVE', ':enrolled': enrolRequestId },
          }),
        ),
      );
    },
  };
}
