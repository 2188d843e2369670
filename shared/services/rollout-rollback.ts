import { RollbackGroupConflictError } from '../domain/rollout/errors';
import { jobIdFor } from '../domain/rollout/ids';
import type { Rollout } from '../domain/rollout/model';
import {
  createRollbackJobRequest,
  NOT_ADDED_SAMPLE,
  plannedRollback,
  type Rollback,
  type RollbackCursor,
  type RollbackTrigger,
  type RollbackVerdict,
  rollbackCounts,
  rollbackGroupName,
  rollbackJobId,
  rollbackStageIndexes,
  rollbackVerdict,
  rollbackWaitSeconds,
  rollbackWanted,
} from '../domain/rollout/rollback';
import { mustGetRollout, record } from './rollout-effects';
import { causeMessage } from './rollout-outcomes';
import type { RolloutDeps, StepDeps } from './rollout-ports';

/** What the state machine loops on: `fill` (call again with `cursor`), `watch` (wait `waitSeconds`), `done`. */
export type RollbackStep = {
  next: 'fill' | 'watch' | 'done';
  cursor: RollbackCursor;
  waitSeconds: number;
  verdict?: RollbackVerdict['verdict'];
};

/**
 * ListJobExecutionsForJob pages (250 things each) one invocation adds: at 20 memberships a second
 * about 25 s, well inside the function's 60 s timeout whatever the stage's size.
 */
export const PAGES_PER_CALL = 2;

/** `<id>:rollback:<what>`; a later attempt's rollback (after a resume) `<id>:rollback-r<n>:<what>`. */
const causeId = (id: string, attempt: number | undefined, what: string) =>
  `${id}:rollback${attempt ? `-r${attempt}` : ''}:${what}`;
const cause = (r: Pick<Rollback, 'rolloutId' | 'attempt'>, what: string) => ({
  type: 'execution' as const,
  id: causeId(r.rolloutId, r.attempt, what),
});
const START: RollbackCursor = { stage: 0, page: 0 };

/** The rollback of the rollout's current attempt: an earlier attempt's (before a resume) is not it. */
async function currentRollback(deps: Pick<RolloutDeps, 'store'>, rollout: Rollout) {
  const stored = await deps.store.getRollback(rollout.rolloutId);
  return stored && (stored.attempt ?? 0) === (rollout.attempt ?? 0) ? stored : undefined;
}

/** After Halt or Abort: does the plan (or the abort request) want this rollout rolled back? */
export async function rollbackAfter(deps: Pick<RolloutDeps, 'store'>, id: string, trigger: RollbackTrigger) {
  const rollout = await mustGetRollout(deps.store, id);
  return { rollback: rollbackWanted(rollout.plan, trigger, rollout.rollbackRequested === true) };
}

/** The stage the rollout stopped in: `i`, or between stages the last one that started. */
async function startedStages(deps: RolloutDeps, id: string, i: number): Promise<number[]> {
  const started: number[] = [];
  for (let s = 0; s <= i; s++) if (await deps.store.getStage(id, s)) started.push(s);
  return started;
}

async function begin(deps: StepDeps, rollout: Rollout, i: number, now: number): Promise<Rollback> {
  const id = rollout.rolloutId;
  const attempt = rollout.attempt ?? 0;
  const started = await startedStages(deps, id, Math.min(i, rollout.plan.stages.length - 1));
  const stopped = started.at(-1);
  // After a resume, only the stages this attempt ran (the resumed one and later) took its document;
  // the earlier ones had the earlier attempt's rollback, or were left as they were on purpose.
  const from = rollout.resumes?.at(-1)?.stageIndex ?? 0;
  const stageIndexes =
    stopped === undefined
      ? []
      : rollbackStageIndexes(rollout.plan, stopped).filter((s) => started.includes(s) && s >= from);
  // The rollback job reaches every member of its group: a group that predates the rollback may hold
  // devices that never took the update (left over, or made by someone else), so it is never used.
  const groupName = rollbackGroupName(id, attempt);
  if (stageIndexes.length > 0 && (await deps.rollback.groupExists(groupName)))
    throw new RollbackGroupConflictError(
      `thing group ${groupName} exists before the rollback began: its members may not have taken the update, so the rollback does not use it`,
    );
  return deps.store.createRollback({
    rolloutId: id,
    ...(attempt > 0 ? { attempt } : {}),
    trigger: rollout.status === 'ABORTED' ? 'abort' : 'halt',
    stageIndex: stopped ?? i,
    stageIndexes,
    groupName,
    jobId: rollbackJobId(id, attempt),
    state: 'FILLING',
    startedAt: now,
    fill: START,
    added: 0,
    excluded: 0,
    notAdded: 0,
    notAddedSample: [],
  });
}

/**
 * Rolls a halted or aborted rollout back, a few pages per call: creates the rollback group (tagged
 * managedBy), adds the things whose execution SUCCEEDED in the stages in scope (never one that did
 * not take the update), then creates the rollback job and audits `rollout.rollback.started`.
 * Progress is stored per page with a condition on the page it started from, so a retried call goes
 * on from where the last one got instead of counting twice; the group, the job and the audit record
 * are each made once.
 *
 * `exclude`: things to leave out of the rollback, counted as excluded (none by default: a device a
 * health check judged gone may come back later, still on the bad update; its execution waits QUEUED).
 */
export async function startRollback(
  deps: StepDeps,
  id: string,
  i: number,
  now: number,
  cursor: RollbackCursor = START,
  exclude?: ReadonlySet<string>,
): Promise<RollbackStep> {
  const rollout = await mustGetRollout(deps.store, id);
  plannedRollback(rollout.plan);
  let rollback = (await currentRollback(deps, rollout)) ?? (await begin(deps, rollout, i, now));
  if (cursor.page > rollback.fill.page)
    throw new Error(
      `rollback of ${id}: cursor page ${cursor.page} is ahead of the stored ${rollback.fill.page}`,
    );
  if (rollback.state === 'FILLING') {
    rollback = await fill(deps, rollback, exclude);
    if (rollback.fill.stage < rollback.stageIndexes.length)
      return { next: 'fill', cursor: rollback.fill, waitSeconds: 0 };
    if (rollback.added === 0) return finish(deps, rollout, rollback, undefined, now);
    rollback = await createJob(deps, rollout, rollback, now);
  }
  // A retry after the rollback ended: the audit record is written once whatever happened in between.
  if (rollback.state === 'COMPLETED') return finish(deps, rollout, rollback, undefined, now);
  if (rollback.state !== 'RUNNING') return { next: 'done', cursor: rollback.fill, waitSeconds: 0 };
  const at = rollback.jobCreatedAt ?? now;
  await record(deps, {
    rolloutId: id,
    action: 'rollout.rollback.started',
    outcome: 'applied',
    actor: deps.actor,
    cause: cause(rollback, 'start'),
    at,
    detailType: 'RolloutRollbackStarted',
    details: {
      jobId: rollback.jobId,
      stageIndexes: rollback.stageIndexes,
      groupName: rollback.groupName,
      trigger: rollback.trigger,
      devices: rollback.added,
      excluded: rollback.excluded,
      notAdded: rollback.notAdded,
      notAddedSample: rollback.notAddedSample,
    },
  });
  return { next: 'watch', cursor: rollback.fill, waitSeconds: rollbackWaitSeconds(at, now) };
}

/** Up to PAGES_PER_CALL pages of the stages' SUCCEEDED executions into the group. */
async function fill(deps: StepDeps, start: Rollback, exclude?: ReadonlySet<string>): Promise<Rollback> {
  let rollback = start;
  // Made before the first thing goes in (an identical group is fine), never when no device took the update.
  let group: Promise<unknown> | undefined;
  const ensureGroup = () => {
    group ??= deps.rollback.ensureGroup(rollback.groupName, rollback.rolloutId);
    return group;
  };
  for (let n = 0; n < PAGES_PER_CALL && rollback.fill.stage < rollback.stageIndexes.length; n++) {
    const from = rollback.fill;
    const stageIndex = rollback.stageIndexes[from.stage] ?? 0;
    // The stage's current attempt: a halted attempt's devices had the rollback of its own halt.
    const jobId =
      (await deps.store.getStage(rollback.rolloutId, stageIndex))?.jobId ??
      jobIdFor(rollback.rolloutId, stageIndex);
    const page = await deps.rollback.succeededThings(jobId, from.token);
    const counts = { added: 0, excluded: 0, notAdded: 0 };
    const sample = [...rollback.notAddedSample];
    const added: string[] = [];
    for (const thing of page.things) {
      if (exclude?.has(thing)) {
        counts.excluded += 1;
        continue;
      }
      await ensureGroup();
      const membership = await deps.rollback.addThing(rollback.groupName, thing);
      if (membership === 'added') added.push(thing);
      else {
        counts.notAdded += 1;
        if (sample.length < NOT_ADDED_SAMPLE) sample.push(thing);
      }
    }
    counts.added = added.length;
    // Each membership is a side effect on AWS: audited per thing before the page counts as done.
    await auditAdded(deps, rollback, stageIndex, added);
    const to: RollbackCursor = page.nextToken
      ? { stage: from.stage, page: from.page + 1, token: page.nextToken }
      : { stage: from.stage + 1, page: from.page + 1 };
    const moved = await deps.store.advanceFill(rollback.rolloutId, from.page, {
      to,
      ...counts,
      notAddedSample: sample,
    });
    // Not moved: another try of this call got there first; its counts stand.
    const stored = moved ? undefined : await deps.store.getRollback(rollback.rolloutId);
    rollback = stored ?? {
      ...rollback,
      fill: to,
      added: rollback.added + counts.added,
      excluded: rollback.excluded + counts.excluded,
      notAdded: rollback.notAdded + counts.notAdded,
      notAddedSample: sample,
    };
    if (rollback.state !== 'FILLING') break;
  }
  return rollback;
}

/** Audit writes in flight at once while a page's memberships are recorded. */
const AUDIT_CONCURRENCY = 25;

/**
 * One record per thing put in the rollback group (`fleet audit --thing` shows it), caused by the
 * rollback's start: a retried page writes the same records again, which the audit keeps once.
 */
async function auditAdded(deps: StepDeps, rollback: Rollback, stageIndex: number, things: string[]) {
  for (let i = 0; i < things.length; i += AUDIT_CONCURRENCY) {
    await Promise.all(
      things.slice(i, i + AUDIT_CONCURRENCY).map((thing) =>
        deps.audit({
          subject: { type: 'thing', id: thing },
          action: 'thing.rollback.added',
          outcome: 'applied',
          actor: deps.actor,
          cause: { type: 'execution', id: causeId(rollback.rolloutId, rollback.attempt, `add:${thing}`) },
          at: rollback.startedAt,
          details: {
            rolloutId: rollback.rolloutId,
            groupName: rollback.groupName,
            jobId: rollback.jobId,
            stageIndex,
          },
        }),
      ),
    );
  }
}

async function createJob(deps: StepDeps, rollout: Rollout, rollback: Rollback, now: number) {
  const request = createRollbackJobRequest(
    rollout.plan,
    rollout.rolloutId,
    rollback.jobId,
    deps.arnPrefix,
    rollback.stageIndexes,
    rollback.groupName,
  );
  await deps.rollback.createJob(request);
  await deps.store.markRollbackJobCreated(rollout.rolloutId, now);
  const stored = await deps.store.getRollback(rollout.rolloutId);
  if (!stored) throw new Error(`rollback of ${rollout.rolloutId} vanished`);
  return stored;
}

/**
 * Reads the rollback job (DescribeJob) and judges it (rollbackVerdict): a rollback that fails on
 * many devices asks a human once (SNS, `rollout.rollback.attention`) and is watched on, never
 * cancelled; one with nothing left to run is completed with its counts.
 */
export async function reconcileRollback(deps: StepDeps, id: string, now: number): Promise<RollbackStep> {
  const rollout = await mustGetRollout(deps.store, id);
  const planned = plannedRollback(rollout.plan);
  const rollback = await currentRollback(deps, rollout);
  if (!rollback || rollback.state === 'FILLING') throw new Error(`rollback of ${id} has no job yet`);
  if (rollback.state === 'COMPLETED') return finish(deps, rollout, rollback, undefined, now);
  if (rollback.state !== 'RUNNING') return { next: 'done', cursor: rollback.fill, waitSeconds: 0 };
  const job = await deps.rollback.describeJob(rollback.jobId, now);
  if (job) await deps.store.putRollbackJob(id, job);
  const since = rollback.jobCreatedAt ?? rollback.startedAt;
  const verdict = rollbackVerdict(planned, job, since, now);
  if (verdict.attention) await attention(deps, rollout, rollback, verdict, now);
  if (verdict.verdict === 'done')
    return finish(deps, rollout, { ...rollback, ...(job ? { job } : {}) }, verdict, now);
  return {
    next: 'watch',
    cursor: rollback.fill,
    waitSeconds: rollbackWaitSeconds(since, now),
    verdict: verdict.verdict,
  };
}

/** Marks the rollback as needing a human (once), then notifies; a retry that lost the notice sends it. */
async function attention(
  deps: StepDeps,
  rollout: Rollout,
  rollback: Rollback,
  verdict: RollbackVerdict,
  now: number,
) {
  const id = rollout.rolloutId;
  if (rollback.attentionNotified) return;
  const at =
    rollback.attentionAt ??
    ((await deps.store.markRollbackAttention(id, now))
      ? now
      : ((await deps.store.getRollback(id))?.attentionAt ?? now));
  const counts = verdict.counts;
  await record(deps, {
    rolloutId: id,
    action: 'rollout.rollback.attention',
    outcome: 'decided',
    actor: deps.actor,
    cause: cause(rollback, 'attention'),
    at,
    detailType: 'RolloutRollbackAttention',
    details: {
      jobId: rollback.jobId,
      groupName: rollback.groupName,
      counts: counts ?? null,
      failureThreshold: plannedRollback(rollout.plan).failureThreshold,
      explanation: verdict.gate?.explanation ?? null,
      evidence: verdict.gate?.evidence ?? null,
    },
    notify: {
      subject: `Rollback needs attention: ${rollout.name}`,
      message:
        `The rollback of rollout ${id} (job ${rollback.jobId}) is failing on many devices: ` +
        `${counts?.failed ?? 0} failed, ${counts?.timedOut ?? 0} timed out, ${counts?.rejected ?? 0} rejected, ` +
        `${counts?.succeeded ?? 0} succeeded. It keeps running; nothing was cancelled. ${verdict.gate?.explanation ?? ''}`.trim(),
    },
  });
  await deps.store.markRollbackAttentionNotified(id);
}

/** Ends the rollback COMPLETED (once) and audits its counts. */
async function finish(
  deps: StepDeps,
  rollout: Rollout,
  rollback: Rollback,
  verdict: RollbackVerdict | undefined,
  now: number,
): Promise<RollbackStep> {
  const id = rollout.rolloutId;
  const ended = await deps.store.endRollback(id, 'COMPLETED', now);
  const at = ended ? now : ((await deps.store.getRollback(id))?.completedAt ?? now);
  const counts = rollbackCounts(rollback.job);
  await record(deps, {
    rolloutId: id,
    action: 'rollout.rollback.completed',
    outcome: 'applied',
    actor: deps.actor,
    cause: cause(rollback, 'complete'),
    at,
    detailType: 'RolloutRollbackCompleted',
    details: {
      jobId: rollback.added > 0 ? rollback.jobId : null,
      groupName: rollback.groupName,
      stageIndexes: rollback.stageIndexes,
      devices: rollback.added,
      excluded: rollback.excluded,
      notAdded: rollback.notAdded,
      counts: counts ?? { succeeded: 0, failed: 0, rejected: 0, timedOut: 0, inProgress: 0, notReached: 0 },
      attention: rollback.attentionAt !== undefined || (verdict?.attention ?? false),
      jobStatus: rollback.job?.status ?? null,
      stoppedOutside: verdict?.stoppedOutside ?? false,
      ...(rollback.added === 0
        ? {
            why:
              rollback.excluded + rollback.notAdded === 0
                ? 'no device in the stages in scope applied the update'
                : 'every device that applied the update was excluded or could not be added',
          }
        : {}),
    },
  });
  return { next: 'done', cursor: rollback.fill, waitSeconds: 0 };
}

type ErrorInfo = { Error?: string; Cause?: string };

/** A rollback step failed for good: the rollout stays HALTED or ABORTED, the rollback is marked FAILED. */
export async function failRollback(
  deps: StepDeps,
  id: string,
  i: number,
  state: Record<string, unknown>,
  now: number,
) {
  const rollout = await mustGetRollout(deps.store, id);
  const error = (state.error ?? {}) as ErrorInfo;
  const reason = `error ${error.Error ?? 'unknown'}`;
  const message = `${reason}: ${causeMessage(error.Cause, 500)}`;
  const attempt = rollout.attempt ?? 0;
  const existing = await currentRollback(deps, rollout);
  if (existing) await deps.store.endRollback(id, 'FAILED', now, message);
  // Failed before it began (its group was not usable): the status still shows why.
  else
    await deps.store.createRollback({
      rolloutId: id,
      ...(attempt > 0 ? { attempt } : {}),
      trigger: rollout.status === 'ABORTED' ? 'abort' : 'halt',
      stageIndex: i,
      stageIndexes: [],
      groupName: rollbackGroupName(id, attempt),
      jobId: rollbackJobId(id, attempt),
      state: 'FAILED',
      startedAt: now,
      completedAt: now,
      error: message,
      fill: START,
      added: 0,
      excluded: 0,
      notAdded: 0,
      notAddedSample: [],
    });
  const rollback = await deps.store.getRollback(id);
  await record(deps, {
    rolloutId: id,
    action: 'rollout.rollback.failed',
    outcome: 'failed',
    actor: deps.actor,
    cause: cause({ rolloutId: id, ...(attempt > 0 ? { attempt } : {}) }, 'fail'),
    at: rollback?.completedAt ?? now,
    detailType: 'RolloutRollbackFailed',
    details: {
      jobId: rollback?.jobCreatedAt === undefined ? null : rollback.jobId,
      groupName: rollback?.groupName ?? null,
      devices: rollback?.added ?? 0,
      error: error.Error ?? null,
      cause: (error.Cause ?? '').slice(0, 2000),
    },
    notify: {
      subject: `Rollback failed: ${id}`,
      message: `The rollback of rollout ${id} stopped on an unexpected error (${message}); the devices that took the update may not all be rolled back.`,
    },
  });
  return {};
}
