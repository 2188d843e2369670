import type { StoredAuditRecord } from '../domain/audit-query/export';
import type { AuditQuery } from '../domain/audit-query/query-plan';

/**
 * What the audit queries need from the outside world. Adapters: shared/adapters/audit-reader.ts
 * (DynamoDB Query), tunnel-port.ts (DescribeTunnel), fleet-index.ts (SearchIndex); composed in
 * cli/audit-wiring.ts.
 */

/**
 * Streams the records of the planned queries, one query after the other, each in ascending sort-key
 * (time) order, and stops after `limit` records in all (0 or undefined: every record). AWS's errors
 * (throttling after the SDK's retries, a missing table) end the stream as they are.
 */
export type AuditRecordReader = (
  queries: readonly AuditQuery[],
  options?: { limit?: number },
) => AsyncIterable<StoredAuditRecord>;

/** DescribeTunnel's destination thing; undefined when AWS does not know the tunnel (any more). */
export type TunnelThingFinder = (tunnelId: string) => Promise<string | undefined>;

/**
 * The things a fleet indexing query matches now (SearchIndex), at most `max`, in the index's order;
 * `more` when the index holds more than that.
 */
export type ThingSearch = (query: string, max: number) => Promise<{ thingNames: string[]; more: boolean }>;

export type AuditQueryDeps = {
  reader: AuditRecordReader;
  thingOfTunnel: TunnelThingFinder;
  search: ThingSearch;
};
