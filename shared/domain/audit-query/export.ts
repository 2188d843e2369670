import { csvField } from '../onboarding/csv';

/** An audit record as read back (the stored AuditRecord, loosely typed: old records may lack fields). */
export type StoredAuditRecord = {
  pk: string;
  sk: string;
  id?: string;
  atIso?: string;
  action?: string;
  outcome?: string;
  actor?: string;
  subject?: { type?: string; id?: string };
  cause?: { type?: string; id?: string };
  details?: Record<string, unknown>;
  [key: string]: unknown;
};

const CSV_COLUMNS = [
  'time',
  'id',
  'subjectType',
  'subjectId',
  'action',
  'outcome',
  'actor',
  'causeType',
  'causeId',
  'details',
] as const;

/** The exported view: the record without index keys and TTL plumbing. */
function exportView(r: StoredAuditRecord) {
  return {
    time: r.atIso ?? r.sk.split('#')[0] ?? '',
    id: r.id ?? r.sk.split('#')[1] ?? '',
    subjectType: r.subject?.type ?? r.pk.split('#')[0]?.toLowerCase() ?? '',
    subjectId: r.subject?.id ?? r.pk.slice(r.pk.indexOf('#') + 1),
    action: r.action ?? '',
    outcome: r.outcome ?? '',
    actor: r.actor ?? '',
    causeType: r.cause?.type ?? '',
    causeId: r.cause?.id ?? '',
    details: r.details ?? {},
  };
}

export function toJsonLine(r: StoredAuditRecord): string {
  return JSON.stringify(exportView(r));
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(',');
}

export function toCsvRow(r: StoredAuditRecord): string {
  const v = exportView(r);
  return CSV_COLUMNS.map((c) => csvField(c === 'details' ? JSON.stringify(v.details) : String(v[c]))).join(
    ',',
  );
}

/** A one-line summary of the evidence for the table view. */
export function detailSummary(details: Record<string, unknown> | undefined, width = 60): string {
  if (!details) return '';
  const parts: string[] = [];
  for (const key of [
    'added',
    'removed',
    'jobId',
    'tunnelId',
    'decision',
    'reason',
    'code',
    'comment',
    'stage',
  ]) {
    const value = details[key];
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    parts.push(`${key}=${Array.isArray(value) ? value.join('|') : String(value)}`);
  }
  const text = parts.join(' ');
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
