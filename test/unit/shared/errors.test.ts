import { describe, expect, it } from 'vitest';
import { redeliveryDelaySeconds } from '../../../shared/domain/retry-backoff';
import { InvalidInputError, ThingBusyError } from '../../../shared/errors';

describe('errors', () => {
  it('carry their class name as a stable name, the contract with logs and Step Functions Catch', () => {
    expect(new InvalidInputError('x').name).toBe('InvalidInputError');
    expect(new ThingBusyError('x').name).toBe('ThingBusyError');
    expect(new ThingBusyError('x').retryable).toBe(true);
    expect(new InvalidInputError('x').retryable).toBe(false);
  });
});

describe('redeliveryDelaySeconds()', () => {
  it('doubles from 10 s per receive and caps at 5 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => redeliveryDelaySeconds(n))).toEqual([
      10, 20, 40, 80, 160, 300, 300,
    ]);
    expect(redeliveryDelaySeconds(0)).toBe(10);
  });
});
