import { logGamma } from '../shared/domain/gate/math';

/** P(X ≥ c) for X ~ Binomial(n, p), summed in log space. */
function binomialTail(n: number, p: number, c: number): number {
  let sum = 0;
  for (let k = Math.max(0, c); k <= n; k++) {
    const logTerm =
      logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

/**
 * The most any rule can halt at true rate `rate` on a stage of n devices while halting at most α of
 * the stages whose true rate is `nullRate`: the Neyman–Pearson test that waits for the whole stage
 * (halt when failures ≥ c). A sequential rule sees less and can only do worse.
 */
export function powerCeiling(n: number, nullRate: number, rate: number, alpha: number): number {
  let c = 0;
  while (c <= n && binomialTail(n, nullRate, c) > alpha) c++;
  return binomialTail(n, rate, c);
}
