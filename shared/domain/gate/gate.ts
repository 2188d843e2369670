import { confidenceBounds, logMixtureRatio } from './confidence-sequence';
import { decide, evidenceOf, type Tally, tally, type Verdict } from './decide';
import { haltAlpha } from './finite-horizon';
import { validateGatePolicy } from './policy';
import { mixingPrior } from './prior';
import type { GateDecision, GateInput, GatePolicy } from './types';

/** ln of the boundaries: promote at ln(1/α); halt at ln(1/α'), α' spent over the stage's targets. */
export function logBoundaries(policy: GatePolicy, targets?: number): { promote: number; halt: number } {
  const alpha = 1 - policy.confidence;
  const halt = targets === undefined ? alpha : haltAlpha(policy.failureThreshold, alpha, targets);
  return { promote: Math.log(1 / alpha), halt: Math.log(1 / halt) };
}

/**
 * The sequential test alone: is p0 outside the confidence sequence, and on which side? Without
 * `targets` the halt side uses the plain α (valid for any number of outcomes).
 */
export function sequentialTest(
  policy: GatePolicy,
  failed: number,
  finished: number,
  targets?: number,
): 'above' | 'below' | 'none' {
  if (finished === 0) return 'none';
  const p0 = policy.failureThreshold;
  const rate = failed / finished;
  if (rate === p0) return 'none';
  const logEvidence = logMixtureRatio(mixingPrior(p0), failed, finished, p0);
  const boundary = logBoundaries(policy, targets);
  if (rate > p0) return logEvidence >= boundary.halt ? 'above' : 'none';
  return logEvidence >= boundary.promote ? 'below' : 'none';
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/**
 * The verdict from counts alone. HALT only on the sequential evidence, so the false-halt bound holds
 * for any stage size; PROMOTE also when the finished stage's own rate is below p0.
 */
export function gateVerdict(policy: GatePolicy, failed: number, t: Tally, targets?: number): Verdict {
  const p0 = policy.failureThreshold;
  if (t.rate === null) {
    return { kind: 'none', reason: 'AWAITING_EVIDENCE', explanation: 'nothing finished yet' };
  }
  const seen = `${failed} failed of ${t.finished} finished (${pct(t.rate)})`;
  const level = `at ${pct(policy.confidence)} confidence`;
  const test = sequentialTest(policy, failed, t.finished, targets);
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
 * HALT when the lower bound at the stage's halt level exceeds p0 (false-halt probability ≤
 * 1 − confidence over the stage however often it is called, for any true rate ≤ p0); PROMOTE when
 * the always-valid upper bound is below p0 (or the stage's own rate is settled below p0), after
 * minFinished and the bake time.
 */
export function evaluateGate(policy: GatePolicy, input: GateInput): GateDecision {
  validateGatePolicy(policy);
  const t = tally(input);
  const { failed } = input.counts;
  const p0 = policy.failureThreshold;
  const { targets } = input.counts;
  const boundary = logBoundaries(policy, targets);
  const prior = mixingPrior(p0);
  const evidence = evidenceOf('beta-binomial-confidence-sequence', policy, input, t, {
    lowerBound: confidenceBounds(prior, failed, t.finished, Math.exp(-boundary.halt)).lower,
    upperBound: confidenceBounds(prior, failed, t.finished, Math.exp(-boundary.promote)).upper,
    logEvidence: t.finished > 0 ? logMixtureRatio(prior, failed, t.finished, p0) : 0,
    logBoundary: boundary.promote,
    haltLogBoundary: boundary.halt,
  });
  return decide(policy, input, gateVerdict(policy, failed, t, targets), evidence);
}
