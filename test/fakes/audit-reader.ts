import { type AuditPaging, type AuditQueryPage, pagedAuditReader } from '../../shared/adapters/audit-reader';
import type { AuditRecord } from '../../shared/audit/audit-record';
import { matchesQuery } from '../../shared/domain/fleet-index/query-match';
import { parseFleetQuery } from '../../shared/domain/fleet-index/query-parse';
import type { AuditRecordReader, ThingSearch } from '../../shared/services/audit-query-ports';
import { awsError, Faults } from './faults';

type Item = Record<string, unknown>;
type Keys = { hash: string; range: string };

/** The audit table's key schema and GSIs, as resources/tables.yml declares them (checked by a test). */
export const AUDIT_TABLE_KEYS: { table: Keys; indexes: Record<string, Keys> } = {
  table: { hash: 'pk', range: 'sk' },
  indexes: { byActor: { hash: 'gsi1pk', range: 'gsi1sk' }, byDay: { hash: 'gsi2pk', range: 'gsi2sk' } },
};

const invalid = (message: string) => awsError('ValidationException', message);

type Condition =
  | { attr: string; op: '=' | '<' | '<=' | '>' | '>='; value: string }
  | { attr: string; op: 'BETWEEN'; value: string; upTo: string }
  | { attr: string; op: 'begins_with'; value: string };

const COND =
  /^\s*(?:begins_with\(\s*(#\w+)\s*,\s*(:\w+)\s*\)|(#\w+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+)|(#\w+)\s*(<=|>=|=|<|>)\s*(:\w+))\s*/i;

/**
 * The audit table in memory behind DynamoDB Query, with Query's rules for the shapes
 * planAuditQueries writes (Working with queries in DynamoDB, DynamoDB developer guide):
 * - the key condition names the table's or the index's partition key with `=`, and optionally its
 *   sort key with `=`, `<`, `<=`, `>`, `>=`, BETWEEN (inclusive) or begins_with; anything else, an
 *   unknown index, an undefined or unused `#name` / `:value`, a filter on a key attribute, or a
 *   Limit under 1 is a ValidationException;
 * - a GSI holds only the items that have both its key attributes (sparse);
 * - items come in ascending sort-key order (ties on a GSI, which DynamoDB leaves unordered, by the
 *   table's key); Limit counts the items read BEFORE the FilterExpression, so a page can be empty;
 *   a page that reads Limit items returns LastEvaluatedKey (the table's key, plus the index's on a
 *   GSI) even when nothing follows, and ExclusiveStartKey must be such a key of the same partition.
 * Supported filters: `#a = :v` and `#a.#b = :v`, joined by AND. Faults: `query`, per Query call.
 * Items are read from `items` (e.g. fakeAudit's records), so later writes show; pages are copies.
 */
export class FakeAuditTable {
  readonly faults = new Faults();
  /** Every Query call's input, in order. */
  readonly calls: Parameters<AuditQueryPage>[0][] = [];

  constructor(readonly items: Item[] | AuditRecord[] = []) {}

  /** The port, paging with the DynamoDB adapter's own loop over this table's Query. */
  reader(paging: AuditPaging = {}): AuditRecordReader {
    return pagedAuditReader((input) => this.query(input), paging);
  }

  query: AuditQueryPage = async (input) => {
    this.calls.push(structuredClone(input));
    this.faults.check('query');
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const used = new Set<string>();
    const name = (ref: string) => {
      const n = names[ref];
      if (n === undefined)
        throw invalid(
          `An expression attribute name used in the document path is not defined; attribute name: ${ref}`,
        );
      used.add(ref);
      return n;
    };
    const value = (ref: string) => {
      const v = values[ref];
      if (v === undefined)
        throw invalid(
          `An expression attribute value used in expression is not defined; attribute value: ${ref}`,
        );
      used.add(ref);
      return v;
    };

    const keys = input.IndexName ? AUDIT_TABLE_KEYS.indexes[input.IndexName] : AUDIT_TABLE_KEYS.table;
    if (!keys) throw invalid(`The table does not have the specified index: ${input.IndexName}`);
    if (!(input.Limit >= 1)) throw invalid('Limit must be greater than or equal to 1');

    const conditions = parseKeyCondition(input.KeyConditionExpression, name, value);
    const onHash = conditions.filter((c) => c.attr === keys.hash);
    const onRange = conditions.filter((c) => c.attr === keys.range);
    if (onHash.length !== 1 || onHash[0]?.op !== '=' || onRange.length > 1)
      throw invalid('Query condition missed key schema element');
    if (onHash.length + onRange.length !== conditions.length)
      throw invalid('Query key condition not supported');
    const partition = onHash[0].value;
    const range = onRange[0];

    const filters = parseFilter(input.FilterExpression, name, value);
    const keyAttrs = new Set([
      keys.hash,
      keys.range,
      AUDIT_TABLE_KEYS.table.hash,
      AUDIT_TABLE_KEYS.table.range,
    ]);
    const onKey = filters.find((f) => keyAttrs.has(f.path[0] ?? ''));
    if (onKey)
      throw invalid(
        `Filter Expression can only contain non-primary key attributes: Primary key attribute: ${onKey.path[0]}`,
      );

    const unusedNames = Object.keys(names).filter((k) => !used.has(k));
    if (unusedNames.length)
      throw invalid(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`,
      );
    const unusedValues = Object.keys(values).filter((k) => !used.has(k));
    if (unusedValues.length)
      throw invalid(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`,
      );

    const table = AUDIT_TABLE_KEYS.table;
    const keyOf = (item: Item): Item => {
      const key: Item = { [table.hash]: item[table.hash], [table.range]: item[table.range] };
      if (input.IndexName)
        Object.assign(key, { [keys.hash]: item[keys.hash], [keys.range]: item[keys.range] });
      return key;
    };
    const order = (item: Item) => [
      String(item[keys.range]),
      String(item[table.hash]),
      String(item[table.range]),
    ];
    const before = (a: string[], b: string[]) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as string) < (b[i] as string);
      return false;
    };

    const inPartition = (this.items as Item[])
      .filter((item) => typeof item[keys.hash] === 'string' && typeof item[keys.range] === 'string')
      .filter(
        (item) => item[keys.hash] === partition && (!range || rangeMatches(String(item[keys.range]), range)),
      )
      .sort((a, b) => (before(order(a), order(b)) ? -1 : before(order(b), order(a)) ? 1 : 0));

    let start = 0;
    const from = input.ExclusiveStartKey;
    if (from) {
      const expected = Object.keys(keyOf({})).sort();
      const given = Object.keys(from).sort();
      if (JSON.stringify(expected) !== JSON.stringify(given) || from[keys.hash] !== partition)
        throw invalid('The provided starting key is invalid');
      const after = order(from);
      start = inPartition.findIndex((item) => before(after, order(item)));
      if (start < 0) start = inPartition.length;
    }

    const read = inPartition.slice(start, start + input.Limit);
    const Items = read
      .filter((item) => filters.every((f) => valueAt(item, f.path) === f.value))
      .map((item) => structuredClone(item));
    const last = read.at(-1);
    return {
      Items,
      ...(read.length === input.Limit && last ? { LastEvaluatedKey: keyOf(last) } : {}),
    };
  };
}

function parseKeyCondition(
  text: string,
  name: (ref: string) => string,
  value: (ref: string) => string,
): Condition[] {
  const conditions: Condition[] = [];
  let rest = text;
  for (;;) {
    const m = COND.exec(rest);
    if (!m) throw invalid(`Invalid KeyConditionExpression: ${text}`);
    if (m[1] && m[2]) conditions.push({ attr: name(m[1]), op: 'begins_with', value: value(m[2]) });
    else if (m[3] && m[4] && m[5])
      conditions.push({ attr: name(m[3]), op: 'BETWEEN', value: value(m[4]), upTo: value(m[5]) });
    else
      conditions.push({
        attr: name(m[6] as string),
        op: m[7] as '=' | '<' | '<=' | '>' | '>=',
        value: value(m[8] as string),
      });
    rest = rest.slice(m[0].length);
    if (rest === '') return conditions;
    const and = /^AND\s+/i.exec(rest);
    if (!and) throw invalid(`Invalid KeyConditionExpression: ${text}`);
    rest = rest.slice(and[0].length);
  }
}

function rangeMatches(v: string, c: Condition): boolean {
  switch (c.op) {
    case '=':
      return v === c.value;
    case '<':
      return v < c.value;
    case '<=':
      return v <= c.value;
    case '>':
      return v > c.value;
    case '>=':
      return v >= c.value;
    case 'BETWEEN':
      return v >= c.value && v <= c.upTo;
    case 'begins_with':
      return v.startsWith(c.value);
  }
}

function parseFilter(
  text: string | undefined,
  name: (ref: string) => string,
  value: (ref: string) => string,
): { path: string[]; value: string }[] {
  if (text === undefined) return [];
  return text.split(/\s+AND\s+/i).map((part) => {
    const m = /^\s*(#\w+(?:\.#\w+)*)\s*=\s*(:\w+)\s*$/.exec(part);
    if (!m) throw new Error(`the fake audit table does not support the filter ${JSON.stringify(part)}`);
    return { path: (m[1] as string).split('.').map(name), value: value(m[2] as string) };
  });
}

function valueAt(item: Item, path: string[]): unknown {
  let v: unknown = item;
  for (const key of path) v = v && typeof v === 'object' ? (v as Item)[key] : undefined;
  return v;
}

/**
 * SearchIndex over things in memory, matched with the domain's query semantics: at most `max`, in
 * name order (the order of one index snapshot), and `more` when others match. Faults: `search`.
 */
export class FakeThingSearch {
  readonly faults = new Faults();
  readonly calls: { query: string; max: number }[] = [];
  readonly things: { thingName: string; attributes?: Record<string, string> }[] = [];

  add(thingName: string, attributes: Record<string, string> = {}): void {
    this.things.push({ thingName, attributes });
  }

  search: ThingSearch = async (query, max) => {
    this.calls.push({ query, max });
    this.faults.check('search');
    const parsed = parseFleetQuery(query);
    const matching = this.things
      .filter((t) => matchesQuery(parsed, t))
      .map((t) => t.thingName)
      .sort();
    return { thingNames: matching.slice(0, max), more: matching.length > max };
  };
}
