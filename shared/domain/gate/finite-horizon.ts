import { logMixtureRatio } from './confidence-sequence';
import { mixingPrior } from './prior';

/**
 * Finite-horizon calibration of the halt side. The confidence sequence spends its α over an infinite
 * stream, but a stage has at most `targets` outcomes, so on a small stage it halts far less often
 * than it may (0.3 % false halts at p0 for 100 targets, against the 5 % promised). For a known
 * horizon H we pick the largest α' whose boundary a stream at rate p0 crosses with probability ≤ α
 * within H outcomes, computed exactly by dynamic programming over (finished, failed). Crossing is
 * monotone in the true rate, so the bound holds for every rate ≤ p0 (docs/gate.md).
 */

/**
 * Stages beyond these keep the plain α: the DP costs O(H × H·p0), and once a stage expects over
 * ~100 failures at p0 the confidence sequence is already close to what a fixed horizon allows.
 */
export const MAX_CALIBRATED_HORIZON = 8192;
const MAX_EXPECTED_FAILURES = 128;
/** Headroom for targets counted low at the stage start (the count can only grow, to the job's executions). */
const HEADROOM = 1.25;
// Log-space bisection between α and 0.9: 9 steps pin α' within ~1 % (α' is only used through integer boundaries).
const SEARCH_STEPS = 9;

/** The horizon a stage of `targets` is calibrated for: a power of two ≥ 1.25 × targets, or null when too large. */
export function calibrationHorizon(targets: number, p0: number): number | null {
  if (!Number.isInteger(targets) || targets < 1) return null;
  const horizon = 2 ** Math.ceil(Math.log2(Math.ceil(targets * HEADROOM)));
  return horizon <= MAX_CALIBRATED_HORIZON && horizon * p0 <= MAX_EXPECTED_FAILURES ? horizon : null;
}

/** h[n]: the fewest failures among n finished that halt at level α' (n + 1 when none do). */
export function haltBoundary(p0: number, haltAlphaLevel: number, horizon: number): Int32Array {
  const prior = mixingPrior(p0);
  const level = Math.log(1 / haltAlphaLevel);
  const h = new Int32Array(horizon + 1);
  let k = 1;
  for (let n = 1; n <= horizon; n++) {
    // Non-decreasing in n: one more success never lowers the evidence needed.
    k = Math.max(k, Math.floor(n * p0) + 1);
    while (k <= n && logMixtureRatio(prior, k, n, p0) < level) k++;
    h[n] = k;
  }
  return h;
}

/** P(the failure count reaches h[n] at some n ≤ horizon) for i.i.d. outcomes failing with rate p. */
export function crossingProbability(h: Int32Array, p: number, horizon: number): number {
  let dist = new Float64Array(horizon + 2);
  let next = new Float64Array(horizon + 2);
  dist[0] = 1;
  let width = 1; // dist[0..width) holds the paths still running
  let crossed = 0;
  for (let n = 1; n <= horizon; n++) {
    next.fill(0, 0, width + 1);
    for (let k = 0; k < width; k++) {
      const m = dist[k] ?? 0;
      next[k] = (next[k] ?? 0) + m * (1 - p);
      next[k + 1] = (next[k + 1] ?? 0) + m * p;
    }
    const bound = h[n] ?? n + 1;
    for (let k = bound; k <= width; k++) crossed += next[k] ?? 0;
    width = Math.min(width + 1, bound);
    [dist, next] = [next, dist];
  }
  return crossed;
}

const cache = new Map<string, number>();

/**
 * The halt level for a stage of `targets`: α' ≥ α with P(false halt within the horizon | p0) ≤ α,
 * or α itself when the stage is too large (or its size unknown) to calibrate.
 */
export function haltAlpha(p0: number, alpha: number, targets: number): number {
  const horizon = calibrationHorizon(targets, p0);
  if (horizon === null) return alpha;
  const key = `${p0}|${alpha}|${horizon}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  // Ville's inequality makes α itself valid; search in log space between it and 0.9.
  let lo = alpha;
  let hi = 0.9;
  if (crossingProbability(haltBoundary(p0, hi, horizon), p0, horizon) <= alpha) lo = hi;
  else {
    for (let i = 0; i < SEARCH_STEPS; i++) {
      const mid = Math.sqrt(lo * hi);
      if (crossingProbability(haltBoundary(p0, mid, horizon), p0, horizon) <= alpha) lo = mid;
      else hi = mid;
    }
  }
  if (cache.size >= 256) cache.clear();
  cache.set(key, lo);
  return lo;
}
