/**
 * Errors a fake throws on its next calls of a method, before doing anything: what AWS answers when it
 * throttles (after the SDK's own retries) or fails. Each injected error is thrown once.
 */
export class Faults {
  private readonly queued = new Map<string, Error[]>();

  /** The next `times` calls of `method` throw `error`. */
  inject(method: string, error: Error, times = 1): void {
    const errors = this.queued.get(method) ?? [];
    for (let i = 0; i < times; i++) errors.push(error);
    this.queued.set(method, errors);
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
