/** Types of the stage gate. Every decision carries the evidence an audit record needs. */

export const GATE_OUTCOMES = {
  HALT: 'HALT',
  PROMOTE: 'PROMOTE',
  CONTINUE: 'CONTINUE',
  INCONCLUSIVE_AT_DEADLINE: 'INCONCLUSIVE_AT_DEADLINE',
} as const;
export type GateOutcome = (typeof GATE_OUTCOMES)[keyof typeof GATE_OUTCOMES];

/** What the plan wants when the deadline passes with inconclusive evidence. */
export const INCONCLUSIVE_ACTIONS = ['ask', 'halt', 'promote'] as const;
export type InconclusiveAction = (typeof INCONCLUSIVE_ACTIONS)[number];

export type GatePolicy = {
  /** p0: the failure rate that is unacceptable, in (0, 1). */
  readonly failureThreshold: number;
  /** 1 − confidence bounds the probability of a false halt (and of a false promote). */
  readonly confidence: number;
  /** Finished executions required before PROMOTE (never needed for HALT). */
  readonly minFinished: number;
  /** Seconds after the stage start before PROMOTE is allowed. */
  readonly bakeSeconds: number;
  /** Seconds after the stage start when inconclusive evidence becomes INCONCLUSIVE_AT_DEADLINE. */
  readonly deadlineSeconds: number;
  readonly onInconclusive: InconclusiveAction;
};

/** Deduplicated per-stage counts. failed = FAILED + REJECTED + TIMED_OUT; excluded = CANCELED + REMOVED. */
export type StageCounts = {
  readonly targets: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly excluded: number;
};

export type GateInput = {
  readonly counts: StageCounts;
  /** Epoch ms. */
  readonly stageStartedAt: number;
  /** Epoch ms, from the event or the state machine context: the gate never reads a clock. */
  readonly now: number;
};

export const GATE_REASONS = {
  /** Always-valid lower bound above p0. */
  RATE_ABOVE_THRESHOLD: 'RATE_ABOVE_THRESHOLD',
  /** Always-valid upper bound below p0. */
  RATE_BELOW_THRESHOLD: 'RATE_BELOW_THRESHOLD',
  /** The stage's own rate is below p0 even if every pending execution fails (finite population). */
  STAGE_RATE_BELOW_THRESHOLD: 'STAGE_RATE_BELOW_THRESHOLD',
  AWAITING_EVIDENCE: 'AWAITING_EVIDENCE',
  AWAITING_MIN_FINISHED: 'AWAITING_MIN_FINISHED',
  AWAITING_BAKE: 'AWAITING_BAKE',
  // Peer rules (peers.ts), kept in one union so a benchmark can tabulate them side by side.
  ABORT_CRITERIA_MET: 'ABORT_CRITERIA_MET',
  JOB_COMPLETED: 'JOB_COMPLETED',
  ERROR_THRESHOLD_EXCEEDED: 'ERROR_THRESHOLD_EXCEEDED',
  SUCCESS_THRESHOLD_REACHED: 'SUCCESS_THRESHOLD_REACHED',
} as const;
export type GateReason = (typeof GATE_REASONS)[keyof typeof GATE_REASONS];

export const GATE_METHODS = {
  CONFIDENCE_SEQUENCE: 'beta-binomial-confidence-sequence',
  AWS_ABORT_CONFIG: 'aws-iot-jobs-abort-config',
  HAWKBIT_ERROR_THRESHOLD: 'hawkbit-error-threshold',
  FIXED_SAMPLE_WILSON: 'fixed-sample-wilson',
} as const;
export type GateMethod = (typeof GATE_METHODS)[keyof typeof GATE_METHODS];

export type GateEvidence = {
  readonly method: GateMethod;
  readonly targets: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly excluded: number;
  /** succeeded + failed. */
  readonly finished: number;
  /** targets − excluded − finished. */
  readonly pending: number;
  /** failed / finished, null before the first finished execution. */
  readonly observedFailureRate: number | null;
  /**
   * Bounds on the failure rate (null when the method has none): the upper at `confidence`, the lower
   * at the stage's halt level (the same confidence spent over the stage's targets, docs/gate.md).
   */
  readonly lowerBound: number | null;
  readonly upperBound: number | null;
  /** ln M_n(p0), the log mixture likelihood ratio against rate p0; PROMOTE needs ln(1/(1 − confidence)). */
  readonly logEvidence: number | null;
  readonly logBoundary: number | null;
  /** HALT needs logEvidence ≥ this: ln(1/α') with α' calibrated to the stage's targets (≤ logBoundary). */
  readonly haltLogBoundary: number | null;
  readonly failureThreshold: number;
  readonly confidence: number;
  readonly minFinished: number;
  readonly elapsedSeconds: number;
  readonly bakeSeconds: number;
  readonly deadlineSeconds: number;
};

type DecisionBase = {
  readonly reason: GateReason;
  readonly explanation: string;
  readonly evidence: GateEvidence;
};

export type GateDecision =
  | (DecisionBase & { readonly outcome: 'HALT' })
  | (DecisionBase & { readonly outcome: 'PROMOTE' })
  /** recheckAt (epoch ms): when the passing of time alone can change the decision (bake end or deadline). */
  | (DecisionBase & { readonly outcome: 'CONTINUE'; readonly recheckAt: number })
  /**
   * The gate can no longer decide by itself: the deadline passed, or every target finished and no
   * later event can change the evidence (trigger STAGE_COMPLETE, an early deadline). `action` is the plan's.
   */
  | (DecisionBase & {
      readonly outcome: 'INCONCLUSIVE_AT_DEADLINE';
      readonly action: InconclusiveAction;
      readonly trigger: 'DEADLINE' | 'STAGE_COMPLETE';
    });

/** A gate rule: ours (evaluateGate) and the peers share this shape. */
export type GateRule = (policy: GatePolicy, input: GateInput) => GateDecision;
