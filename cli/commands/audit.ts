import { DescribeTunnelCommand } from '@aws-sdk/client-iotsecuretunneling';
import { readAudit } from '../../shared/adapters/audit-reader';
import { iotFleetIndex } from '../../shared/adapters/fleet-index';
import {
  csvHeader,
  detailSummary,
  type StoredAuditRecord,
  toCsvRow,
  toJsonLine,
} from '../../shared/domain/audit-query/export';
import {
  type AuditFilter,
  AuditFilterError,
  planAuditQueries,
} from '../../shared/domain/audit-query/query-plan';
import { checkQuery, searchAll } from '../fleet-index';
import { CliError, EXIT, type Io, line } from '../io';
import { printTable } from '../output';
import {
  dynamoClient,
  type GlobalOptions,
  iotClient,
  requireTable,
  resolveTarget,
  type Target,
  tunnelsClient,
} from '../target';

export type AuditOptions = GlobalOptions & {
  thing?: string;
  rollout?: string;
  tunnel?: string;
  actor?: string;
  from?: string;
  to?: string;
  action?: string;
  format?: string;
  limit?: number;
  /** A fleet indexing query: the records of every thing it matches now (at most `maxThings`). */
  query?: string;
  maxThings?: number;
};

/** `--query` reads one Query per thing; a search that matches more than this is refused, not cut. */
const MAX_QUERY_THINGS = 1000;

/** The things a `--query` scopes the audit to (SearchIndex now), each a `--thing` selector. */
async function thingsOfQuery(opts: AuditOptions, target: Target): Promise<string[]> {
  const query = opts.query as string;
  checkQuery(query);
  if (opts.thing || opts.rollout || opts.tunnel || opts.actor)
    throw new CliError(
      EXIT.USAGE,
      '--query selects things itself: give it without --thing, --rollout, --tunnel or --actor',
    );
  const max = Math.min(opts.maxThings ?? 100, MAX_QUERY_THINGS);
  const { things, more } = await searchAll(iotFleetIndex(iotClient(target)), query, max);
  if (more)
    throw new CliError(
      EXIT.USAGE,
      `the query matches more than ${max} things`,
      `narrow it, or raise --max-things (at most ${MAX_QUERY_THINGS}: one DynamoDB Query per thing)`,
    );
  return things.map((t) => t.thingName ?? '').filter(Boolean);
}

const FORMATS = ['table', 'jsonl', 'csv'] as const;

/** Builds the Query plan; a tunnel's records live under its thing, found with DescribeTunnel. */
export async function auditQueries(opts: AuditOptions, target: Target) {
  const filter: AuditFilter = {
    ...(opts.rollout !== undefined ? { rollout: opts.rollout } : {}),
    ...(opts.actor !== undefined ? { actor: opts.actor } : {}),
    ...(opts.from !== undefined ? { from: opts.from } : {}),
    ...(opts.to !== undefined ? { to: opts.to } : {}),
    ...(opts.action !== undefined ? { action: opts.action } : {}),
  };
  if (opts.tunnel !== undefined)
    filter.tunnel = {
      tunnelId: opts.tunnel,
      thingName: opts.thing ?? (await thingOfTunnel(target, opts.tunnel)),
    };
  else if (opts.thing !== undefined) filter.thing = opts.thing;
  try {
    return planAuditQueries(filter);
  } catch (error) {
    if (error instanceof AuditFilterError)
      throw new CliError(EXIT.USAGE, error.message, 'see `fleet audit --help`');
    throw error;
  }
}

async function thingOfTunnel(target: Target, tunnelId: string): Promise<string> {
  try {
    const { tunnel } = await tunnelsClient(target).send(new DescribeTunnelCommand({ tunnelId }));
    const thing = tunnel?.destinationConfig?.thingName;
    if (thing) return thing;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  throw new CliError(
    EXIT.NOT_FOUND,
    `tunnel ${tunnelId} not found (AWS keeps closed tunnels only for a while)`,
    "add --thing NAME to search that thing's records for the tunnel id",
  );
}

/** `fleet audit`: Query (table or GSI) pages streamed out as a table, JSON lines or CSV. */
export async function auditQuery(opts: AuditOptions, io: Io): Promise<number> {
  const format = opts.json ? 'jsonl' : (opts.format ?? 'table');
  if (!FORMATS.includes(format as (typeof FORMATS)[number]))
    throw new CliError(EXIT.USAGE, `--format must be one of ${FORMATS.join(', ')}`);
  const target = resolveTarget(opts, io);
  const table = requireTable(target, 'audit');
  const matched = opts.query === undefined ? undefined : await thingsOfQuery(opts, target);
  const queries = matched
    ? (
        await Promise.all(matched.map((thing) => auditQueries({ ...opts, query: undefined, thing }, target)))
      ).flat()
    : await auditQueries(opts, target);
  if (matched) line(io.stderr, `--query matched ${matched.length} thing(s)`);
  const records = readAudit(dynamoClient(target), table, queries, {
    ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
  });
  let count = 0;
  if (format === 'table') {
    const rows: StoredAuditRecord[] = [];
    for await (const r of records) rows.push(r);
    // --query reads thing after thing: the table shows them in time order.
    if (matched) rows.sort((a, b) => String(a.atIso ?? '').localeCompare(String(b.atIso ?? '')));
    count = rows.length;
    if (count > 0)
      printTable(io.stdout, rows, [
        { header: 'time', value: (r) => r.atIso ?? '' },
        { header: 'subject', value: (r) => r.pk },
        { header: 'action', value: (r) => r.action ?? '' },
        { header: 'outcome', value: (r) => r.outcome ?? '' },
        { header: 'actor', value: (r) => r.actor ?? '', max: 50 },
        { header: 'cause', value: (r) => `${r.cause?.type ?? ''}:${r.cause?.id ?? ''}`, max: 40 },
        { header: 'details', value: (r) => detailSummary(r.details) },
      ]);
  } else {
    if (format === 'csv') line(io.stdout, csvHeader());
    for await (const r of records) {
      line(io.stdout, format === 'csv' ? toCsvRow(r) : toJsonLine(r));
      count += 1;
    }
  }
  const subject = opts.query
    ? undefined
    : opts.tunnel
      ? `tunnel ${opts.tunnel}`
      : opts.rollout
        ? `rollout ${opts.rollout}`
        : opts.thing
          ? `thing ${opts.thing}`
          : undefined;
  if (count === 0 && subject && !opts.from && !opts.to && !opts.action)
    throw new CliError(
      EXIT.NOT_FOUND,
      `no audit records for ${subject}`,
      `check the name (records expire after AUDIT_RETENTION_DAYS, 400 days by default); \`fleet audit --from DAY --to DAY\` lists everything by time`,
    );
  line(io.stderr, `${count} record(s)${opts.limit ? ` (limit ${opts.limit})` : ''}`);
  return EXIT.OK;
}
