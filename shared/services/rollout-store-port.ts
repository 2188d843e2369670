import type { StartPoint } from '../domain/gate';
import type { ExecutionTerminal } from '../domain/rollout/job-event';
import type { JobSnapshot } from '../domain/rollout/job-snapshot';
import type {
  Approval,
  ApprovalKind,
  Rollout,
  RolloutStatus,
  Stage,
  StageAttempt,
  StoredDecision,
} from '../domain/rollout/model';
import type { Rollback, RollbackCursor } from '../domain/rollout/rollback';

/**
 * The rollout's state, as the rollout services need it (shared/adapters/rollout-store.ts keeps it in
 * DynamoDB). Every write that can race is conditional: a lost condition is an answer (`false`, or the
 * record as it is), never a second effect, so a retried step or a duplicated event changes nothing.
 */

/** The rollout with its stages, approvals and rollbacks, as one consistent read. */
export type RolloutDetails = {
  rollout: Rollout;
  stages: Stage[];
  approvals: Approval[];
  rollback?: Rollback;
  /** Earlier attempts of stages (a resume with a document replaced them), oldest first per stage. */
  attempts: StageAttempt[];
  /** Rollbacks of earlier attempts of the rollout, as later ones replaced them. */
  earlierRollbacks: Rollback[];
};

/** The rollout fields a step or a request changes; `updatedAt` always moves with them. */
export type RolloutChanges = Partial<
  Pick<
    Rollout,
    | 'status'
    | 'paused'
    | 'abortRequested'
    | 'rollbackRequested'
    | 'completeRequested'
    | 'completeRequestedBy'
    | 'reason'
    | 'currentStage'
    | 'plan'
    | 'digest'
    | 'attempt'
    | 'executionArn'
    | 'resumes'
  >
> & { updatedAt: number };

/** What the stored rollout must show for a conditional update to apply; every field given must hold. */
export type RolloutGuard = {
  status?: RolloutStatus;
  /** `false`: no abort was requested. */
  abortRequested?: false;
  /** `false`: no completion was requested. */
  completeRequested?: false;
  digest?: string;
  /** The recorded execution is exactly this one (a rollout that records none does not match). */
  executionArn?: string;
  /** The recorded execution is this one, or none is recorded: only the rollout's own execution writes. */
  writtenBy?: string;
};

/** The rollout and its stages. */
export interface RolloutRecords {
  /** Creates the rollout once (and lists it); a repeat returns the stored one with `created: false`. */
  createRollout(rollout: Rollout): Promise<{ created: boolean; rollout: Rollout }>;
  /** A consistent read; undefined when there is no such rollout. */
  getRollout(id: string): Promise<Rollout | undefined>;
  details(id: string): Promise<RolloutDetails | undefined>;
  /** The newest `limit` rollouts, newest first. */
  listRollouts(limit: number): Promise<Rollout[]>;
  /** Applies `changes` to an existing rollout when `guard` holds; false when it does not (or no rollout). */
  updateRollout(id: string, changes: RolloutChanges, guard?: RolloutGuard): Promise<boolean>;
  /** The stage record, written once: a retried start gets the first one back. */
  putStage(stage: Stage): Promise<Stage>;
  /**
   * The HALTED stage's next attempt, in one transaction: the halted attempt is kept as it is (with
   * `archivedAt`) and the stage becomes `fresh`, only if the stage did not change since it was read
   * (re-read and retried a few times, then RolloutStoreBusyError). A retry finds `fresh` in place and
   * returns it; a stage that is neither HALTED nor already `fresh` is an error.
   */
  restartStage(fresh: Stage, at: number): Promise<Stage>;
  getStage(id: string, index: number): Promise<Stage | undefined>;
  /** The rollout and one of its stages in one consistent read (the tracker reads both per event). */
  getRolloutAndStage(id: string, index: number): Promise<{ rollout?: Rollout; stage?: Stage }>;
  /** Sets the stage's status; with `jobId`, only while the stage still runs that job. False otherwise. */
  setStageStatus(id: string, index: number, status: Stage['status'], jobId?: string): Promise<boolean>;
  /** Marks a continuous stage as watched, once: false when it was already (the first time stays). */
  markWatching(id: string, index: number, at: number): Promise<boolean>;
  /**
   * Keeps the newest read of the stage's job (a read older than the stored one is not written: false)
   * with the stage's start history. With `jobId`, only while the stage still runs that job.
   */
  putJobSnapshot(
    id: string,
    index: number,
    job: JobSnapshot,
    starts: readonly StartPoint[],
    jobId?: string,
  ): Promise<boolean>;
  /**
   * Records a gate outcome only if the stored one is still `previous` (undefined: none yet): of two
   * writers of the same change exactly one gets true, and only that one audits it.
   */
  recordOutcome(
    id: string,
    index: number,
    previous: string | undefined,
    decision: StoredDecision,
  ): Promise<boolean>;
}

/** Where a task token waits: the stage's gate, the rollout's resume, a stage's approval. */
export type TokenSlot =
  | { kind: 'gate'; stageIndex: number }
  | { kind: 'resume' }
  | { kind: 'approval'; stageIndex: number; approval: ApprovalKind };

/** An approval's decision. */
export type Decided = {
  status: 'APPROVED' | 'REJECTED' | 'EXPIRED';
  by?: string;
  /** The approver's four-eyes identity (shared/domain/rollout/identity.ts). */
  byIdentity?: string;
  comment?: string;
  at: number;
};

/** Approval records: readable by operators, never holding a token. */
export interface ApprovalRecords {
  /**
   * Asks for an approval; a retried request replaces a pending one. A decided approval is never
   * reopened: that throws ConditionalCheckFailedException.
   */
  putApproval(approval: Approval): Promise<void>;
  getApproval(id: string, index: number, kind: ApprovalKind, attempt?: number): Promise<Approval | undefined>;
  /** Decides a PENDING approval of the stage's `attempt`, once: false when decided already or never asked. */
  decideApproval(
    id: string,
    index: number,
    kind: ApprovalKind,
    decided: Decided,
    attempt?: number,
  ): Promise<boolean>;
}

/** Task tokens, where only the rollout functions can read them. */
export interface TaskTokens {
  /** Parks a token in its slot; a retried or repeated wait replaces the slot's previous token. */
  storeToken(id: string, slot: TokenSlot, token: string, now?: number): Promise<void>;
  /** Takes the slot's token away: of many callers exactly one gets it, and it is gone afterwards. */
  claimToken(id: string, slot: TokenSlot): Promise<string | undefined>;
  /** Drops every token a stage's waits (and the rollout's resume) may have left. */
  discardTokens(id: string, stageIndex: number): Promise<void>;
}

/** A page of the rollback group's fill: where it got to and what it counted. */
export type FillProgress = {
  to: RollbackCursor;
  added: number;
  excluded: number;
  notAdded: number;
  notAddedSample: string[];
};

/** The rollback of a halted or aborted rollout: every transition conditional, so a retry finds its own progress. */
export interface RollbackRecords {
  /** The rollback of the rollout's newest attempt that has one. */
  getRollback(id: string): Promise<Rollback | undefined>;
  /**
   * Writes the rollback once; a repeat returns the stored one. A later attempt's rollback first keeps
   * the earlier attempt's (among `earlierRollbacks`), then takes its place.
   */
  createRollback(rollback: Rollback): Promise<Rollback>;
  /** Moves a FILLING rollback's fill on from page `fromPage` and adds the counts; false if a retry already did. */
  advanceFill(id: string, fromPage: number, progress: FillProgress): Promise<boolean>;
  /** FILLING → RUNNING with the job's creation time; false when it was not FILLING. */
  markRollbackJobCreated(id: string, at: number): Promise<boolean>;
  /** Keeps the newest read of the rollback job (an older read is not written: false). */
  putRollbackJob(id: string, job: JobSnapshot): Promise<boolean>;
  /** The first time the rollback needed a human; false when it was marked already. */
  markRollbackAttention(id: string, at: number): Promise<boolean>;
  /** The operators were told (only once attention was marked). */
  markRollbackAttentionNotified(id: string): Promise<boolean>;
  /** Ends a FILLING or RUNNING rollback once; false when it had already ended. */
  endRollback(id: string, state: 'COMPLETED' | 'FAILED', at: number, error?: string): Promise<boolean>;
}

export interface RolloutStore extends RolloutRecords, ApprovalRecords, TaskTokens, RollbackRecords {}

/**
 * `duplicate`: this very event was applied before (a redelivery); its side effects may still be due.
 * `stale`: the thing's stored event is newer. `unknown-stage`: no stage runs this job: not recorded
 * yet, or an earlier attempt of its stage (a resume replaced it), whose late events count nowhere.
 */
export type ApplyResult = 'applied' | 'stale' | 'duplicate' | 'unknown-stage';
/** `successBuckets` keeps successes per minute on the stage (`ok_<minute>`) for health windows. */
export type CounterOptions = { successBuckets?: boolean };

/**
 * Applies one terminal execution event in one transaction: the thing's newest status wins and the
 * stage's counters move with it, only while the stage runs the event's job. A duplicate or older event
 * changes nothing; two concurrent events never double-count (a lost race goes round again on the item
 * the failed condition handed back, a few times, then RolloutStoreBusyError).
 */
export type ExecutionCounters = (
  rolloutId: string,
  stageIndex: number,
  event: ExecutionTerminal,
  options?: CounterOptions,
) => Promise<ApplyResult>;
