import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredAuditRecord } from '../domain/audit-query/export';
import type { AuditQuery } from '../domain/audit-query/query-plan';
import type { AuditRecordReader } from '../services/audit-query-ports';

export type AuditPaging = {
  /** Items per Query page. */
  pageSize?: number;
  onPage?: (count: number) => void;
};

/** One DynamoDB Query call on the audit table: a page of items and where the next one starts. */
export type AuditQueryPage = (
  input: AuditQuery & { Limit: number; ExclusiveStartKey?: Record<string, unknown> },
) => Promise<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }>;

/**
 * Reads audit records with DynamoDB Query only (the table's key or a GSI), following
 * LastEvaluatedKey page by page; records stream out so exports never hold the whole trail.
 */
export function pagedAuditReader(query: AuditQueryPage, paging: AuditPaging = {}): AuditRecordReader {
  return async function* read(queries, options = {}) {
    let emitted = 0;
    const limit = options.limit && options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY;
    for (const planned of queries) {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await query({
          ...planned,
          Limit: paging.pageSize ?? 500,
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        });
        const items = (page.Items ?? []) as StoredAuditRecord[];
        paging.onPage?.(items.length);
        for (const item of items) {
          if (emitted >= limit) return;
          emitted += 1;
          yield item;
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    }
  };
}

/** The audit table's reader on DynamoDB. */
export function dynamoAuditReader(
  client: DynamoDBClient,
  table: string,
  paging: AuditPaging = {},
): AuditRecordReader {
  const docs = DynamoDBDocumentClient.from(client);
  return pagedAuditReader((input) => docs.send(new QueryCommand({ TableName: table, ...input })), paging);
}
