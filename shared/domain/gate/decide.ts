import { ALWAYS_ACTIVE } from './active-time';
import { InvalidGateInputError } from './errors';
import type { GateDecision, GateEvidence, GateInput, GatePolicy, GateReason, GateRuleName } from './types';

/** What the statistic concludes from the counts alone, before the time and sample rules apply. */
export type Verdict = {
  readonly kind: 'halt' | 'promote' | 'none';
  readonly reason: GateReason;
  readonly rule: GateRuleName | null;
  readonly explanation: string;
};

export type Tally = {
  readonly finished: number;
  /** Started and not finished. */
  readonly pending: number;
  /** Not started and not excluded. */
  readonly queued: number;
  /** started + excluded: every execution that may have run the update; the index of the sequence. */
  readonly exposed: number;
  /** Failures counted when deciding to promote: failed + pending + excluded (the worst case). */
  readonly worstFailed: number;
  readonly rate: number | null;
};

/** Rejects counts that no job can produce. */
export function tally(input: GateInput): Tally {
  const { targets, started, succeeded, failed, excluded } = input.counts;
  const issues: string[] = [];
  for (const [key, v] of Object.entries({ targets, started, succeeded, failed, excluded })) {
    if (!Number.isInteger(v) || v < 0) issues.push(`${key} must be an integer >= 0, got ${v}`);
  }
  if (succeeded + failed > started) {
    issues.push(`succeeded + failed (${succeeded + failed}) exceeds started (${started})`);
  }
  if (started + excluded > targets) {
    issues.push(`started + excluded (${started + excluded}) exceeds targets (${targets})`);
  }
  if (!Number.isFinite(input.stageStartedAt)) issues.push('stageStartedAt must be epoch ms');
  if (!Number.isFinite(input.now)) issues.push('now must be epoch ms');
  if (issues.length > 0) throw new InvalidGateInputError(issues);
  const finished = succeeded + failed;
  const pending = started - finished;
  return {
    finished,
    pending,
    queued: targets - started - excluded,
    exposed: started + excluded,
    worstFailed: failed + pending + excluded,
    rate: finished > 0 ? failed / finished : null,
  };
}

type Statistic = Pick<
  GateEvidence,
  | 'lowerBound'
  | 'upperBound'
  | 'haltLevel'
  | 'logEvidence'
  | 'haltLogBoundary'
  | 'promoteLogEvidence'
  | 'logBoundary'
  | 'failuresToHalt'
  | 'maxFailuresToPromote'
  | 'haltPrefix'
>;

export function evidenceOf(
  policy: GatePolicy,
  input: GateInput,
  t: Tally,
  statistic: Statistic,
): GateEvidence {
  const active = input.activeTime ?? ALWAYS_ACTIVE;
  return {
    method: 'beta-binomial-confidence-sequence-by-start-order',
    ...input.counts,
    targetsOpen: input.targetsOpen,
    exposed: t.exposed,
    finished: t.finished,
    pending: t.pending,
    queued: t.queued,
    observedFailureRate: t.rate,
    ...statistic,
    failureThreshold: policy.failureThreshold,
    confidence: policy.confidence,
    minFinished: policy.minFinished,
    // Clamped: an event stamped a few ms before the recorded stage start is clock skew, not an error.
    elapsedSeconds: Math.max(0, input.now - input.stageStartedAt) / 1000,
    activeSeconds: active.activeBetween(input.stageStartedAt, input.now) / 1000,
    bakeSeconds: policy.bakeSeconds,
    deadlineSeconds: policy.deadlineSeconds,
  };
}

/** A recheck far away when the schedule never reaches the bake or the deadline (plans avoid it). */
const FALLBACK_RECHECK_MS = 86_400_000;

/**
 * The rules on top of the statistic: HALT at once; PROMOTE only after minFinished and the bake time
 * (in active time); at the deadline, or once the job can change no more, anything else is
 * INCONCLUSIVE_AT_DEADLINE with the plan's action.
 */
export function decide(
  policy: GatePolicy,
  input: GateInput,
  verdict: Verdict,
  evidence: GateEvidence,
): GateDecision {
  const confidence = policy.confidence;
  if (verdict.kind === 'halt') return { outcome: 'HALT', ...verdict, ruleConfidence: confidence, evidence };
  const active = input.activeTime ?? ALWAYS_ACTIVE;
  const bakeEndsAt = active.reachAt(input.stageStartedAt, policy.bakeSeconds * 1000);
  const deadlineAt = active.reachAt(input.stageStartedAt, policy.deadlineSeconds * 1000);
  let waiting: Verdict = verdict;
  if (verdict.kind === 'promote') {
    if (evidence.finished < policy.minFinished) {
      waiting = {
        kind: 'none',
        reason: 'AWAITING_MIN_FINISHED',
        rule: null,
        explanation: `${verdict.explanation}; but only ${evidence.finished} of the ${policy.minFinished} finished executions the plan asks for (minFinished)`,
      };
    } else if (input.now < bakeEndsAt) {
      waiting = {
        kind: 'none',
        reason: 'AWAITING_BAKE',
        rule: null,
        explanation: `${verdict.explanation}; but the bake of ${policy.bakeSeconds / 60} active minutes ends at ${isoOrNever(bakeEndsAt)}`,
      };
    } else {
      return { outcome: 'PROMOTE', ...verdict, ruleConfidence: confidence, evidence };
    }
  }
  const base = { reason: waiting.reason, rule: null, ruleConfidence: null, evidence } as const;
  // Nothing can change once every execution is terminal and the job can gain no more, except the
  // bake end (if it will ever come).
  const settled = !input.targetsOpen && evidence.pending === 0 && evidence.queued === 0;
  const bakeStillComing = waiting.reason === 'AWAITING_BAKE' && Number.isFinite(bakeEndsAt);
  if (input.now >= deadlineAt || (settled && !bakeStillComing)) {
    const trigger = input.now >= deadlineAt ? 'DEADLINE' : 'STAGE_COMPLETE';
    const when =
      trigger === 'DEADLINE'
        ? `deadline of ${policy.deadlineSeconds / 60} active minutes reached`
        : 'every execution of the job finished';
    // 'promote' never acts on executions still running: their failures may not have reported yet.
    const unsafe = policy.onInconclusive === 'promote' && evidence.pending > 0;
    const action = unsafe ? 'ask' : policy.onInconclusive;
    const says = unsafe
      ? `the plan says 'promote', but ${evidence.pending} executions are still running, so a human decides`
      : `the plan says '${policy.onInconclusive}'`;
    return {
      outcome: 'INCONCLUSIVE_AT_DEADLINE',
      action,
      trigger,
      ...base,
      explanation: `${when} while inconclusive (${waiting.explanation}); ${says}`,
    };
  }
  // The bake end can make the gate conclusive with no new event: look again then, then at the deadline.
  const next = input.now < bakeEndsAt ? bakeEndsAt : deadlineAt;
  const recheckAt = Number.isFinite(next) ? next : input.now + FALLBACK_RECHECK_MS;
  return { outcome: 'CONTINUE', ...base, explanation: waiting.explanation, recheckAt };
}

function isoOrNever(at: number): string {
  return Number.isFinite(at) ? new Date(at).toISOString() : 'never within the job schedule';
}
