import { type BetaPrior, confidenceBounds, logMixtureRatio } from './confidence-sequence';
import { decide, evidenceOf, type Tally, tally, type Verdict } from './decide';
import { validateGatePolicy } from './policy';
import type { GateDecision, GateInput, GatePolicy } from './types';

/**
 * The mixing prior: Beta(1, 1/p0 − 1), mean p0, one pseudo-failure in 1/p0 pseudo-executions.
 * Fixed by p0 (never fitted to data), so the guarantee holds; its shape only trades speed at
 * 2·p0 against speed at much higher rates (docs/gate.md compares priors).
 */
export function mixingPrior(failureThreshold: number): BetaPrior {
  return { a: 1, b: 1 / failureThreshold - 1 };
}

/** The sequential test alone: is p0 outside the confidence sequence, and on which side? */
export function sequentialTest(
  policy: GatePolicy,
  failed: number,
  finished: number,
): 'above' | 'below' | 'none' {
  if (finished === 0) return 'none';
  const p0 = policy.failureThreshold;
  const rate = failed / finished;
  const logEvidence = logMixtureRatio(mixingPrior(p0), failed, finished, p0);
  if (rate === p0 || logEvidence < Math.log(1 / (1 - policy.confidence))) return 'none';
  return rate > p0 ? 'above' : 'below';
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/**
 * The verdict from counts alone. HALT only on the sequential evidence, so the false-halt bound holds
 * for any stage size; PROMOTE also when the finished stage's own rate is below p0.
 */
export function gateVerdict(policy: GatePolicy, failed: number, t: Tally): Verdict {
  const p0 = policy.failureThreshold;
  if (t.rate === null) {
    return { kind: 'none', reason: 'AWAITING_EVIDENCE', explanation: 'nothing finished yet' };
  }
  const seen = `${failed} failed of ${t.finished} finished (${pct(t.rate)})`;
  const level = `at ${pct(policy.confidence)} confidence`;
  const test = sequentialTest(policy, failed, t.finished);
  if (test === 'above') {
    return {
      kind: 'halt',
      reason: 'RATE_ABOVE_THRESHOLD',
      explanation: `${seen}: rate above ${pct(p0)} ${level}`,
    };
  }
  if (test === 'below') {
    return {
      kind: 'promote',
      reason: 'RATE_BELOW_THRESHOLD',
      explanation: `${seen}: rate below ${pct(p0)} ${level}`,
    };
  }
  // The brief's "all finished and the rate is below p0", as soon as it is certain: even if every pending
  // execution failed (or some were excluded instead), the stage's own rate would stay below p0.
  if ((failed + t.pending) / (t.finished + t.pending) < p0) {
    return {
      kind: 'promote',
      reason: 'STAGE_RATE_BELOW_THRESHOLD',
      explanation: `${seen}: the stage's rate stays below ${pct(p0)} even if its ${t.pending} pending executions fail`,
    };
  }
  return { kind: 'none', reason: 'AWAITING_EVIDENCE', explanation: `${seen}: not yet conclusive ${level}` };
}

/**
 * The stage gate, re-evaluated after every execution event. Pure: time comes in `input`.
 * HALT when the always-valid lower bound exceeds p0 (false-halt probability ≤ 1 − confidence
 * however often it is called, for any true rate ≤ p0); PROMOTE when the upper bound is below p0
 * (or the stage's own rate is settled below p0), after minFinished and the bake time.
 */
export function evaluateGate(policy: GatePolicy, input: GateInput): GateDecision {
  validateGatePolicy(policy);
  const t = tally(input);
  const { failed } = input.counts;
  const p0 = policy.failureThreshold;
  const alpha = 1 - policy.confidence;
  const prior = mixingPrior(p0);
  const bounds = confidenceBounds(prior, failed, t.finished, alpha);
  const evidence = evidenceOf('beta-binomial-confidence-sequence', policy, input, t, {
    lowerBound: bounds.lower,
    upperBound: bounds.upper,
    logEvidence: t.finished > 0 ? logMixtureRatio(prior, failed, t.finished, p0) : 0,
    logBoundary: Math.log(1 / alpha),
  });
  return decide(policy, input, gateVerdict(policy, failed, t), evidence);
}
