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
