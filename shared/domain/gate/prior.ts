import type { BetaPrior } from './confidence-sequence';

/**
 * The mixing prior: Beta(1, 1/p0 − 1), mean p0, one pseudo-failure in 1/p0 pseudo-executions.
 * Fixed by p0 (never fitted to data), so the guarantee holds; its shape only trades speed at
 * 2·p0 against speed at much higher rates (docs/gate.md compares priors).
 */
export function mixingPrior(failureThreshold: number): BetaPrior {
  return { a: 1, b: 1 / failureThreshold - 1 };
}
