import type { Dynalite } from './backend';
import { isObject, type JsonObject, validation } from './errors';
import { itemId, KeySchemas, keyOf, SAME_ITEM, transactItems } from './keys';

/**
 * TransactGetItems as consistent GetItems. The caller holds the write mutex, so the reads see
 * either all or none of any transaction.
 */
export async function transactGet(
  db: Dynalite,
  input: JsonObject,
  schemas: KeySchemas = new KeySchemas(db),
): Promise<JsonObject> {
  const seen = new Set<string>();
  const gets: JsonObject[] = [];
  for (const entry of transactItems(input)) {
    const get = entry.Get;
    if (!isObject(get) || typeof get.TableName !== 'string' || !isObject(get.Key)) {
      throw validation('TransactItems entries of TransactGetItems must hold a Get with TableName and Key');
    }
    const names = await schemas.of(get.TableName);
    const id = itemId(get.TableName, keyOf(get.Key, names), names);
    if (seen.has(id)) throw validation(SAME_ITEM);
    seen.add(id);
    gets.push(get);
  }
  const responses: JsonObject[] = [];
  for (const get of gets) {
    const fields = ['TableName', 'Key', 'ProjectionExpression', 'ExpressionAttributeNames'];
    const request = Object.fromEntries(fields.filter((f) => get[f] !== undefined).map((f) => [f, get[f]]));
    const out = await db.call('GetItem', { ...request, ConsistentRead: true });
    responses.push(isObject(out.Item) ? { Item: out.Item } : {});
  }
  return { Responses: responses };
}
