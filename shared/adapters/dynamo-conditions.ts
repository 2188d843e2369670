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
 * The item a failed condition saw, when the write asked for it (`ReturnValuesOnConditionCheckFailure:
 * 'ALL_OLD'`): a ConditionalCheckFailedException's `Item`, or a transaction's
 * `CancellationReasons[i].Item`. It comes as DynamoDB attribute values even through the document
 * client (which does not convert errors), so it is unmarshalled as the document client would a read.
 * Undefined when none came back: the item did not exist, or the backend does not hand it back.
 */
export function itemOfFailure(failure: unknown): Record<string, unknown> | undefined {
  const item = (failure as { Item?: Record<string, AttributeValue> } | undefined)?.Item;
  return item ? unmarshall(item) : undefined;
}
