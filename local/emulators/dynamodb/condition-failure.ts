import { crc32 } from 'node:zlib';
import type { Dynalite, RawResponse } from './backend';
import { isObject, type JsonObject, validation } from './errors';
import { type KeySchemas, keyOf } from './keys';

const SINGLE_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const PARAMETER = 'ReturnValuesOnConditionCheckFailure';
const FAILED = 'ConditionalCheckFailedException';

/**
 * `ReturnValuesOnConditionCheckFailure` of PutItem, UpdateItem and DeleteItem (API reference, 2023):
 * dynalite predates it and ignores it. Answers the value asked for ('ALL_OLD' or 'NONE', which is
 * the default), or undefined when the request does not ask; any other value is AWS's
 * ValidationException. Only a body that names the parameter is parsed.
 */
export function onConditionFailure(operation: string, body: Buffer): 'ALL_OLD' | 'NONE' | undefined {
  if (!SINGLE_WRITES.has(operation) || !body.includes(PARAMETER)) return undefined;
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // dynalite answers the serialization error itself
  }
  const value = isObject(input) ? input[PARAMETER] : undefined;
  if (value === undefined || value === 'NONE') return undefined;
  if (value === 'ALL_OLD') return value;
  throw validation(
    `1 validation error detected: Value '${String(value)}' at 'returnValuesOnConditionCheckFailure' ` +
      'failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]',
  );
}

/**
 * A single write's answer with the item as it is when the write's condition failed. Call it inside
 * the write mutex, right after the write: a failed write changed nothing, so the item as it is now is
 * the one the condition saw. Any other answer is returned as is.
 */
export async function withOldItem(
  db: Dynalite,
  schemas: KeySchemas,
  operation: string,
  body: Buffer,
  out: RawResponse,
): Promise<RawResponse> {
  if (out.status !== 400) return out;
  const error = JSON.parse(out.body.toString('utf8')) as JsonObject;
  if (typeof error.__type !== 'string' || !error.__type.endsWith(`#${FAILED}`)) return out;
  const input = JSON.parse(body.toString('utf8')) as JsonObject;
  const table = String(input.TableName);
  const key =
    operation === 'PutItem' && isObject(input.Item)
      ? keyOf(input.Item, await schemas.of(table))
      : (input.Key as JsonObject);
  const current = await db.call('GetItem', { TableName: table, Key: key, ConsistentRead: true });
  if (!isObject(current.Item)) return out;
  const text = Buffer.from(JSON.stringify({ ...error, Item: current.Item }));
  const headers = Object.fromEntries(
    Object.entries(out.headers).filter(
      ([name]) => !['content-length', 'x-amz-crc32'].includes(name.toLowerCase()),
    ),
  );
  // Clients that check DynamoDB's body checksum (botocore, the Java SDK) need it of the new body.
  return {
    ...out,
    headers: { ...headers, 'content-length': String(text.length), 'x-amz-crc32': String(crc32(text)) },
    body: text,
  };
}
