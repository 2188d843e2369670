import { AppError } from '../errors';

/**
 * An AWS call kept failing for a reason a later try can cure (throttling, a 5xx, a timeout) after
 * the SDK's own retries. The state machine retries a step that throws it, with backoff: a throttled
 * notification or domain event must not fail a rollout.
 */
export class AwsTransientError extends AppError {
  override readonly name = 'AwsTransientError';
  override readonly retryable = true;
}

// The SDK's own classification (@smithy/service-error-classification: throttling and transient
// error codes, 5xx status codes), which its retry strategy applies before giving up.
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

type SdkError = Error & { code?: string; $metadata?: { httpStatusCode?: number } };

/** True for an AWS SDK error that the SDK itself would have retried (it ran out of attempts). */
export function isTransientAwsError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof AppError) return false;
  const e = error as SdkError;
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    THROTTLING.has(e.name) ||
    TRANSIENT.has(e.name) ||
    NETWORK.has(e.code ?? '') ||
    status === 429 ||
    status >= 500
  );
}

/** Runs `work`; a transient AWS error it throws comes out as AwsTransientError (cause kept). */
export async function retryableAws<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isTransientAwsError(error))
      throw new AwsTransientError(`${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}
