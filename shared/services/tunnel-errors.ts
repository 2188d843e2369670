import { AppError } from '../errors';

/**
 * DescribeAlarms does not yet show the state change an ALARM event reports (CloudWatch reads are
 * eventually consistent). Thrown so that Lambda retries the event later; nothing was done.
 */
export class AlarmStateNotVisibleError extends AppError {
  override readonly name = 'AlarmStateNotVisibleError';
  override readonly retryable = true;
}
