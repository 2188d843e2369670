import { logBeta, logistic, softplus } from './math';

/**
 * Robbins' beta-binomial mixture martingale for a Bernoulli failure rate.
 *
 * For a candidate rate p, M_n(p) = ∫ Π_i q^{x_i}(1−q)^{1−x_i} dBeta(q; a, b) / (p^k (1−p)^{n−k})
 *                                = B(a + k, b + n − k) / B(a, b) / (p^k (1−p)^{n−k}).
 * It is a nonnegative martingale with mean 1 when p is the true rate, so by Ville's inequality
 * P(∃n: M_n(p) ≥ 1/α) ≤ α: {p : M_n(p) < 1/α} is a (1 − α) confidence sequence, valid at every
 * look at once (see docs/gate.md).
 */
export type BetaPrior = { readonly a: number; readonly b: number };

/** ln M_n(p) for k failures out of n finished. */
export function logMixtureRatio(prior: BetaPrior, failures: number, finished: number, p: number): number {
  const successes = finished - failures;
  const logMarginal = logBeta(prior.a + failures, prior.b + successes) - logBeta(prior.a, prior.b);
  const logLikelihood =
    (failures > 0 ? failures * Math.log(p) : 0) + (successes > 0 ? successes * Math.log1p(-p) : 0);
  return logMarginal - logLikelihood;
}

export type Bounds = { readonly lower: number; readonly upper: number };

/**
 * The confidence sequence at level 1 − α after k failures in n: the interval of rates p with
 * ln M_n(p) < ln(1/α). In logit space u the log-likelihood h(u) = k·u − n·ln(1 + e^u) is concave,
 * so Newton's method from outside each root converges monotonically.
 */
export function confidenceBounds(
  prior: BetaPrior,
  failures: number,
  finished: number,
  alpha: number,
): Bounds {
  if (finished === 0) return { lower: 0, upper: 1 };
  const successes = finished - failures;
  const level =
    logBeta(prior.a + failures, prior.b + successes) - logBeta(prior.a, prior.b) - Math.log(1 / alpha);
  const h = (u: number): number => failures * u - finished * softplus(u);
  const slope = (u: number): number => failures - finished * logistic(u);
  // A point inside the interval: the MLE's logit, or far out when the MLE is 0 or 1 (h ≈ 0 > level there).
  const inside = failures === 0 ? -40 : successes === 0 ? 40 : Math.log(failures / successes);
  const root = (direction: -1 | 1): number => {
    let step = 1;
    let u = inside + direction * step;
    while (h(u) > level) {
      step *= 2;
      u = inside + direction * step;
    }
    for (let i = 0; i < 100; i++) {
      const next = u + (level - h(u)) / slope(u);
      if (!Number.isFinite(next) || Math.abs(next - u) < 1e-10) break;
      u = next;
    }
    return logistic(u);
  };
  return {
    lower: failures === 0 ? 0 : root(-1),
    upper: successes === 0 ? 1 : root(1),
  };
}
