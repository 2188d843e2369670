/**
 * Errors a fake throws on its next calls of a method, before doing anything: what AWS answers when it
 * throttles (after the SDK's own retries) or fails. Each injected error is thrown once.
 */
export class Faults {
  private readonly queued = new Map<string, (Error | undefined)[]>();

  /** After `after` more calls of `method` succeed, the next `times` calls throw `error`. */
  inject(method: string, error: Error, times = 1, after = 0): void {
    const queue = this.queued.get(method) ?? [];
    for (let i = 0; i < after; i++) queue.push(undefined);
    for (let i = 0; i < times; i++) queue.push(error);
    this.queued.set(method, queue);
  }

  /** Throws the next error injected for `method`, if any. */
  check(method: string): void {
    const error = this.queued.get(method)?.shift();
    if (error) throw error;
  }
}

/** An AWS SDK service exception as the SDK throws it once its retries gave up. */
export function awsError(name: string, message = name, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}

/** ThrottlingException, HTTP 400: what IoT, Step Functions and DynamoDB answer over their rate. */
export const throttling = () => awsError('ThrottlingException', 'Rate exceeded');
