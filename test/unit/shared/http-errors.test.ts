import { NotFoundError } from '@aws-lambda-powertools/event-handler/http';
import { describe, expect, it } from 'vitest';
import { AwsTransientError } from '../../../shared/adapters/transient-errors';
import {
  InvalidPlanError,
  IotThrottledError,
  RolloutConflictError,
  RolloutStoreBusyError,
} from '../../../shared/domain/rollout/errors';
import { errorResponse, refusal } from '../../../shared/http/errors';

const REQUEST = { requestId: 'req-1', routeKey: 'POST /rollouts' };
const bodyOf = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

describe('errorResponse', () => {
  it('answers 503 with Retry-After for AWS being busy and for retryable typed errors', () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    const busy = [
      throttled,
      new AwsTransientError('SNS busy'),
      new IotThrottledError('AWS IoT throttled: Rate exceeded'),
      new RolloutStoreBusyError('lost a race'),
    ];

    // Act
    const answers = busy.map((error) => errorResponse(error, REQUEST));

    // Assess
    for (const answer of answers) {
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(bodyOf(answer)).toMatchObject({ error: 'ServiceUnavailable', requestId: 'req-1' });
    }
  });

  it('keeps a typed error typed: its status, its name, its message and its issues', () => {
    // Act
    const answer = errorResponse(new InvalidPlanError(['stages: required']), REQUEST);

    // Assess
    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer)).toEqual({
      error: 'InvalidPlanError',
      message: 'Invalid rollout plan:\n- stages: required',
      issues: ['stages: required'],
      requestId: 'req-1',
    });
  });

  it('answers any other error with a 500 that names only the request', () => {
    // Act
    const answer = errorResponse(new Error('secret detail'), REQUEST);

    // Assess
    expect(answer.statusCode).toBe(500);
    expect(bodyOf(answer)).toEqual({ error: 'InternalError', message: 'internal error', requestId: 'req-1' });
  });

  it("answers the router's NotFoundError with a 404 that names the route", () => {
    // Act
    const answer = errorResponse(new NotFoundError('Route /x for method DELETE not found'), {
      requestId: 'req-2',
      routeKey: 'DELETE /rollouts',
    });

    // Assess
    expect(answer.statusCode).toBe(404);
    expect(bodyOf(answer)).toEqual({
      error: 'NotFound',
      message: 'no route DELETE /rollouts',
      requestId: 'req-2',
    });
  });

  it('never lets a response be cached: a body may carry a token', () => {
    // Act
    const answer = errorResponse(new RolloutConflictError('already decided'), REQUEST);

    // Assess
    expect(answer.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' });
  });
});

describe('refusal', () => {
  it("answers a service's refusal with the same body, named after its status", () => {
    // Act
    const answer = refusal(409, 'tunnel t-1 is closed', { requestId: 'req-3' });

    // Assess
    expect(answer.statusCode).toBe(409);
    expect(bodyOf(answer)).toEqual({
      error: 'Conflict',
      message: 'tunnel t-1 is closed',
      requestId: 'req-3',
    });
  });
});
