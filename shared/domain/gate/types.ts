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
  /** p0: the failure rate that is unacceptable, in [0.0001, 0.5]. */
  readonly failureThreshold: number;
  /** 1 − confidence bounds the probability of a false halt over the stage, and of a wrong promote. */
  readonly confidence: number;
  /** Finished executions required before PROMOTE (never needed for HALT). */
  readonly minFinished: number;
  /** Active seconds (time in which devices could run the job) after the stage start before PROMOTE. */
  readonly bakeSeconds: number;
  /** Active seconds after the stage start when inconclusive evidence becomes INCONCLUSIVE_AT_DEADLINE. */
  readonly deadlineSeconds: number;
  readonly onInconclusive: InconclusiveAction;
};

/**
 * A stage's executions, counted from its job (DescribeJob) and its execution events.
 * - `targets`: executions the job has so far, in every status (the stage's size so far).
 * - `started`: executions that left QUEUED and have not been excluded: IN_PROGRESS, SUCCEEDED and the
 *   failure statuses. These devices have been exposed to the update.
 * - `failed`: the failure statuses the plan counts (FAILED, REJECTED, TIMED_OUT by default).
 * - `excluded`: CANCELED and REMOVED: whether they ran the update is unknown, so the gate counts them
 *   as exposed, as successes when deciding to halt and as failures when deciding to promote.
 * The still running (`started − succeeded − failed`) count the same way.
 */
export type StageCounts = {
  readonly targets: number;
  readonly started: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly excluded: number;
};

/** When devices can run the job: the job's schedule and maintenance windows (`schedule.ts`). */
export interface ActiveTime {
  /** Milliseconds within [from, to) in which devices could run the job. */
  activeBetween(from: number, to: number): number;
  /** The first time t ≥ from with activeBetween(from, t) ≥ ms; +Infinity when the schedule never gets there. */
  reachAt(from: number, ms: number): number;
}

export type GateInput = {
  readonly counts: StageCounts;
  /**
   * The job can still gain executions: AWS is still rolling out its targets (processingTargets), or it
   * is continuous. "Every execution finished" is never declared while this is true.
   */
  readonly targetsOpen: boolean;
  /**
   * The target count can grow without bound while the stage runs (a continuous job over a group):
   * the halt side then keeps Ville's α, which holds for any number of executions, instead of a level
   * calibrated to the count seen so far (docs/gate.md, "Finite-horizon calibration").
   */
  readonly targetsGrowing?: boolean;
  /** Epoch ms. */
  readonly stageStartedAt: number;
  /** Epoch ms, from the event or the state machine context: the gate never reads a clock. */
  readonly now: number;
  /** Defaults to always active. */
  readonly activeTime?: ActiveTime;
  /**
   * Earlier moments of the stage: how many executions had started (`exposed`) and how many of those
   * have reported a failure since. The halt rule looks at each (prefix.ts).
   */
  readonly prefixes?: readonly { readonly at: number; readonly exposed: number; readonly failed: number }[];
};

export const GATE_REASONS = {
  /** The lower bound (pending executions counted as successes) is above p0. */
  RATE_ABOVE_THRESHOLD: 'RATE_ABOVE_THRESHOLD',
  /** The upper bound (pending and excluded executions counted as failures) is below p0. */
  RATE_BELOW_THRESHOLD: 'RATE_BELOW_THRESHOLD',
  AWAITING_EVIDENCE: 'AWAITING_EVIDENCE',
  AWAITING_MIN_FINISHED: 'AWAITING_MIN_FINISHED',
  AWAITING_BAKE: 'AWAITING_BAKE',
} as const;
export type GateReason = (typeof GATE_REASONS)[keyof typeof GATE_REASONS];

/** Which rule of the gate fired. */
export const GATE_RULES = {
  /** HALT: failures among started executions exceed the halt boundary (docs/gate.md). */
  HALT_LOWER_BOUND: 'halt-lower-bound',
  /** PROMOTE: even counting every running and excluded execution as failed, the upper bound is below p0. */
  PROMOTE_UPPER_BOUND: 'promote-upper-bound',
} as const;
export type GateRuleName = (typeof GATE_RULES)[keyof typeof GATE_RULES];

export const GATE_METHOD = 'beta-binomial-confidence-sequence-by-start-order';

export type GateEvidence = {
  readonly method: typeof GATE_METHOD;
  readonly targets: number;
  readonly targetsOpen: boolean;
  /** Devices exposed: executions that started the update (plus excluded ones, which may have). */
  readonly started: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly excluded: number;
  /** started + excluded: every execution that may have run the update (the sample's size). */
  readonly exposed: number;
  /** succeeded + failed. */
  readonly finished: number;
  /** Started and not finished: still running the update. */
  readonly pending: number;
  /** Not started yet (QUEUED): not exposed. */
  readonly queued: number;
  /** failed / finished, null before the first finished execution. */
  readonly observedFailureRate: number | null;
  /**
   * Lower bound on the failure rate at the stage's halt level α' (pending counted as successes) and
   * upper bound at 1 − confidence (pending and excluded counted as failures). Null before any start.
   */
  readonly lowerBound: number | null;
  readonly upperBound: number | null;
  /** α' of the halt rule: its per-look level, calibrated so that the whole stage's false-halt chance ≤ 1 − confidence. */
  readonly haltLevel: number;
  /** ln M(failed, exposed): the halt side's evidence against p0, and the boundary ln(1/α'). */
  readonly logEvidence: number | null;
  readonly haltLogBoundary: number;
  /** ln M(failed + pending + excluded, exposed): the promote side's evidence, and its boundary ln(1/α). */
  readonly promoteLogEvidence: number | null;
  readonly logBoundary: number;
  /** The earlier moment whose first starters decided a HALT (prefix.ts), or null. */
  readonly haltPrefix: { readonly at: number; readonly exposed: number; readonly failed: number } | null;
  /** Failures among the exposed that would halt now (null: none could). */
  readonly failuresToHalt: number | null;
  /** The most failures (running and excluded included) with which the exposed would promote now (−1: none). */
  readonly maxFailuresToPromote: number;
  readonly failureThreshold: number;
  readonly confidence: number;
  readonly minFinished: number;
  readonly elapsedSeconds: number;
  /** Seconds of the elapsed time in which devices could run the job (schedule, maintenance windows). */
  readonly activeSeconds: number;
  readonly bakeSeconds: number;
  readonly deadlineSeconds: number;
};

type DecisionBase = {
  readonly reason: GateReason;
  /** Which rule decided (HALT, PROMOTE); null for the waiting outcomes. */
  readonly rule: GateRuleName | null;
  /** The guarantee of that rule: P(wrong decision over the stage) ≤ 1 − ruleConfidence. */
  readonly ruleConfidence: number | null;
  readonly explanation: string;
  readonly evidence: GateEvidence;
};

export type GateDecision =
  | (DecisionBase & { readonly outcome: 'HALT' })
  | (DecisionBase & { readonly outcome: 'PROMOTE' })
  /** recheckAt (epoch ms): when the passing of time alone can change the decision (bake end or deadline). */
  | (DecisionBase & { readonly outcome: 'CONTINUE'; readonly recheckAt: number })
  /**
   * The gate can no longer decide by itself: the deadline passed, or every execution of a job that can
   * gain no more finished (trigger STAGE_COMPLETE, an early deadline). `action` is the plan's.
   */
  | (DecisionBase & {
      readonly outcome: 'INCONCLUSIVE_AT_DEADLINE';
      readonly action: InconclusiveAction;
      readonly trigger: 'DEADLINE' | 'STAGE_COMPLETE';
    });
