import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { buildAuditRecord } from '../audit/audit-record';
import { type Clock, systemClock } from '../clock';
import type { AuditWriter } from '../services/effect-ports';
import { isConditionFailure } from './dynamo-conditions';

/** The port is declared with the services; re-exported for the callers that still import it here. */
export type { AuditWriter };

/**
 * Append-only writer: a put that never overwrites. A duplicate (same cause, action and subject)
 * is reported as not written rather than failing, which is what makes retries safe. Each record
 * carries `at` (its cause's time) and `recordedAt` (this writer's clock when it wrote it).
 */
export function dynamoAuditWriter(
  client: DynamoDBDocumentClient,
  tableName: string,
  retentionDays: number,
  clock: Clock = systemClock,
): AuditWriter {
  return async (input) => {
    const record = buildAuditRecord(input, retentionDays, clock.now());
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { written: true, id: record.id };
    } catch (error) {
      if (isConditionFailure(error)) {
        return { written: false, id: record.id };
      }
      throw error;
    }
  };
}
