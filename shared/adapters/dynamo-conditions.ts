import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** A conditional write lost: the item was not in the expected state. Matched by name across SDK copies. */
export function isConditionFailure(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

/** Runs a conditional write; false when its condition failed, any other error rethrown. */
export async function conditionalWrite(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * The item a failed condition saw, from a write that asked for `ReturnValuesOnConditionCheckFailure:
 * 'ALL_OLD'`; undefined when there was none. The document client leaves errors as AWS sent them, so
 * the item is converted here.
 */
export function oldItem(error: unknown): Record<string, unknown> | undefined {
  const item = (error as { Item?: Record<string, AttributeValue> } | undefined)?.Item;
  return item ? unmarshall(item) : undefined;
}
