/** An error of the Step Functions API itself, answered as awsJson1_0 `{ __type, message }`. */
export class SfnApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

/** An error raised inside a state: `name` is what Retry/Catch `ErrorEquals` match, `message` the cause. */
export class StatesError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** Thrown into pending work when its execution is stopped or timed out; never caught by ASL. */
export class ExecutionClosed extends Error {
  override name = 'ExecutionClosed';
}

export function errorName(e: unknown): string {
  return e instanceof Error ? e.name : 'Error';
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
