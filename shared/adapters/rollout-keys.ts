import type {
  Approval,
  ApprovalKind,
  ResumeRecord,
  Rollout,
  Stage,
  StageAttempt,
} from '../domain/rollout/model';

/** State table keys of rollout items. One Query on `ROLLOUT#<id>` returns the rollout, stages and approvals. */
const pad = (i: number) => String(i).padStart(3, '0');
export const keys = {
  rollout: (id: string) => ({ pk: `ROLLOUT#${id}`, sk: 'ROLLOUT' }),
  /** Listing, newest first, without a scan or a GSI. */
  listing: (id: string, createdAt: number) => ({
    pk: 'ROLLOUTS',
    sk: `${new Date(createdAt).toISOString()}#${id}`,
  }),
  stage: (id: string, index: number) => ({ pk: `ROLLOUT#${id}`, sk: `STAGE#${pad(index)}` }),
  /** An earlier attempt of a stage, as it was when a resume replaced it (never written again). */
  attempt: (id: string, index: number, attempt: number) => ({
    pk: `ROLLOUT#${id}`,
    sk: `ATTEMPT#${pad(index)}#${pad(attempt)}`,
  }),
  /** Attempt 0 keeps the key approvals had before attempts existed. */
  approval: (id: string, index: number, kind: ApprovalKind, attempt = 0) => ({
    pk: `ROLLOUT#${id}`,
    sk: `APPROVAL#${pad(index)}#${kind}${attempt === 0 ? '' : `#${pad(attempt)}`}`,
  }),
  /** The rollback of a halted or aborted rollout (shared/adapters/rollback-store.ts). */
  rollback: (id: string) => ({ pk: `ROLLOUT#${id}`, sk: 'ROLLBACK' }),
  /** A rollback of an earlier attempt, as it was when a later attempt's rollback replaced it. */
  rollbackArchive: (id: string, attempt: number) => ({ pk: `ROLLOUT#${id}`, sk: `ROLLBACK#${pad(attempt)}` }),
  /** Per-thing execution status, one partition per job. */
  execution: (jobId: string, thingName: string) => ({ pk: `JOB#${jobId}`, sk: `THING#${thingName}` }),
};

type Item = Record<string, unknown>;

// Explicit field lists: only known fields reach the domain (task tokens live in their own table).
export const toRollout = (i: Item): Rollout => ({
  rolloutId: i.rolloutId as string,
  name: i.name as string,
  digest: i.digest as string,
  plan: i.plan as Rollout['plan'],
  creator: i.creator as string,
  ...(typeof i.creatorIdentity === 'string' ? { creatorIdentity: i.creatorIdentity } : {}),
  createdAt: i.createdAt as number,
  status: i.status as Rollout['status'],
  currentStage: i.currentStage as number,
  paused: i.paused === true,
  abortRequested: i.abortRequested === true,
  ...(i.rollbackRequested === true ? { rollbackRequested: true } : {}),
  ...(i.completeRequested === true ? { completeRequested: true } : {}),
  ...(typeof i.completeRequestedBy === 'string' ? { completeRequestedBy: i.completeRequestedBy } : {}),
  ...(typeof i.reason === 'string' ? { reason: i.reason } : {}),
  ...(typeof i.executionArn === 'string' ? { executionArn: i.executionArn } : {}),
  ...(typeof i.attempt === 'number' && i.attempt > 0 ? { attempt: i.attempt } : {}),
  ...(Array.isArray(i.resumes) ? { resumes: i.resumes as ResumeRecord[] } : {}),
  updatedAt: i.updatedAt as number,
});

export const toStage = (i: Item): Stage => ({
  rolloutId: i.rolloutId as string,
  index: i.index as number,
  name: i.name as string,
  jobId: i.jobId as string,
  startedAt: i.startedAt as number,
  targets: i.targets as number,
  succeeded: (i.succeeded as number | undefined) ?? 0,
  failed: (i.failed as number | undefined) ?? 0,
  rejected: (i.rejected as number | undefined) ?? 0,
  timedOut: (i.timedOut as number | undefined) ?? 0,
  excluded: (i.excluded as number | undefined) ?? 0,
  ...(i.job ? { job: i.job as Stage['job'] } : {}),
  ...(Array.isArray(i.starts) ? { starts: i.starts as Stage['starts'] } : {}),
  status: i.status as Stage['status'],
  ...(i.lastOutcome ? { lastOutcome: i.lastOutcome as Stage['lastOutcome'] } : {}),
  ...(i.lastDecision ? { lastDecision: i.lastDecision as Stage['lastDecision'] } : {}),
  ...(typeof i.watchingSince === 'number' ? { watchingSince: i.watchingSince } : {}),
  ...(typeof i.attempt === 'number' && i.attempt > 0 ? { attempt: i.attempt } : {}),
  ...healthFields(i),
});

export const toStageAttempt = (i: Item): StageAttempt => ({
  ...toStage(i),
  archivedAt: i.archivedAt as number,
});

/** `ok_<minute>` success buckets, `suspects_<reason>` counters and Reconcile's last health finding. */
function healthFields(i: Item): Pick<Stage, 'okBuckets' | 'okMatured' | 'suspects' | 'health'> {
  const buckets = Object.entries(i).filter(([k, v]) => k.startsWith('ok_') && typeof v === 'number');
  const counts = Object.fromEntries(
    (['selfCheck', 'reconnect', 'package'] as const).flatMap((reason) => {
      const n = i[`suspects_${reason}`];
      return typeof n === 'number' ? [[reason, n]] : [];
    }),
  ) as NonNullable<Stage['suspects']>;
  return {
    ...(buckets.length > 0
      ? { okBuckets: Object.fromEntries(buckets.map(([k, v]) => [k.slice(3), v as number])) }
      : {}),
    ...(typeof i.okMatured === 'number' ? { okMatured: i.okMatured } : {}),
    ...(Object.keys(counts).length > 0 ? { suspects: counts } : {}),
    ...(i.health && typeof i.health === 'object' ? { health: i.health as Stage['health'] } : {}),
  };
}

export const toApproval = (i: Item): Approval => ({
  rolloutId: i.rolloutId as string,
  stageIndex: i.stageIndex as number,
  kind: i.kind as ApprovalKind,
  status: i.status as Approval['status'],
  requestedAt: i.requestedAt as number,
  expiresAt: i.approvalExpiresAt as number,
  reason: i.reason as string,
  ...(typeof i.decidedBy === 'string' ? { decidedBy: i.decidedBy } : {}),
  ...(typeof i.decidedByIdentity === 'string' ? { decidedByIdentity: i.decidedByIdentity } : {}),
  ...(typeof i.decidedAt === 'number' ? { decidedAt: i.decidedAt } : {}),
  ...(typeof i.comment === 'string' ? { comment: i.comment } : {}),
  ...(typeof i.attempt === 'number' && i.attempt > 0 ? { attempt: i.attempt } : {}),
});

export { isConditionFailure } from './dynamo-conditions';
