import { type BetaPrior, confidenceBounds, logMixtureRatio } from './confidence-sequence';
import { decide, evidenceOf, type Tally, tally, type Verdict } from './decide';
import { validateGatePolicy } from './policy';
import type { GateDecision, GateInput, GatePolicy } from './types';

/**
 * The mixing prior: Beta(1, 1/p0 − 1), mean p0, one pseudo-failure in 1/p0 pseudo-executions.
 * Fixed by p0 (never fitted to data), so the guarantee holds; its shape only trades speed at
 * 2·p0 against speed at 20·p0 (docs/gate.md compares priors).
 */
export function mixingPrior(failureThreshold: number): BetaPrior {
  return { a: 1, b: 1 / failureThreshold - 1 };
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** The verdict from counts alone: the sequential test first, then the exact rate of a complete stage. */
export function sequentialVerdict(policy: GatePolicy, failed: number, t: Tally): Verdict {
  const p0 = policy.failureThreshold;
  const { finished, rate } = t;
  if (rate === null) {
    return { kind: 'none', reason: 'AWAITING_EVIDENCE', explanation: 'no execution has finished yet' };
  }
  const logEvidence = logMixtureRatio(mixingPrior(p0), failed, finished, p0);
  const conclusive = logEvidence >= Math.log(1 / (1 - policy.confidence));
  const seen = `${failed} failed of ${finished} finished (${pct(rate)})`;
  const level = pct(policy.confidence);
  if (rate > p0 && conclusive) {
    return {
      kind: 'halt',
      reason: 'RATE_ABOVE_THRESHOLD',
      explanation: `${seen}: failure rate above ${pct(p0)} at ${level} confidence`,
    };
  }
  if (rate > p0 && t.complete) {
    return {
      kind: 'halt',
      reason: 'COMPLETE_RATE_ABOVE_THRESHOLD',
      explanation: `${seen}: every target finished and the stage's rate is above ${pct(p0)}`,
    };
  }
  if (rate < p0 && conclusive) {
    return {
      kind: 'promote',
      reason: 'RATE_BELOW_THRESHOLD',
      explanation: `${seen}: failure rate below ${pct(p0)} at ${level} confidence`,
    };
  }
  if (rate < p0 && t.complete) {
    return {
      kind: 'promote',
      reason: 'COMPLETE_RATE_BELOW_THRESHOLD',
      explanation: `${seen}: every target finished and the stage's rate is below ${pct(p0)}`,
    };
  }
  return {
    kind: 'none',
    reason: 'AWAITING_EVIDENCE',
    explanation: `${seen}: not yet conclusive against ${pct(p0)} at ${level} confidence`,
  };
}

/**
 * The stage gate, re-evaluated after every execution event. Pure: time comes in `input`.
 * HALT when the always-valid lower bound exceeds p0 (false-halt probability ≤ 1 − confidence
 * however often it is called, for any true rate ≤ p0); PROMOTE when the upper bound is below p0
 * (or the complete stage's exact rate is), after minFinished and the bake time.
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
  return decide(policy, input, sequentialVerdict(policy, failed, t), evidence);
}
