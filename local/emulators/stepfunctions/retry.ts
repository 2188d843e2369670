export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'NONE' | 'FULL';
}

/** ASL error matching: States.TaskFailed matches every error but States.Timeout. */
function errorMatches(errorEquals: readonly string[], name: string): boolean {
  return (
    errorEquals.includes(name) ||
    errorEquals.includes('States.ALL') ||
    (errorEquals.includes('States.TaskFailed') && name !== 'States.Timeout')
  );
}

/**
 * Delay in ms before the next attempt, or undefined when no retrier applies or the first matching
 * retrier is exhausted (AWS uses only the first match). `attempts` is updated in place.
 */
export function nextRetryDelay(
  retriers: readonly Retrier[],
  attempts: number[],
  errorName: string,
  random: () => number = Math.random,
): number | undefined {
  for (const [i, retrier] of retriers.entries()) {
    if (!errorMatches(retrier.ErrorEquals, errorName)) continue;
    const done = attempts[i] ?? 0;
    if (done >= (retrier.MaxAttempts ?? 3)) return undefined;
    attempts[i] = done + 1;
    const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** done;
    const capped = Math.min(interval, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
    return Math.round((retrier.JitterStrategy === 'FULL' ? random() * capped : capped) * 1000);
  }
  return undefined;
}
