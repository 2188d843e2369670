import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredAuditRecord } from '../domain/audit-query/export';
import type { AuditQuery } from '../domain/audit-query/query-plan';

export type AuditReadOptions = {
  /** Stop after this many records (0 or undefined: all). */
  limit?: number;
  /** Items per Query page. */
  pageSize?: number;
  onPage?: (count: number) => void;
};

/**
 * Reads audit records with DynamoDB Query only (the table's key or a GSI), following
 * LastEvaluatedKey page by page; records stream out so exports never hold the whole trail.
 */
export async function* readAudit(
  client: DynamoDBClient,
  table: string,
  queries: readonly AuditQuery[],
  options: AuditReadOptions = {},
): AsyncGenerator<StoredAuditRecord> {
  const docs = DynamoDBDocumentClient.from(client);
  let emitted = 0;
  const limit = options.limit && options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY;
  for (const query of queries) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await docs.send(
        new QueryCommand({
          TableName: table,
          ...query,
          Limit: options.pageSize ?? 500,
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      const items = (page.Items ?? []) as StoredAuditRecord[];
      options.onPage?.(items.length);
      for (const item of items) {
        if (emitted >= limit) return;
        emitted += 1;
        yield item;
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
}
