import { InvalidGateInputError } from './errors';
import type { GateDecision, GateEvidence, GateInput, GateMethod, GatePolicy, GateReason } from './types';

/** What a statistic concludes from the counts alone, before the time and sample rules apply. */
export type Verdict = {
  readonly kind: 'halt' | 'promote' | 'none';
  readonly reason: GateReason;
  readonly explanation: string;
};

export type Tally = {
  readonly finished: number;
  /** Not finished and not excluded. */
  readonly pending: number;
  readonly rate: number | null;
};

/** Rejects counts that no deduplicated event stream can produce. */
export function tally(input: GateInput): Tally {
  const { targets, succeeded, failed, excluded } = input.counts;
  const issues: string[] = [];
  for (const [key, v] of Object.entries({ targets, succeeded, failed, excluded })) {
    if (!Number.isInteger(v) || v < 0) issues.push(`${key} must be an integer >= 0, got ${v}`);
  }
  if (succeeded + failed + excluded > targets) {
    issues.push(
      `succeeded + failed + excluded (${succeeded + failed + excluded}) exceeds targets (${targets})`,
    );
  }
  if (!Number.isFinite(input.stageStartedAt)) issues.push('stageStartedAt must be epoch ms');
  if (!Number.isFinite(input.now)) issues.push('now must be epoch ms');
  if (issues.length > 0) throw new InvalidGateInputError(issues);
  const finished = succeeded + failed;
  const pending = targets - excluded - finished;
  return { finished, pending, rate: finished > 0 ? failed / finished : null };
}

type Statistic = Pick<
  GateEvidence,
  'lowerBound' | 'upperBound' | 'logEvidence' | 'logBoundary' | 'haltLogBoundary'
>;

/** For rules that compute no bounds and no evidence (the peers). */
export const NO_STATISTIC: Statistic = {
  lowerBound: null,
  upperBound: null,
  logEvidence: null,
  logBoundary: null,
  haltLogBoundary: null,
};

export function evidenceOf(
  method: GateMethod,
  policy: GatePolicy,
  input: GateInput,
  t: Tally,
  statistic: Statistic,
): GateEvidence {
  return {
    method,
    ...input.counts,
    finished: t.finished,
    pending: t.pending,
    observedFailureRate: t.rate,
    ...statistic,
    failureThreshold: policy.failureThreshold,
    confidence: policy.confidence,
    minFinished: policy.minFinished,
    // Clamped: an event stamped a few ms before the recorded stage start is clock skew, not an error.
    elapsedSeconds: Math.max(0, input.now - input.stageStartedAt) / 1000,
    bakeSeconds: policy.bakeSeconds,
    deadlineSeconds: policy.deadlineSeconds,
  };
}

/**
 * The rules every gate shares (ours and the peers): HALT at once; PROMOTE only after minFinished and
 * the bake time; at the deadline (or once the stage completes undecided) anything else is
 * INCONCLUSIVE_AT_DEADLINE with the plan's action.
 */
export function decide(
  policy: GatePolicy,
  input: GateInput,
  verdict: Verdict,
  evidence: GateEvidence,
): GateDecision {
  if (verdict.kind === 'halt') return { outcome: 'HALT', ...verdict, evidence };
  const bakeEndsAt = input.stageStartedAt + policy.bakeSeconds * 1000;
  const deadlineAt = input.stageStartedAt + policy.deadlineSeconds * 1000;
  let waiting: Verdict = verdict;
  if (verdict.kind === 'promote') {
    if (evidence.finished < policy.minFinished) {
      waiting = {
        kind: 'none',
        reason: 'AWAITING_MIN_FINISHED',
        explanation: `${verdict.explanation}, but only ${evidence.finished} of minFinished ${policy.minFinished} executions finished`,
      };
    } else if (input.now < bakeEndsAt) {
      waiting = {
        kind: 'none',
        reason: 'AWAITING_BAKE',
        explanation: `${verdict.explanation}, but the bake time of ${policy.bakeSeconds}s has not passed`,
      };
    } else {
      return { outcome: 'PROMOTE', ...verdict, evidence };
    }
  }
  // Once every target finished, only the bake time can still change the decision.
  const settled = evidence.pending === 0 && waiting.reason !== 'AWAITING_BAKE';
  if (input.now >= deadlineAt || settled) {
    const trigger = input.now >= deadlineAt ? 'DEADLINE' : 'STAGE_COMPLETE';
    const when =
      trigger === 'DEADLINE' ? `deadline of ${policy.deadlineSeconds}s reached` : 'every target finished';
    return {
      outcome: 'INCONCLUSIVE_AT_DEADLINE',
      action: policy.onInconclusive,
      trigger,
      reason: waiting.reason,
      explanation: `${when} while inconclusive (${waiting.explanation}); plan says '${policy.onInconclusive}'`,
      evidence,
    };
  }
  // The tracker wakes the execution only on a conclusive outcome, and the bake end can make the
  // gate conclusive with no new event: so look again at the bake end, then at the deadline.
  const recheckAt = input.now < bakeEndsAt ? bakeEndsAt : deadlineAt;
  return {
    outcome: 'CONTINUE',
    reason: waiting.reason,
    explanation: waiting.explanation,
    recheckAt,
    evidence,
  };
}
