import { describe, expect, it } from 'vitest';
import { AwsTransientError } from '../../../shared/adapters/transient-errors';
import {
  InvalidPlanError,
  IotThrottledError,
  RolloutStoreBusyError,
} from '../../../shared/domain/rollout/errors';
import { errorResponse } from '../../../shared/services/rollout-http';

const busy = (error: unknown) => {
  const r = errorResponse(error);
  return {
    status: r?.statusCode,
    retryAfter: (r?.headers as Record<string, string> | undefined)?.['retry-after'],
  };
};

describe('errorResponse', () => {
  it('answers 503 with Retry-After for AWS being busy and for retryable typed errors', () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    for (const error of [
      throttled,
      new AwsTransientError('SNS busy'),
      new IotThrottledError('AWS IoT throttled: Rate exceeded'),
      new RolloutStoreBusyError('lost a race'),
    ])
      expect(busy(error), (error as Error).name).toEqual({ status: 503, retryAfter: '1' });
  });

  it('keeps typed client errors typed, and leaves anything else to the 500', () => {
    expect(errorResponse(new InvalidPlanError(['stages: required']))?.statusCode).toBe(400);
    expect(errorResponse(new Error('boom'))).toBeUndefined();
  });
});
