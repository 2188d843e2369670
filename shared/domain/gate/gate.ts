import { confidenceBounds, logMixtureRatio } from './confidence-sequence';
import { decide, evidenceOf, type Tally, tally, type Verdict } from './decide';
import { haltAlpha } from './finite-horizon';
import { validateGatePolicy } from './policy';
import { haltingPrefix } from './prefix';
import { mixingPrior } from './prior';
import type { GateDecision, GateInput, GatePolicy } from './types';

/**
 * The levels of the two rules: promote at α = 1 − confidence (Ville); halt at α' ≥ α, calibrated so
 * that a stage of `targets` executions halts falsely with probability ≤ α (finite-horizon.ts).
 */
export function gateLevels(policy: GatePolicy, targets?: number): { promote: number; halt: number } {
  const alpha = 1 - policy.confidence;
  return {
    promote: alpha,
    halt: targets === undefined ? alpha : haltAlpha(policy.failureThreshold, alpha, targets),
  };
}

/**
 * The sequential test on one point of the sequence: `failed` failures among `exposed` executions
 * taken in start order. 'above' when p0 is below the sequence at the halt level, 'below' when above
 * it at the promote level. Without `targets` the halt side uses the plain α (valid for any size).
 */
export function sequentialTest(
  policy: GatePolicy,
  failed: number,
  exposed: number,
  targets?: number,
): 'above' | 'below' | 'none' {
  if (exposed === 0) return 'none';
  const p0 = policy.failureThreshold;
  const rate = failed / exposed;
  if (rate === p0) return 'none';
  const levels = gateLevels(policy, targets);
  const logEvidence = logMixtureRatio(mixingPrior(p0), failed, exposed, p0);
  if (rate > p0) return logEvidence >= Math.log(1 / levels.halt) ? 'above' : 'none';
  return logEvidence >= Math.log(1 / levels.promote) ? 'below' : 'none';
}

/** The smallest x in [lo, hi] with ok(x), for ok monotone (false … false true … true); null if none. */
function firstTrue(lo: number, hi: number, ok: (x: number) => boolean): number | null {
  if (lo > hi || !ok(hi)) return null;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The fewest failures among `exposed` that halt, or null when none can (evidence rises with k above p0·n). */
export function failuresToHaltAt(policy: GatePolicy, exposed: number, targets?: number): number | null {
  const from = Math.floor(exposed * policy.failureThreshold) + 1;
  return firstTrue(from, exposed, (k) => sequentialTest(policy, k, exposed, targets) === 'above');
}

/** The most failures among `exposed` that still promote (evidence falls as k rises below p0·n), or −1. */
export function maxFailuresToPromoteAt(policy: GatePolicy, exposed: number): number {
  const top = Math.ceil(exposed * policy.failureThreshold) - 1;
  if (top < 0 || sequentialTest(policy, 0, exposed) !== 'below') return -1;
  // The first k that no longer promotes, minus one.
  const stop = firstTrue(0, top, (k) => sequentialTest(policy, k, exposed) !== 'below');
  return stop === null ? top : stop - 1;
}

/** The fewest exposed executions with `failed` failures that promote, at least `from` (evidence rises with n). */
export function exposedToPromote(policy: GatePolicy, failed: number, from: number): number | null {
  const lo = Math.max(from, Math.floor(failed / policy.failureThreshold) + 1, 1);
  let hi = lo;
  while (sequentialTest(policy, failed, hi) !== 'below') {
    if (hi > 100_000_000) return null;
    hi *= 2;
  }
  return firstTrue(lo, hi, (n) => sequentialTest(policy, failed, n) === 'below');
}

const pct = (x: number): string => `${(100 * x).toFixed(x < 0.001 && x > 0 ? 3 : 1)}%`;

/** "12 failed of 131 started (108 finished, 23 running, 2 cancelled or removed)". */
function seen(failed: number, started: number, t: Tally, excluded: number): string {
  const parts = [`${t.finished} finished`, `${t.pending} running`];
  if (excluded > 0) parts.push(`${excluded} cancelled or removed`);
  return `${failed} failed of ${started} started (${parts.join(', ')})`;
}

/**
 * The verdict from counts alone, valid whatever order the outcomes arrive in: executions are taken in
 * the order they started, and the ones that have not reported are counted as successes when deciding
 * to halt and as failures when deciding to promote (docs/gate.md: the proof).
 */
export function gateVerdict(
  policy: GatePolicy,
  input: GateInput,
  t: Tally,
  bounds: { lower: number | null; upper: number | null; haltLevel: number },
  /** The stage size the halt level is calibrated to; undefined for a group that can grow (Ville's α). */
  horizon: number | undefined,
): Verdict {
  const { failed, started, excluded } = input.counts;
  if (t.exposed === 0) {
    return { kind: 'none', reason: 'AWAITING_EVIDENCE', rule: null, explanation: 'no execution started yet' };
  }
  const p0 = policy.failureThreshold;
  const alpha = 1 - policy.confidence;
  const what = seen(failed, started, t, excluded);
  if (sequentialTest(policy, failed, t.exposed, horizon) === 'above') {
    return {
      kind: 'halt',
      reason: 'RATE_ABOVE_THRESHOLD',
      rule: 'halt-lower-bound',
      explanation:
        `halt rule: ${what}; with the running counted as successes the lower bound ${pct(bounds.lower ?? 0)} is above ${pct(p0)} ` +
        `(per-look level ${pct(1 - bounds.haltLevel)}, calibrated so that a stage whose true rate is at most ${pct(p0)} halts with probability at most ${pct(alpha)})`,
    };
  }
  const prefix = haltingPrefix(policy, input.prefixes ?? [], horizon);
  if (prefix) {
    return {
      kind: 'halt',
      reason: 'RATE_ABOVE_THRESHOLD',
      rule: 'halt-lower-bound',
      explanation:
        `halt rule on the first ${prefix.exposed} devices to start (by ${new Date(prefix.at).toISOString()}): ${prefix.failed} of them have failed, ` +
        `above ${pct(p0)} with every one of them not yet reported counted as a success (now ${what}; ` +
        `per-look level ${pct(1 - bounds.haltLevel)}, calibrated so that a stage whose true rate is at most ${pct(p0)} halts with probability at most ${pct(alpha)})`,
    };
  }
  if (sequentialTest(policy, t.worstFailed, t.exposed) === 'below') {
    return {
      kind: 'promote',
      reason: 'RATE_BELOW_THRESHOLD',
      rule: 'promote-upper-bound',
      explanation:
        `promote rule: ${what}; even with the ${t.pending + excluded} running or excluded counted as failed the upper bound ${pct(bounds.upper ?? 1)} is below ${pct(p0)} ` +
        `(a stage whose true rate is ${pct(p0)} or more promotes with probability at most ${pct(alpha)})`,
    };
  }
  return {
    kind: 'none',
    reason: 'AWAITING_EVIDENCE',
    rule: null,
    explanation: `not conclusive: ${what}; ${whatWouldDecide(policy, input, t, horizon)}`,
  };
}

/** In words a person can act on: what would make the stage halt or promote from here. */
function whatWouldDecide(
  policy: GatePolicy,
  input: GateInput,
  t: Tally,
  horizon: number | undefined,
): string {
  const { failed, excluded } = input.counts;
  const toHalt = failuresToHaltAt(policy, t.exposed, horizon);
  const halt =
    toHalt === null
      ? 'no number of failures among them halts yet'
      : `halting needs ${toHalt} failed among these ${t.exposed} (${failed} so far)`;
  const most = maxFailuresToPromoteAt(policy, t.exposed);
  let promote: string;
  if (most >= failed + excluded && t.pending > 0) {
    promote = `promoting needs the ${t.pending} running to finish with at most ${most - failed - excluded} more failed`;
  } else {
    const n = exposedToPromote(policy, failed + excluded, t.exposed);
    promote =
      n === null
        ? 'promoting needs far more executions'
        : `promoting needs about ${n} exposed with no more than ${failed + excluded} failed (every running and later one succeeding)`;
  }
  return `${halt}; ${promote}`;
}

/**
 * The stage gate, re-evaluated after every execution event and at the times it asks for. Pure: time
 * comes in `input`. Whatever order the outcomes arrive in, for any true rate ≤ p0 the stage halts with
 * probability ≤ 1 − confidence, and for any true rate ≥ p0 it promotes with probability ≤ 1 − confidence.
 */
export function evaluateGate(policy: GatePolicy, input: GateInput): GateDecision {
  validateGatePolicy(policy);
  const t = tally(input);
  const { failed, targets } = input.counts;
  const p0 = policy.failureThreshold;
  // A level calibrated to today's count would be too loose for a group that grows: keep Ville's α.
  const horizon = input.targetsGrowing ? undefined : targets;
  const levels = gateLevels(policy, horizon);
  const prior = mixingPrior(p0);
  const any = t.exposed > 0;
  const prefix = haltingPrefix(policy, input.prefixes ?? [], horizon);
  const haltOn =
    prefix && sequentialTest(policy, failed, t.exposed, horizon) !== 'above' ? prefix : undefined;
  const lower = haltOn
    ? confidenceBounds(prior, haltOn.failed, haltOn.exposed, levels.halt).lower
    : any
      ? confidenceBounds(prior, failed, t.exposed, levels.halt).lower
      : null;
  const upper = any ? confidenceBounds(prior, t.worstFailed, t.exposed, levels.promote).upper : null;
  const evidence = evidenceOf(policy, input, t, {
    lowerBound: lower,
    upperBound: upper,
    haltLevel: levels.halt,
    logEvidence: any ? logMixtureRatio(prior, failed, t.exposed, p0) : null,
    haltLogBoundary: Math.log(1 / levels.halt),
    promoteLogEvidence: any ? logMixtureRatio(prior, t.worstFailed, t.exposed, p0) : null,
    logBoundary: Math.log(1 / levels.promote),
    failuresToHalt: any ? failuresToHaltAt(policy, t.exposed, horizon) : null,
    maxFailuresToPromote: any ? maxFailuresToPromoteAt(policy, t.exposed) : -1,
    haltPrefix: haltOn ?? null,
  });
  return decide(
    policy,
    input,
    gateVerdict(policy, input, t, { lower, upper, haltLevel: levels.halt }, horizon),
    evidence,
  );
}
