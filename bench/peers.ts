import { decide, evidenceOf, NO_STATISTIC, tally, type Verdict } from './decide';
import { normalQuantile } from './math';
import { validateGatePolicy } from './policy';
import type { GateDecision, GateInput, GatePolicy } from './types';

/**
 * Peer gate rules for the benchmark, implemented from their documentation (see
 * ../shared/reference/peers.md) and mapped onto our policy: p0 becomes their threshold, minFinished
 * their minimum sample where they have one. They share our timing rules (decide): HALT at once,
 * PROMOTE after minFinished and the bake time, the plan's action at the deadline.
 */

const NONE: Verdict = { kind: 'none', reason: 'AWAITING_EVIDENCE', explanation: 'threshold not reached' };

/**
 * AWS IoT Jobs abortConfig, one criterion {failureType: ALL, action: CANCEL,
 * thresholdPercentage: 100·p0 (2 decimals), minNumberOfExecutedThings: minFinished}. The dev guide:
 * abort when at least thresholdPercentage of at least minNumberOfExecutedThings completed executions
 * failed. AWS has no pass criterion: a job that completes without aborting passes the stage.
 */
export function awsAbortConfigGate(policy: GatePolicy, input: GateInput): GateDecision {
  validateGatePolicy(policy);
  const t = tally(input);
  const thresholdPercentage = Math.round(policy.failureThreshold * 10_000) / 100;
  const { failed } = input.counts;
  let verdict = NONE;
  if (t.finished >= policy.minFinished && failed * 100 >= thresholdPercentage * t.finished) {
    verdict = {
      kind: 'halt',
      reason: 'ABORT_CRITERIA_MET',
      explanation: `${failed} of ${t.finished} executed things failed (>= ${thresholdPercentage}%, >= ${policy.minFinished} executed)`,
    };
  } else if (t.pending === 0 && t.finished > 0) {
    verdict = {
      kind: 'promote',
      reason: 'JOB_COMPLETED',
      explanation: 'job completed without meeting abort criteria',
    };
  }
  const statistic = NO_STATISTIC;
  return decide(policy, input, verdict, evidenceOf('aws-iot-jobs-abort-config', policy, input, t, statistic));
}

/**
 * Eclipse hawkBit THRESHOLD conditions over the whole group size (targets, excluded ones included):
 * error when errors / total > errorPercent / 100 (strict), success when succeeded / total >=
 * successPercent / 100. hawkBit parses integer percentages: errorPercent = round(100·p0) and, as the
 * natural pairing, successPercent = 100 − errorPercent.
 */
export function hawkbitThresholdGate(policy: GatePolicy, input: GateInput): GateDecision {
  validateGatePolicy(policy);
  const t = tally(input);
  const errorPercent = Math.round(policy.failureThreshold * 100);
  const successPercent = 100 - errorPercent;
  const { targets, succeeded, failed } = input.counts;
  let verdict = NONE;
  if (failed * 100 > errorPercent * targets) {
    verdict = {
      kind: 'halt',
      reason: 'ERROR_THRESHOLD_EXCEEDED',
      explanation: `${failed} errors of ${targets} group targets > ${errorPercent}%`,
    };
  } else if (targets > 0 && succeeded * 100 >= successPercent * targets) {
    verdict = {
      kind: 'promote',
      reason: 'SUCCESS_THRESHOLD_REACHED',
      explanation: `${succeeded} finished of ${targets} group targets >= ${successPercent}%`,
    };
  }
  const statistic = NO_STATISTIC;
  return decide(policy, input, verdict, evidenceOf('hawkbit-error-threshold', policy, input, t, statistic));
}

/** Wilson score interval for k of n at two-sided level `confidence`. */
export function wilsonInterval(failed: number, finished: number, confidence: number) {
  if (finished === 0) return { lower: 0, upper: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = failed / finished;
  const z2n = (z * z) / finished;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / finished + z2n / (4 * finished));
  return { lower: Math.max(0, center - half), upper: Math.min(1, center + half) };
}

/**
 * The naive rule: a fixed-sample two-sided Wilson interval at `confidence`, recomputed after every
 * event as if each look were the only one. HALT when its lower bound exceeds p0, PROMOTE when its
 * upper bound is below p0. Repeated looks inflate its false-halt rate (docs/gate.md).
 */
export function fixedSampleWilsonGate(policy: GatePolicy, input: GateInput): GateDecision {
  validateGatePolicy(policy);
  const t = tally(input);
  const p0 = policy.failureThreshold;
  const { failed } = input.counts;
  const { lower, upper } = wilsonInterval(failed, t.finished, policy.confidence);
  const seen = `${failed} failed of ${t.finished} finished, Wilson [${lower.toFixed(4)}, ${upper.toFixed(4)}]`;
  let verdict = NONE;
  if (lower > p0)
    verdict = { kind: 'halt', reason: 'RATE_ABOVE_THRESHOLD', explanation: `${seen} above ${p0}` };
  else if (upper < p0)
    verdict = { kind: 'promote', reason: 'RATE_BELOW_THRESHOLD', explanation: `${seen} below ${p0}` };
  const statistic = { ...NO_STATISTIC, lowerBound: lower, upperBound: upper };
  return decide(policy, input, verdict, evidenceOf('fixed-sample-wilson', policy, input, t, statistic));
}

export const PEER_GATES = {
  awsAbortConfig: awsAbortConfigGate,
  hawkbitThreshold: hawkbitThresholdGate,
  fixedSampleWilson: fixedSampleWilsonGate,
} as const;
