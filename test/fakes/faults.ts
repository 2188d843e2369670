/** An AWS SDK service exception as the SDK throws it once its retries gave up. */
export function awsError(name: string, message: string = name, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}

/** ThrottlingException, HTTP 400: what IoT, Step Functions, DynamoDB and the rest answer over their rate. */
export const throttled = (): Error => awsError('ThrottlingException', 'Rate exceeded');

/**
 * Failures a test injects into a fake, per operation: the next calls of that operation throw the
 * queued errors in order, before the fake does anything (as AWS refuses a throttled call whole).
 */
export class Faults {
  readonly #queued = new Map<string, (Error | undefined)[]>();

  /** After `after` more calls of `operation` succeed, the next `times` calls throw `error`. */
  inject(operation: string, error: Error, times = 1, after = 0): void {
    const queue = this.#queued.get(operation) ?? [];
    for (let i = 0; i < after; i++) queue.push(undefined);
    for (let i = 0; i < times; i++) queue.push(error);
    this.#queued.set(operation, queue);
  }

  /** Throws the next error queued for `operation`, if any. */
  check(operation: string): void {
    const error = this.#queued.get(operation)?.shift();
    if (error) throw error;
  }
}
