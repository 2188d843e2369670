import {
  csvHeader,
  detailSummary,
  type StoredAuditRecord,
  toCsvRow,
  toJsonLine,
} from '../../shared/domain/audit-query/export';
import { queryAudit } from '../../shared/services/audit-query';
import { auditCliError, auditDeps } from '../audit-wiring';
import { CliError, EXIT, type Io, line } from '../io';
import { printTable } from '../output';
import { type GlobalOptions, requireTable, resolveTarget } from '../target';

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

const FORMATS = ['table', 'jsonl', 'csv'] as const;

/** `fleet audit`: Query (table or GSI) pages streamed out as a table, JSON lines or CSV. */
export async function auditQuery(opts: AuditOptions, io: Io): Promise<number> {
  const format = opts.json ? 'jsonl' : (opts.format ?? 'table');
  if (!FORMATS.includes(format as (typeof FORMATS)[number]))
    throw new CliError(EXIT.USAGE, `--format must be one of ${FORMATS.join(', ')}`);
  const target = resolveTarget(opts, io);
  const table = requireTable(target, 'audit');
  try {
    const { matched, records } = await queryAudit(opts, auditDeps(target, table));
    if (matched) line(io.stderr, `--query matched ${matched.length} thing(s)`);
    const count = await print(records, format, Boolean(matched), io);
    line(io.stderr, `${count} record(s)${opts.limit ? ` (limit ${opts.limit})` : ''}`);
    return EXIT.OK;
  } catch (error) {
    throw auditCliError(error);
  }
}

/** Writes the records in the format; returns how many. */
async function print(
  records: AsyncIterable<StoredAuditRecord>,
  format: string,
  byTime: boolean,
  io: Io,
): Promise<number> {
  let count = 0;
  if (format === 'table') {
    const rows: StoredAuditRecord[] = [];
    for await (const r of records) rows.push(r);
    // --query reads thing after thing; the table holds every row anyway, so it shows them in time
    // order (exports stream in the order read).
    if (byTime) rows.sort((a, b) => String(a.atIso ?? '').localeCompare(String(b.atIso ?? '')));
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
  return count;
}
