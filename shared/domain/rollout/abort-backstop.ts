import { logGamma } from '../gate/math';

/**
 * The native backstop every stage's job carries: an AWS IoT Jobs abortConfig that never fires on a
 * healthy stage (true rate ≤ p0) before our gate would, whatever order outcomes arrive in, but cancels
 * the job's queued executions if the backend is down or throttled for hours while the update fails.
 *
 * AWS aborts when at least `thresholdPercentage` of at least `minNumberOfExecutedThings` executions
 * failed (failureType ALL). Even if every failure of the whole stage arrived before any success, the
 * failures among the first m executed are at most the stage's total, which at rate p0 exceeds K with
 * probability ≤ 1e-4. So the threshold is K / m, with m = half the stage (25 % headroom for growth).
 */
export type AbortCriterion = {
  failureType: 'ALL';
  action: 'CANCEL';
  thresholdPercentage: number;
  minNumberOfExecutedThings: number;
};

const FALSE_ABORT = 1e-4;
const HEADROOM = 1.25;

/** Upper tail P(Bin(n, p) ≥ k), summed in log space. */
export function binomialTail(n: number, p: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  const logChoose = (j: number) => logGamma(n + 1) - logGamma(j + 1) - logGamma(n - j + 1);
  let sum = 0;
  for (let j = k; j <= n; j++) {
    const term = Math.exp(logChoose(j) + j * Math.log(p) + (n - j) * Math.log1p(-p));
    sum += term;
    if (term < sum * 1e-17 && j > n * p) break;
  }
  return Math.min(1, sum);
}

/** The backstop criterion for a stage of `targets` things at threshold p0. */
export function abortBackstop(targets: number, p0: number): AbortCriterion {
  const size = Math.max(1, Math.ceil(Math.max(1, targets) * HEADROOM));
  const executed = Math.max(1, Math.ceil(size / 2));
  // The smallest K with P(Bin(size, p0) ≥ K) ≤ 1e-4, searched upward from the mean.
  let k = Math.max(1, Math.floor(size * p0));
  while (k <= size && binomialTail(size, p0, k) > FALSE_ABORT) k++;
  const percentage = Math.min(100, Math.ceil((10_000 * k) / executed) / 100);
  return {
    failureType: 'ALL',
    action: 'CANCEL',
    thresholdPercentage: percentage,
    minNumberOfExecutedThings: executed,
  };
}
