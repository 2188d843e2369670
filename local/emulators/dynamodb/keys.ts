import type { Dynalite } from './backend';
import { isObject, type JsonObject, validation } from './errors';

/**
 * The key attribute names of each table, read once (DescribeTable) until the proxy sees the table
 * created or deleted again.
 */
export class KeySchemas {
  readonly #byTable = new Map<string, string[]>();
  constructor(private readonly db: Dynalite) {}

  forget(table: string): void {
    this.#byTable.delete(table);
  }

  async of(table: string): Promise<string[]> {
    const known = this.#byTable.get(table);
    if (known) return known;
    const out = await this.db.call('DescribeTable', { TableName: table });
    const description = isObject(out.Table) ? out.Table : {};
    const schema = Array.isArray(description.KeySchema) ? description.KeySchema : [];
    const names = schema.flatMap((k) =>
      isObject(k) && typeof k.AttributeName === 'string' ? [k.AttributeName] : [],
    );
    this.#byTable.set(table, names);
    return names;
  }
}

/** The primary key of an item (a Put's Item or a Key), checked against the table's key schema. */
export function keyOf(attributes: JsonObject, names: string[]): JsonObject {
  const key: JsonObject = {};
  for (const name of names) {
    const value = attributes[name];
    if (!isObject(value)) {
      throw validation('One or more parameter values were invalid: Missing the key in the item');
    }
    key[name] = value;
  }
  return key;
}

/**
 * A stable identity of one item, for "multiple operations on one item". Numbers are compared as
 * numbers, as DynamoDB keys them: `1`, `1.0` and `10E-1` are one item.
 */
export function itemId(table: string, key: JsonObject, names: string[]): string {
  return JSON.stringify([
    table,
    ...names.map((n) => {
      const value = key[n];
      return isObject(value) && typeof value.N === 'string' ? { N: canonicalNumber(value.N) } : value;
    }),
  ]);
}

/** One spelling per number: its significant digits and the decimal point's place, e.g. `-12e1` for -1.2. */
export function canonicalNumber(text: string): string {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  let digits = whole + fraction;
  let point = whole.length + Number(exponent);
  const leading = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(leading).replace(/0+$/, '');
  point -= leading;
  if (digits === '') return '0';
  return `${sign === '-' ? '-' : ''}${digits}e${point}`;
}

/** The `TransactItems` list, 1..100 entries (AWS's member constraints). */
export function transactItems(input: JsonObject): JsonObject[] {
  const items = input.TransactItems;
  if (!Array.isArray(items) || items.length === 0) {
    throw validation(
      "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: " +
        'Member must have length greater than or equal to 1',
    );
  }
  if (items.length > 100) {
    throw validation(
      `1 validation error detected: Value '[${items.length} items]' at 'transactItems' failed to satisfy ` +
        'constraint: Member must have length less than or equal to 100',
    );
  }
  return items.map((item) => {
    if (!isObject(item)) throw validation('Invalid TransactItems entry');
    return item;
  });
}

export const SAME_ITEM = 'Transaction request cannot include multiple operations on one item';
