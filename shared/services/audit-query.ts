import {
  AuditTunnelNotFoundError,
  NoAuditRecordsError,
  QueryTooBroadError,
  QueryWithSelectorsError,
} from '../domain/audit-query/errors';
import type { StoredAuditRecord } from '../domain/audit-query/export';
import { type AuditFilter, type AuditQuery, planAuditQueries } from '../domain/audit-query/query-plan';
import { parseFleetQuery } from '../domain/fleet-index/query-parse';
import type { AuditQueryDeps } from './audit-query-ports';

/** One subject (thing, rollout, tunnel or actor), or a time range, with optional filters. */
export type AuditSubjectSelection = {
  thing?: string;
  rollout?: string;
  /** A tunnel's records live under its thing: `thing` if given, else DescribeTunnel's. */
  tunnel?: string;
  actor?: string;
  /** ISO date or time, inclusive. */
  from?: string;
  /** ISO date or time, exclusive. */
  to?: string;
  action?: string;
};

export type AuditSelection = AuditSubjectSelection & {
  /** A fleet indexing query: the records of every thing it matches now, each a `thing` selection. */
  query?: string;
  /** How many things `query` may match (default 100, at most MAX_QUERY_THINGS). */
  maxThings?: number;
  /** Stop after this many records (0 or undefined: all). */
  limit?: number;
};

/** `query` reads one Query per thing; a search that matches more than this is refused, not cut. */
export const MAX_QUERY_THINGS = 1000;
const DEFAULT_QUERY_THINGS = 100;

export type AuditAnswer = {
  /** The things `query` matched, in the search's order; undefined without a query. */
  matched?: string[];
  /**
   * The records, query after query (a subject's in time order, a range day after day, a query's
   * thing after thing). A named subject without time or action filters that has no record at all
   * ends the stream with NoAuditRecordsError: an empty answer would hide a wrong name.
   */
  records: AsyncIterable<StoredAuditRecord>;
};

/**
 * `fleet audit`: plans the DynamoDB Queries for a selection and streams their records. Errors:
 * AuditFilterError (selectors or bounds), InvalidFleetQueryError (the query's syntax, before any
 * search), QueryWithSelectorsError, QueryTooBroadError, AuditTunnelNotFoundError; the ports' own
 * errors as they are.
 */
export async function queryAudit(selection: AuditSelection, deps: AuditQueryDeps): Promise<AuditAnswer> {
  const limit = selection.limit !== undefined ? { limit: selection.limit } : {};
  if (selection.query !== undefined) {
    const matched = await thingsOfQuery(selection.query, selection, deps);
    const queries: AuditQuery[] = [];
    for (const thing of matched) queries.push(...(await planSelection({ ...selection, thing }, deps)));
    return { matched, records: deps.reader(queries, limit) };
  }
  const queries = await planSelection(selection, deps);
  return { records: failWhenEmpty(deps.reader(queries, limit), subjectOf(selection)) };
}

/** `fleet audit verify`: every record of one selection, read to the end (no query, no limit). */
export async function auditRecords(
  selection: AuditSubjectSelection,
  deps: Pick<AuditQueryDeps, 'reader' | 'thingOfTunnel'>,
): Promise<StoredAuditRecord[]> {
  const records: StoredAuditRecord[] = [];
  for await (const r of deps.reader(await planSelection(selection, deps))) records.push(r);
  return records;
}

/** The queries of one selection. A tunnel's thing is looked up first, as the filter needs it. */
async function planSelection(
  s: AuditSubjectSelection,
  deps: Pick<AuditQueryDeps, 'thingOfTunnel'>,
): Promise<AuditQuery[]> {
  const filter: AuditFilter = {
    ...(s.rollout !== undefined ? { rollout: s.rollout } : {}),
    ...(s.actor !== undefined ? { actor: s.actor } : {}),
    ...(s.from !== undefined ? { from: s.from } : {}),
    ...(s.to !== undefined ? { to: s.to } : {}),
    ...(s.action !== undefined ? { action: s.action } : {}),
  };
  if (s.tunnel !== undefined)
    filter.tunnel = { tunnelId: s.tunnel, thingName: s.thing ?? (await thingOf(s.tunnel, deps)) };
  else if (s.thing !== undefined) filter.thing = s.thing;
  return planAuditQueries(filter);
}

async function thingOf(tunnelId: string, deps: Pick<AuditQueryDeps, 'thingOfTunnel'>): Promise<string> {
  const thing = await deps.thingOfTunnel(tunnelId);
  if (!thing) throw new AuditTunnelNotFoundError(tunnelId);
  return thing;
}

/** The things a query scopes the audit to: checked before any call, refused rather than cut. */
async function thingsOfQuery(query: string, s: AuditSelection, deps: AuditQueryDeps): Promise<string[]> {
  parseFleetQuery(query);
  if (s.thing || s.rollout || s.tunnel || s.actor)
    throw new QueryWithSelectorsError(
      '--query selects things itself: give it without --thing, --rollout, --tunnel or --actor',
    );
  const max = Math.min(s.maxThings ?? DEFAULT_QUERY_THINGS, MAX_QUERY_THINGS);
  const { thingNames, more } = await deps.search(query, max);
  if (more) throw new QueryTooBroadError(max, MAX_QUERY_THINGS);
  return thingNames.filter(Boolean);
}

/** The subject whose empty answer is an error: named, and not narrowed by time or action. */
function subjectOf(s: AuditSubjectSelection): NoAuditRecordsError['subject'] | undefined {
  if (s.from || s.to || s.action) return undefined;
  if (s.tunnel) return { type: 'tunnel', id: s.tunnel };
  if (s.rollout) return { type: 'rollout', id: s.rollout };
  if (s.thing) return { type: 'thing', id: s.thing };
  return undefined;
}

async function* failWhenEmpty(
  records: AsyncIterable<StoredAuditRecord>,
  subject: NoAuditRecordsError['subject'] | undefined,
): AsyncGenerator<StoredAuditRecord> {
  let count = 0;
  for await (const r of records) {
    count += 1;
    yield r;
  }
  if (count === 0 && subject) throw new NoAuditRecordsError(subject);
}
