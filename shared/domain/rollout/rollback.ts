import {
  DEFAULT_GATE_POLICY,
  evaluateGate,
  type GateDecision,
  type GatePolicy,
  type StageCounts,
} from '../gate';
import { MANAGED_BY } from '../managed-by';
import { MAX_ATTEMPT, ROLLOUT_ID } from './ids';
import { documentSourceUrl } from './job-request';
import { countsFromJob, FAILURE_STATUSES, type JobSnapshot, jobStoppedOutside } from './job-snapshot';
import type { ResolvedPlan, ResolvedRollback } from './plan';

/**
 * A halted (or aborted) rollout's rollback (docs/rollouts.md "Rollback"): one SNAPSHOT job with the
 * plan's rollback document over a static group holding only the devices that applied the update.
 */

export const ROLLBACK_TRIGGERS = ['halt', 'abort'] as const;
export type RollbackTrigger = (typeof ROLLBACK_TRIGGERS)[number];

/** FILLING: the group is being filled; RUNNING: the job exists; COMPLETED / FAILED: final. */
export type RollbackState = 'FILLING' | 'RUNNING' | 'COMPLETED' | 'FAILED';

/** Where the group fill is: `stage` indexes the rollback's stageIndexes, `token` the listing's page. */
export type RollbackCursor = { stage: number; page: number; token?: string };

/** The rollback as the state table holds it (one item under the rollout's partition). */
export type Rollback = {
  rolloutId: string;
  /**
   * The rollout attempt it rolls back (absent: 0): a rollout resumed with a fixed document that halts
   * again has a rollback of its own, with its own group and job (rollbackGroupName, rollbackJobId).
   */
  attempt?: number;
  trigger: RollbackTrigger;
  /** The stage the rollout stopped in (or, between stages, the last one it started). */
  stageIndex: number;
  stageIndexes: number[];
  groupName: string;
  jobId: string;
  state: RollbackState;
  startedAt: number;
  fill: RollbackCursor;
  /** Things added to the group (a thing that applied the update in two stages in scope counts twice). */
  added: number;
  /** Left out by the caller's `exclude` set. */
  excluded: number;
  /** AWS refused the membership (the thing is gone, or already in 10 groups): not rolled back. */
  notAdded: number;
  notAddedSample: string[];
  jobCreatedAt?: number;
  /** The rollback job as DescribeJob last showed it. */
  job?: JobSnapshot;
  attentionAt?: number;
  attentionNotified?: boolean;
  completedAt?: number;
  error?: string;
};

/** How many names of things AWS refused to add the rollback keeps for the operator. */
export const NOT_ADDED_SAMPLE = 20;

/** `<rolloutId>-rb<attempt>`: never a stage job id (parseJobId), so the tracker ignores its events. */
export function rollbackJobId(rolloutId: string, attempt = 0): string {
  if (!ROLLOUT_ID.test(rolloutId)) throw new Error(`invalid rollout id ${JSON.stringify(rolloutId)}`);
  if (!Number.isInteger(attempt) || attempt < 0 || attempt > MAX_ATTEMPT)
    throw new Error(`invalid rollback attempt ${attempt}`);
  return `${rolloutId}-rb${attempt}`;
}

export function parseRollbackJobId(jobId: string): { rolloutId: string; attempt: number } | undefined {
  const match = /^([a-z0-9-]+)-rb(\d{1,2})$/.exec(jobId);
  if (!match?.[1] || !match[2]) return undefined;
  const attempt = Number(match[2]);
  if (!ROLLOUT_ID.test(match[1]) || `${attempt}` !== match[2]) return undefined;
  return { rolloutId: match[1], attempt };
}

const GROUP_PREFIX = 'fleet-autopilot-rollback-';

/**
 * A static thing group: at most 79 of AWS's 128 characters, `[a-z0-9-]`. A later attempt's rollback
 * (after a resume) has a group of its own (`-r<attempt>`): the earlier one exists, and a group that
 * exists before a rollback begins is never used.
 */
export function rollbackGroupName(rolloutId: string, attempt = 0): string {
  if (!ROLLOUT_ID.test(rolloutId)) throw new Error(`invalid rollout id ${JSON.stringify(rolloutId)}`);
  if (!Number.isInteger(attempt) || attempt < 0 || attempt > MAX_ATTEMPT)
    throw new Error(`invalid rollback attempt ${attempt}`);
  return `${GROUP_PREFIX}${rolloutId}${attempt === 0 ? '' : `-r${attempt}`}`;
}

/** What the group is created with; IAM lets the rollout add things only to groups carrying the tag. */
export const ROLLBACK_GROUP_TAGS = [{ Key: MANAGED_BY.key, Value: MANAGED_BY.value }];

/** The plan's rollback, or an error: only a plan that names one can roll back. */
export function plannedRollback(plan: ResolvedPlan): ResolvedRollback {
  if (!plan.rollback) throw new Error(`plan ${plan.name} names no rollback`);
  return plan.rollback;
}

/** The stages whose devices are rolled back: the halted one (`stage`), or it and every earlier one. */
export function rollbackStageIndexes(plan: ResolvedPlan, haltedStage: number): number[] {
  const { scope } = plannedRollback(plan);
  if (!Number.isInteger(haltedStage) || haltedStage < 0 || haltedStage >= plan.stages.length)
    throw new Error(`plan ${plan.name} has no stage ${haltedStage}`);
  return scope === 'stage' ? [haltedStage] : Array.from({ length: haltedStage + 1 }, (_, i) => i);
}

/** Whether a rollout that stopped this way rolls back: every halt, an abort when the plan or the operator asks. */
export function rollbackWanted(
  plan: ResolvedPlan,
  trigger: RollbackTrigger,
  requestedOnAbort: boolean,
): boolean {
  if (!plan.rollback) return false;
  return trigger === 'halt' || plan.rollback.onAbort || requestedOnAbort;
}

/** "stages 1-2 (canary, early)": how the job's description names what it undoes. */
function stagesText(plan: ResolvedPlan, indexes: readonly number[]): string {
  const names = indexes.map((i) => plan.stages[i]?.name ?? `#${i}`);
  const first = (indexes[0] ?? 0) + 1;
  const last = (indexes.at(-1) ?? 0) + 1;
  return `${indexes.length === 1 ? `stage ${first}` : `stages ${first}-${last}`} (${names.join(', ')})`;
}

/**
 * CreateJob for the rollback (AWS IoT CreateJob API reference): SNAPSHOT over the rollback group, a
 * constant rate, the plan's timeout and retries. No abortConfig: a rollback never cancels itself;
 * many failures ask a human instead (rollbackVerdict).
 */
export function createRollbackJobRequest(
  plan: ResolvedPlan,
  rolloutId: string,
  jobId: string,
  arnPrefix: string,
  stageIndexes: readonly number[],
  groupName = rollbackGroupName(rolloutId),
) {
  const rollback = plannedRollback(plan);
  const { retries } = rollback.job;
  const criteria = [
    ...(retries.failed ? [{ failureType: 'FAILED' as const, numberOfRetries: retries.failed }] : []),
    ...(retries.timedOut ? [{ failureType: 'TIMED_OUT' as const, numberOfRetries: retries.timedOut }] : []),
  ];
  return {
    jobId,
    targets: [`${arnPrefix}:thinggroup/${groupName}`],
    ...(rollback.document ? { document: JSON.stringify(rollback.document) } : {}),
    ...(rollback.documentSource ? { documentSource: documentSourceUrl(rollback.documentSource) } : {}),
    description: `${plan.name}: rollback of ${stagesText(plan, stageIndexes)}`.slice(0, 2028),
    targetSelection: 'SNAPSHOT' as const,
    jobExecutionsRolloutConfig: { maximumPerMinute: rollback.job.maximumPerMinute },
    timeoutConfig: { inProgressTimeoutInMinutes: rollback.job.inProgressTimeoutMinutes },
    ...(criteria.length > 0 ? { jobExecutionsRetryConfig: { criteriaList: criteria } } : {}),
  };
}

export type RollbackJobRequest = ReturnType<typeof createRollbackJobRequest>;

/** The gate the rollback is judged by: the plan's threshold, the project's confidence, no bake. */
export function rollbackGatePolicy(rollback: ResolvedRollback): GatePolicy {
  return {
    ...DEFAULT_GATE_POLICY,
    failureThreshold: rollback.failureThreshold,
    bakeSeconds: 0,
    // Only the halt side is read: the deadline never matters, but must be valid.
    deadlineSeconds: 366 * 86_400,
  };
}

export type RollbackCounts = {
  succeeded: number;
  failed: number;
  rejected: number;
  timedOut: number;
  inProgress: number;
  /** Never ran the rollback: queued, canceled, removed. */
  notReached: number;
};

export function rollbackCounts(job: JobSnapshot | undefined): RollbackCounts | undefined {
  if (!job) return undefined;
  return {
    succeeded: job.succeeded,
    failed: job.failed,
    rejected: job.rejected,
    timedOut: job.timedOut,
    inProgress: job.inProgress,
    notReached: job.queued + job.canceled + job.removed,
  };
}

export type RollbackVerdict = {
  /** running: keep watching; attention: failing (ask a human, keep watching); done: nothing left to run. */
  verdict: 'running' | 'attention' | 'done';
  /** The gate would HALT on the rollback's failures (also when it is done). */
  attention: boolean;
  /** The job was cancelled or deleted by someone else. */
  stoppedOutside: boolean;
  gate?: GateDecision;
  counts?: RollbackCounts;
};

/**
 * The rollback job judged on DescribeJob: attention when the project's gate, with the plan's
 * rollback failureThreshold, would HALT; done when the job completed or has executions, none of them
 * queued or in progress (and AWS is no longer creating any). A job deleted or cancelled outside is done.
 */
export function rollbackVerdict(
  rollback: ResolvedRollback,
  job: JobSnapshot | undefined,
  startedAt: number,
  now: number,
): RollbackVerdict {
  if (!job) return { verdict: 'done', attention: false, stoppedOutside: true };
  const counts: StageCounts = countsFromJob(job, FAILURE_STATUSES);
  const gate = evaluateGate(rollbackGatePolicy(rollback), {
    counts,
    targetsOpen: job.targetsOpen,
    stageStartedAt: startedAt,
    now: Math.max(now, startedAt),
  });
  const attention = gate.outcome === 'HALT';
  const stoppedOutside = jobStoppedOutside(job);
  // Right after CreateJob AWS may show a job with no executions yet: that is not a finished one.
  const executions = job.queued + job.inProgress + counts.succeeded + counts.failed + counts.excluded;
  // Devices still QUEUED after the watch are offline: the job stays open for them, the watch ends.
  const watched = now - startedAt >= (rollback.watchHours ?? 24) * 3_600_000;
  const finished =
    job.status === 'COMPLETED' ||
    (!job.targetsOpen && executions > 0 && job.queued === 0 && job.inProgress === 0) ||
    (watched && !job.targetsOpen && job.inProgress === 0);
  const verdict = finished || stoppedOutside ? 'done' : attention ? 'attention' : 'running';
  return { verdict, attention, stoppedOutside, gate, counts: rollbackCounts(job) };
}

/** Seconds until the rollback job is read again: a tenth of the time it has run, 1 minute to 6 hours. */
export function rollbackWaitSeconds(startedAt: number, now: number): number {
  const elapsed = Math.max(0, (now - startedAt) / 1000);
  return Math.min(21_600, Math.max(60, Math.ceil(elapsed / 10)));
}
