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

/** A stable identity of one item, for "multiple operations on one item". */
export function itemId(table: string, key: JsonObject, names: string[]): string {
  return JSON.stringify([table, ...names.map((n) => key[n])]);
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
