/** An error as the AWS SDK throws it: the exception's name is the error's `name`. */
export function awsError(name: string, message: string = name): Error {
  return Object.assign(new Error(message), { name });
}

/** What AWS answers when a call is throttled after the SDK's own retries. */
export const throttled = (): Error => awsError('ThrottlingException', 'Rate exceeded');

/**
 * Failures a test injects into a fake, per operation: the next calls of that operation throw the
 * queued errors in order, before the fake does anything (as AWS refuses a throttled call whole).
 */
export class Faults {
  readonly #queued = new Map<string, Error[]>();

  /** The next `times` calls of `operation` throw `error`. */
  inject(operation: string, error: Error, times = 1): void {
    const queue = this.#queued.get(operation) ?? [];
    for (let i = 0; i < times; i++) queue.push(error);
    this.#queued.set(operation, queue);
  }

  /** Throws the next error queued for `operation`, if any. */
  check(operation: string): void {
    const error = this.#queued.get(operation)?.shift();
    if (error) throw error;
  }
}
