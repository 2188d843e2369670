import { isObject, type JsonObject } from './errors';

/** One table a request touches, with the IAM action it is authorized as. */
export type TableAccess = { action: string; table: string; index: string | undefined };

const TRANSACT_WRITE: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/** A TableName may be the table's ARN (`arn:aws:dynamodb:<region>:<account>:table/<name>`). */
export const tableNameOf = (value: unknown): string | undefined => {
  if (typeof value !== 'string' || value === '') return undefined;
  return value.startsWith('arn:') ? value.split(':table/')[1]?.split('/')[0] : value;
};

/**
 * The tables a DynamoDB request touches and the action IAM checks on each (DynamoDB's API
 * permissions reference): the operation itself on TableName; BatchGetItem / BatchWriteItem on every
 * table of RequestItems; each item of a transaction as the single-item action it performs.
 */
export function tableAccesses(operation: string, input: JsonObject): TableAccess[] {
  const out: TableAccess[] = [];
  const add = (action: string, name: unknown, index?: unknown) => {
    const table = tableNameOf(name);
    if (table) out.push({ action, table, index: typeof index === 'string' ? index : undefined });
  };
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
    const items = isObject(input.RequestItems) ? input.RequestItems : {};
    for (const name of Object.keys(items)) add(`dynamodb:${operation}`, name);
    return out;
  }
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    const items = Array.isArray(input.TransactItems) ? input.TransactItems : [];
    for (const item of items) {
      if (!isObject(item)) continue;
      for (const [kind, body] of Object.entries(item)) {
        const action = operation === 'TransactGetItems' ? 'dynamodb:GetItem' : TRANSACT_WRITE[kind];
        if (action && isObject(body)) add(action, body.TableName);
      }
    }
    return out;
  }
  // A policy is attached to a table that exists; CreateTable makes the table (and sets its policy).
  if (operation === 'CreateTable') return out;
  add(`dynamodb:${operation}`, input.TableName, input.IndexName);
  return out;
}
