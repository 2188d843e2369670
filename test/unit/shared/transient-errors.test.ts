import { describe, expect, it } from 'vitest';
import {
  AwsTransientError,
  isTransientAwsError,
  retryableAws,
} from '../../../shared/adapters/transient-errors';
import { InvalidInputError } from '../../../shared/errors';

const sdkError = (name: string, httpStatusCode: number, extra: object = {}) =>
  Object.assign(new Error(`${name} from AWS`), { name, $metadata: { httpStatusCode }, ...extra });

describe('transient AWS errors', () => {
  it('classifies throttling, 5xx, timeouts and dropped connections as transient, as the SDK does', () => {
    expect(isTransientAwsError(sdkError('Throttling', 400))).toBe(true); // SNS, query protocol
    expect(isTransientAwsError(sdkError('ThrottlingException', 400))).toBe(true); // EventBridge, IoT
    expect(isTransientAwsError(sdkError('ProvisionedThroughputExceededException', 400))).toBe(true);
    expect(isTransientAwsError(sdkError('ServiceUnavailable', 503))).toBe(true);
    expect(isTransientAwsError(sdkError('InternalFailure', 500))).toBe(true);
    expect(isTransientAwsError(sdkError('TooManyRequests', 429))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      true,
    );
  });

  it('leaves client errors and the project own errors alone', () => {
    expect(isTransientAwsError(sdkError('ConditionalCheckFailedException', 400))).toBe(false);
    expect(isTransientAwsError(sdkError('ResourceNotFoundException', 404))).toBe(false);
    expect(isTransientAwsError(sdkError('AccessDeniedException', 400))).toBe(false);
    expect(isTransientAwsError(new InvalidInputError('bad'))).toBe(false);
    expect(isTransientAwsError('Throttling')).toBe(false);
  });

  it('rethrows a transient error as AwsTransientError with its cause, anything else as it was', async () => {
    const throttled = sdkError('Throttling', 400);
    const out = await retryableAws(() => Promise.reject(throttled)).catch((e: unknown) => e);
    expect(out).toBeInstanceOf(AwsTransientError);
    expect(out).toMatchObject({ name: 'AwsTransientError', retryable: true, cause: throttled });
    const denied = sdkError('AccessDeniedException', 400);
    await expect(retryableAws(() => Promise.reject(denied))).rejects.toBe(denied);
    await expect(retryableAws(async () => 7)).resolves.toBe(7);
  });
});
