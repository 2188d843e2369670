import type { GateDecision, GateEvidence, GateOutcome, StartPoint } from '../gate';
import type { JobSnapshot } from './job-snapshot';
import type { ResolvedPlan } from './plan';
import type { StageHealthItem } from './stage-health';

/** What the state table holds about a rollout (keys in shared/adapters/rollout-store.ts). */

const ROLLOUT_STATUSES = ['RUNNING', 'PAUSED', 'HALTED', 'ABORTED', 'COMPLETED', 'FAILED'] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];
export const FINAL_STATUSES: readonly RolloutStatus[] = ['HALTED', 'ABORTED', 'COMPLETED', 'FAILED'];

export type Rollout = {
  rolloutId: string;
  name: string;
  digest: string;
  plan: ResolvedPlan;
  creator: string;
  /**
   * Who the creator is for four-eyes (identity.ts): `person:<name>` when the account ties the
   * principal to one person, else the shared principal. Absent on rollouts created before it existed.
   */
  creatorIdentity?: string;
  createdAt: number;
  status: RolloutStatus;
  /** Index of the stage running or next to run. */
  currentStage: number;
  paused: boolean;
  abortRequested: boolean;
  /** The abort asked for the plan's rollback (`POST /rollouts/{id}/abort` with `{"rollback": true}`). */
  rollbackRequested?: boolean;
  /** An operator completed the rollout's last, continuous stage (POST /rollouts/{id}/complete). */
  completeRequested?: boolean;
  completeRequestedBy?: string;
  reason?: string;
  /**
   * The execution the rollout API started (`$$.Execution.Id`); every step refuses any other. A resume
   * with a fixed document starts a new execution and swaps this in one conditional update.
   */
  executionArn?: string;
  /** Resumes with a document so far: the execution is `<rolloutId>--r<attempt>-<nonce>` (absent: 0, `<rolloutId>`). */
  attempt?: number;
  /** Each resume with a document, oldest first (shared/domain/rollout/resume.ts). */
  resumes?: ResumeRecord[];
  updatedAt: number;
};

/** A halted rollout resumed with a fixed document (POST /rollouts/{id}/resume with `document`). */
export type ResumeRecord = {
  /** The rollout's attempt this resume began: its execution is `<rolloutId>--r<attempt>-<nonce>`. */
  attempt: number;
  /** The halted stage, where the new execution starts. */
  stageIndex: number;
  /** The attempt of that stage that halted: the execution runs attempt `stageAttempt + 1`. */
  stageAttempt: number;
  /** Why the rollout had halted. */
  haltReason: string;
  by: string;
  /** Four-eyes identity of whoever resumed: an approval of this document needs another person. */
  byIdentity: string;
  at: number;
  comment: string;
  previousDigest: string;
  digest: string;
  previousDocumentHash: string;
  documentHash: string;
  executionArn: string;
};

type StageStatus = 'RUNNING' | 'PROMOTED' | 'HALTED' | 'ABORTED';

export type Stage = {
  rolloutId: string;
  index: number;
  name: string;
  jobId: string;
  startedAt: number;
  /** Things in the target groups when the stage started; the job's own count (job.*) replaces it. */
  targets: number;
  /** Terminal execution events seen (advisory: decisions use `job`). */
  succeeded: number;
  failed: number;
  rejected?: number;
  timedOut?: number;
  excluded: number;
  /** The job as DescribeJob last showed it: what decisions are taken on. */
  job?: JobSnapshot;
  /** Executions started (plus excluded) at each read of the job: the start-order prefixes the halt rule looks at. */
  starts?: StartPoint[];
  status: StageStatus;
  lastOutcome?: GateOutcome;
  lastDecision?: StoredDecision;
  /** A last, continuous stage that passed its gate: watched (halt only) until it is completed. */
  watchingSince?: number;
  /** Which attempt of the stage this is: absent (0) the first; n after n resumes of it with a fixed document. */
  attempt?: number;
} & StageHealthItem;

/** An earlier attempt of a stage, kept as it was when the stage was resumed (`ATTEMPT#<stage>#<attempt>`). */
export type StageAttempt = Stage & { archivedAt: number };

export type StoredDecision = {
  outcome: GateOutcome;
  /** INCONCLUSIVE_AT_DEADLINE: what the state machine does (the plan's, or 'ask' while executions run). */
  action?: string;
  reason: string;
  rule?: string | null;
  ruleConfidence?: number | null;
  explanation: string;
  at: number;
  evidence: GateEvidence;
};

export const APPROVAL_KINDS = ['promote', 'inconclusive'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];
type ApprovalStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'EXPIRED';

export type Approval = {
  rolloutId: string;
  stageIndex: number;
  kind: ApprovalKind;
  status: ApprovalStatus;
  requestedAt: number;
  expiresAt: number;
  reason: string;
  decidedBy?: string;
  /** The approver's four-eyes identity (identity.ts), compared with the creator's at promotion. */
  decidedByIdentity?: string;
  decidedAt?: number;
  comment?: string;
  /** The stage attempt it was asked in (absent: 0): an earlier attempt's approval never counts. */
  attempt?: number;
};

export function storedDecision(decision: GateDecision, at: number): StoredDecision {
  const { outcome, reason, rule, ruleConfidence, explanation, evidence } = decision;
  const action = decision.outcome === 'INCONCLUSIVE_AT_DEADLINE' ? { action: decision.action } : {};
  return { outcome, ...action, reason, rule, ruleConfidence, explanation, at, evidence };
}

/** The slim decision the state machine branches on. `action` is always a string so Choice never misses a path. */
export type StepDecision = {
  outcome: GateOutcome;
  action: 'ask' | 'halt' | 'promote' | 'none';
  trigger: 'DEADLINE' | 'STAGE_COMPLETE' | 'none';
  reason: string;
  explanation: string;
  /** Seconds until time alone can change a CONTINUE (>= 1): the callback wait's TimeoutSeconds. */
  waitSeconds: number;
};

export function stepDecision(decision: GateDecision, now: number): StepDecision {
  const base = { outcome: decision.outcome, reason: decision.reason, explanation: decision.explanation };
  if (decision.outcome === 'CONTINUE') {
    const waitSeconds = Math.max(1, Math.ceil((decision.recheckAt - now) / 1000));
    return { ...base, action: 'none', trigger: 'none', waitSeconds };
  }
  if (decision.outcome === 'INCONCLUSIVE_AT_DEADLINE') {
    return { ...base, action: decision.action, trigger: decision.trigger, waitSeconds: 1 };
  }
  return { ...base, action: 'none', trigger: 'none', waitSeconds: 1 };
}
