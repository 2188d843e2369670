import { AuditFilterError } from './errors';

/** Which audit records to read; exactly one selector (thing, rollout, tunnel subject, actor, or a time range). */
export type AuditFilter = {
  thing?: string;
  rollout?: string;
  /** A tunnel's records live under its thing; the caller resolves the thing and passes it too. */
  tunnel?: { tunnelId: string; thingName: string };
  actor?: string;
  from?: string;
  to?: string;
  action?: string;
};

/** One DynamoDB Query (never a Scan): key condition on the table or a GSI, optional filters. */
export type AuditQuery = {
  IndexName?: 'byActor' | 'byDay';
  KeyConditionExpression: string;
  FilterExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, string>;
};

const MAX_DAYS = 400;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Normalizes a user's time bound to the stored ISO form; throws on anything else. */
function isoBound(value: string, label: string): string {
  const t = ISO.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t))
    throw new AuditFilterError(
      `--${label} ${JSON.stringify(value)} is not an ISO date or time (e.g. 2026-01-05 or 2026-01-05T08:00:00Z)`,
    );
  return new Date(t).toISOString();
}

/**
 * The queries for a filter, in time order. A subject or actor is one Query (paged); a bare time
 * range is one Query per UTC day on `byDay`. Time bounds are [from, to). Pure.
 */
export function planAuditQueries(filter: AuditFilter): AuditQuery[] {
  const selectors = [filter.thing ?? filter.tunnel, filter.rollout, filter.actor].filter(
    (s) => s !== undefined,
  );
  if (selectors.length > 1 || (filter.thing && filter.tunnel))
    throw new AuditFilterError(
      'give one of --thing, --rollout, --tunnel, --actor (optionally with --from/--to)',
    );
  const from = filter.from ? isoBound(filter.from, 'from') : undefined;
  const to = filter.to ? isoBound(filter.to, 'to') : undefined;
  if (from && to && from >= to) throw new AuditFilterError('--from must be before --to');
  const names: Record<string, string> = {};
  const values: Record<string, string> = {};
  const filters: string[] = [];
  if (filter.action) {
    names['#action'] = 'action';
    values[':action'] = filter.action;
    filters.push('#action = :action');
  }
  if (filter.tunnel) {
    names['#details'] = 'details';
    names['#tunnelId'] = 'tunnelId';
    values[':tunnelId'] = filter.tunnel.tunnelId;
    filters.push('#details.#tunnelId = :tunnelId');
  }
  const build = (key: string, sortKey: string, pk: string, index?: AuditQuery['IndexName']): AuditQuery => {
    const n: Record<string, string> = { ...names, '#pk': key };
    if (from || to) n['#sk'] = sortKey;
    const v: Record<string, string> = { ...values, ':pk': pk };
    let condition = '#pk = :pk';
    if (from && to) {
      v[':from'] = from;
      v[':to'] = to;
      condition += ' AND #sk BETWEEN :from AND :to';
    } else if (from) {
      v[':from'] = from;
      condition += ' AND #sk >= :from';
    } else if (to) {
      v[':to'] = to;
      condition += ' AND #sk < :to';
    }
    return {
      ...(index ? { IndexName: index } : {}),
      KeyConditionExpression: condition,
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ExpressionAttributeNames: n,
      ExpressionAttributeValues: v,
    };
  };
  const subject = filter.tunnel ? filter.tunnel.thingName : filter.thing;
  if (subject !== undefined) return [build('pk', 'sk', `THING#${subject}`)];
  if (filter.rollout !== undefined) return [build('pk', 'sk', `ROLLOUT#${filter.rollout}`)];
  if (filter.actor !== undefined) return [build('gsi1pk', 'gsi1sk', `ACTOR#${filter.actor}`, 'byActor')];
  if (!from || !to)
    throw new AuditFilterError(
      'give --thing, --rollout, --tunnel or --actor, or a time range with both --from and --to',
    );
  return daysBetween(from, to).map((day) => build('gsi2pk', 'gsi2sk', `DAY#${day}`, 'byDay'));
}

/** UTC days touched by [from, to). */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const last = new Date(Date.parse(to) - 1).toISOString().slice(0, 10);
  for (let t = Date.parse(`${from.slice(0, 10)}T00:00:00Z`); ; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > last) break;
    days.push(day);
    if (days.length > MAX_DAYS)
      throw new AuditFilterError(`the range spans more than ${MAX_DAYS} days (the retention); narrow it`);
  }
  return days;
}
