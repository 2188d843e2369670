import { isContinuousFinal } from '../domain/rollout/continuous';
import { ExecutionRefusedError, TASK_FAILURES } from '../domain/rollout/errors';
import { executionVerdict } from '../domain/rollout/execution';
import { jobIdFor, MAX_STAGES, rolloutIdSchema, stageRef } from '../domain/rollout/ids';
import { createJobRequest } from '../domain/rollout/job-request';
import { jobStoppedOutside } from '../domain/rollout/job-snapshot';
import { type Rollout, type Stage, type StepDecision, stepDecision } from '../domain/rollout/model';
import { stageGroups } from '../domain/rollout/query-target';
import { estimateStageGate, judgeStageOnJob, prefixStatuses, startsWith } from '../domain/rollout/stage-gate';
import { healthLookSeconds, nextHealthChange } from '../domain/rollout/stage-health';
import * as z from '../zod';
import { checkAlarms } from './health-alarm-check';
import { assessHealth } from './health-assess';
import { awaitWatch, completeContinuous, reconcileWatch, startWatch } from './rollout-continuous';
import { mustGetRollout, noteOutcome, record } from './rollout-effects';
import { abortRollout, completeRollout, failRollout, haltStage } from './rollout-outcomes';
import type { StepDeps } from './rollout-ports';
import { expireApproval, promoteStage, requestApproval } from './rollout-promotion';
import { prepareQueryTarget, releaseQueryGroups } from './rollout-query-targets';
import { failRollback, reconcileRollback, rollbackAfter, startRollback } from './rollout-rollback';
import { stoppedOutside } from './rollout-stopped';

export const STEP_ACTIONS = [
  'checkpoint',
  'awaitResume',
  'startStage',
  'awaitGate',
  'reconcile',
  'requestApproval',
  'expireApproval',
  'promote',
  'halt',
  'abort',
  'complete',
  'fail',
  'startWatch',
  'awaitWatch',
  'reconcileWatch',
  'completeContinuous',
  'startRollback',
  'reconcileRollback',
  'failRollback',
] as const;

/** The Payload every Task of statemachines/staged-rollout.asl.yaml sends. */
export const stepInputSchema = z.object({
  action: z.enum(STEP_ACTIONS),
  rolloutId: rolloutIdSchema,
  /** `$$.Execution.Id`: every step refuses an execution the rollout API did not start. */
  executionId: z
    .string()
    .check(z.regex(/^arn:[\w-]+:states:[\w-]+:\d{12}:execution:[\w-]{1,80}:[\w-]{1,80}$/)),
  stageIndex: z.int().check(z.gte(0), z.lte(MAX_STAGES)),
  /** `$$.State.EnteredTime`: the same on every retry of one state visit, so audit records dedupe. */
  now: z.pipe(
    z.iso.datetime({ offset: true }),
    z.transform((s) => Date.parse(s)),
  ),
  token: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  kind: z.optional(z.enum(['promote', 'inconclusive'])),
  state: z.optional(z.record(z.string(), z.unknown())),
  /** startRollback: where the group fill is (the step's own last answer, checked against the stored one). */
  cursor: z.optional(
    z.strictObject({
      stage: z.int().check(z.gte(0), z.lte(MAX_STAGES)),
      page: z.int().check(z.gte(0)),
      token: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
    }),
  ),
});
export type StepInput = z.infer<typeof stepInputSchema>;

/** One state machine step. Each is idempotent for a retried invocation of the same state visit. */
export async function runStep(input: StepInput, deps: StepDeps): Promise<unknown> {
  const { rolloutId: id, stageIndex: i, now } = input;
  await checkExecution(deps, input);
  const token = () => {
    if (!input.token) throw new Error(`${input.action} needs a task token`);
    return input.token;
  };
  switch (input.action) {
    case 'checkpoint':
      return checkpoint(deps, id, i, now);
    case 'awaitResume':
      return awaitResume(deps, id, token(), now);
    case 'startStage':
      return startStage(deps, id, i, now);
    case 'awaitGate':
      return awaitGate(deps, id, i, token(), now);
    case 'reconcile':
      return reconcile(deps, id, i, now);
    case 'requestApproval':
      return requestApproval(deps, id, i, input.kind ?? 'promote', token(), now);
    case 'expireApproval':
      return expireApproval(deps, id, i, now);
    case 'promote':
      return promoteStage(deps, id, i, now, input.state ?? {});
    case 'halt': {
      const halted = await haltStage(deps, id, i, input.state ?? {}, now, input.executionId);
      // A resume was recorded meanwhile: this execution leaves the rollout to the new one.
      if (halted.fenced) return { rollback: false };
      await ended(deps, id, now, halted);
      return rollbackAfter(deps, id, 'halt');
    }
    case 'abort':
      await ended(deps, id, now, await abortRollout(deps, id, i, now));
      return rollbackAfter(deps, id, 'abort');
    case 'complete':
      return ended(deps, id, now, await completeRollout(deps, id, now));
    case 'fail':
      return failRollout(deps, id, i, input.state ?? {}, now);
    case 'startWatch':
      return startWatch(deps, id, i, now);
    case 'awaitWatch':
      return awaitWatch(deps, id, i, token(), now);
    case 'reconcileWatch':
      return reconcileWatch(deps, id, i, now);
    case 'completeContinuous':
      return completeContinuous(deps, id, i, now);
    case 'startRollback':
      return startRollback(deps, id, i, now, input.cursor);
    case 'reconcileRollback':
      return reconcileRollback(deps, id, now);
    case 'failRollback':
      return failRollback(deps, id, i, input.state ?? {}, now);
  }
}

/**
 * Only the execution the rollout API started may act, and only on a rollout that is open and at
 * this stage (execution.ts). Anything else is audited once per execution and refused: the state
 * machine ends in `Refused` without touching the rollout.
 */
async function checkExecution(deps: StepDeps, input: StepInput) {
  const rollout = await deps.store.getRollout(input.rolloutId);
  const verdict = executionVerdict(rollout, input.executionId, input.action, input.stageIndex);
  if (verdict.ok) return;
  await record(deps, {
    rolloutId: input.rolloutId,
    action: 'rollout.execution.refused',
    outcome: 'rejected',
    actor: deps.actor,
    cause: { type: 'execution', id: input.executionId },
    at: input.now,
    detailType: 'RolloutExecutionRefused',
    details: {
      executionId: input.executionId,
      expected: rollout?.executionArn ?? null,
      status: rollout?.status ?? null,
      step: input.action,
      stageIndex: input.stageIndex,
      reason: verdict.reason,
      explanation: verdict.explanation,
      starter: 'not visible to the execution: see CloudTrail StartExecution for this execution',
    },
  });
  throw new ExecutionRefusedError(`${input.action} refused for ${input.executionId}: ${verdict.explanation}`);
}

/** A rollout that ended (not FAILED) gives back the dynamic groups its query stages made. */
async function ended<T>(deps: StepDeps, id: string, now: number, result: T): Promise<T> {
  await releaseQueryGroups(deps, id, now);
  return result;
}

async function checkpoint(deps: StepDeps, id: string, i: number, now: number) {
  const rollout = await mustGetRollout(deps.store, id);
  const stages = rollout.plan.stages;
  const stage = stages[Math.min(i, stages.length - 1)];
  const next = rollout.abortRequested
    ? 'abort'
    : rollout.paused
      ? 'pause'
      : i >= stages.length
        ? 'complete'
        : 'start';
  if (next === 'start') await deps.store.updateRollout(id, { currentStage: i, updatedAt: now });
  return {
    next,
    approvalRequired: (stage?.approval.required ?? false) && i < stages.length - 1,
    approvalTimeoutSeconds: (stage?.approval.timeoutMinutes ?? 1) * 60,
    continuous: isContinuousFinal(rollout, i),
  };
}

/** Parks the resume token; a resume or abort that raced ahead of it is honoured here. */
async function awaitResume(deps: StepDeps, id: string, token: string, now: number) {
  await deps.store.storeToken(id, { kind: 'resume' }, token, now);
  const rollout = await mustGetRollout(deps.store, id);
  if (rollout.abortRequested || !rollout.paused) {
    const claimed = await deps.store.claimToken(id, { kind: 'resume' });
    if (claimed && rollout.abortRequested)
      await deps.tasks.fail(claimed, TASK_FAILURES.ABORTED, 'abort requested');
    else if (claimed) await deps.tasks.succeed(claimed, {});
  }
  return {};
}

async function startStage(deps: StepDeps, id: string, i: number, now: number): Promise<StepDecision> {
  const rollout = await mustGetRollout(deps.store, id);
  const planned = rollout.plan.stages[i];
  if (!planned) throw new Error(`rollout ${id} has no stage ${i}`);
  const existing = await deps.store.getStage(id, i);
  // A HALTED stage at the current stage of an open rollout: it was resumed with a fixed document.
  const restart = existing?.status === 'HALTED';
  if (restart && rollout.resumes?.at(-1)?.stageIndex !== i)
    throw new Error(`stage ${i} of ${id} is HALTED, and the rollout was not resumed there`);
  const attempt = restart ? (existing.attempt ?? 0) + 1 : (existing?.attempt ?? 0);
  const jobId = existing && !restart ? existing.jobId : jobIdFor(id, i, attempt);
  const queryGroup = await prepareQueryTarget(deps, rollout, planned, jobId, now);
  const fresh = async (): Promise<Stage> => ({
    rolloutId: id,
    index: i,
    name: planned.name,
    jobId,
    ...(attempt > 0 ? { attempt } : {}),
    startedAt: now,
    targets: await deps.jobs.countTargets(stageGroups(planned, jobId)),
    succeeded: 0,
    failed: 0,
    rejected: 0,
    timedOut: 0,
    excluded: 0,
    status: 'RUNNING',
  });
  // The stage record exists before the job does, so no execution event can miss it. A new attempt
  // keeps the halted one apart (counts, job, decision, health) and starts from zero, its own bake
  // and deadline from now.
  const stage = !existing
    ? await deps.store.putStage(await fresh())
    : restart
      ? await deps.store.restartStage(await fresh(), now)
      : existing;
  const request = createJobRequest(rollout.plan, planned, stage.jobId, deps.arnPrefix, stage.targets);
  const created = await deps.jobs.createJob(request);
  await record(deps, {
    rolloutId: id,
    action: 'rollout.stage.started',
    outcome: 'applied',
    actor: deps.actor,
    cause: { type: 'execution', id: `${id}:${stageRef(i, stage.attempt)}:start` },
    at: stage.startedAt,
    detailType: 'RolloutStageStarted',
    details: {
      stageIndex: i,
      stage: planned.name,
      jobId: stage.jobId,
      ...(stage.attempt ? { attempt: stage.attempt, digest: rollout.digest } : {}),
      targets: planned.targets,
      ...(queryGroup ? { query: planned.query, queryGroup } : {}),
      things: stage.targets,
      job: created,
      rollout: request.jobExecutionsRolloutConfig,
      abortConfig: request.abortConfig,
    },
  });
  return withHealthWait(stepDecision(estimateStageGate(rollout, stage, now), now), rollout, stage, now);
}

/** Parks the gate token on the stage, then settles any race: abort, pause, or an estimate already conclusive. */
async function awaitGate(deps: StepDeps, id: string, i: number, token: string, now: number) {
  await deps.store.storeToken(id, { kind: 'gate', stageIndex: i }, token);
  const rollout = await mustGetRollout(deps.store, id);
  const slot = { kind: 'gate', stageIndex: i } as const;
  if (rollout.abortRequested || rollout.paused) {
    const claimed = await deps.store.claimToken(id, slot);
    const error = rollout.abortRequested ? TASK_FAILURES.ABORTED : TASK_FAILURES.PAUSED;
    if (claimed) await deps.tasks.fail(claimed, error, `${error} while waiting on the gate`);
    return {};
  }
  const stage = await deps.store.getStage(id, i);
  if (!stage) throw new Error(`stage ${i} of ${id} was not recorded`);
  // Events that arrived before the token was parked could not wake anyone: look at them now.
  if (estimateStageGate(rollout, stage, now).outcome !== 'CONTINUE') {
    const claimed = await deps.store.claimToken(id, slot);
    if (claimed) await deps.tasks.succeed(claimed, { wake: 'gate-estimate-conclusive' });
  }
  return {};
}

/**
 * The gate's decision, on the job as AWS IoT reports it (DescribeJob), never on the execution events:
 * after a wake-up from the tracker, at the bake end or deadline, and on resume. A job cancelled or
 * deleted by anyone else (AWS's abortConfig backstop, an operator) halts the rollout.
 */
async function reconcile(deps: StepDeps, id: string, i: number, now: number): Promise<StepDecision> {
  const rollout = await mustGetRollout(deps.store, id);
  const stage = await deps.store.getStage(id, i);
  if (!stage) throw new Error(`stage ${i} of ${id} was not recorded`);
  // A watched continuous stage (resumed from a pause) has passed its gate: only a halt changes that.
  if (stage.watchingSince !== undefined) {
    const watched = await reconcileWatch(deps, id, i, now);
    return {
      outcome: watched.next === 'halt' ? 'HALT' : 'PROMOTE',
      action: 'none',
      trigger: 'none',
      reason: watched.reason,
      explanation: watched.next === 'halt' ? 'the watched stage halts' : 'the stage stays watched',
      waitSeconds: 1,
    };
  }
  const job = await deps.jobs.describeJob(stage.jobId, now);
  if (!job || jobStoppedOutside(job)) return stoppedOutside(deps, stage, job, now);
  const alarm = await checkAlarms(deps, rollout, stage, now);
  if (alarm.kind === 'halt') return alarmHalt(alarm.explanation);
  const starts = startsWith(rollout, stage, job);
  await deps.store.putJobSnapshot(id, i, job, starts);
  const health = await assessHealth(deps, rollout, stage, now);
  const read = { ...stage, job, starts, ...(health ? { health } : {}) };
  let decision = judgeStageOnJob(rollout, read, job, now);
  if (decision.outcome !== 'HALT') {
    // The halt rule on the earlier moments needs when each failed execution started; a device that
    // failed a health signal after its success sits where its execution started.
    const statuses = prefixStatuses(rollout, read, decision.evidence.failed, decision.evidence.exposed);
    if (statuses.length > 0) {
      const starts = [
        ...(await deps.jobs.failureStarts(stage.jobId, statuses)),
        ...(read.health?.unhealthyStarts ?? []),
      ];
      decision = judgeStageOnJob(rollout, read, job, now, starts);
    }
  }
  // Paused on an alarm: only a halt may go on (a PROMOTE is not even recorded, so no promotion can
  // lean on it); AwaitGate then sees the pause and waits for a human.
  if (alarm.kind === 'paused' && decision.outcome !== 'HALT') {
    return {
      outcome: 'CONTINUE',
      action: 'none',
      trigger: 'none',
      reason: 'FLEET_ALARM',
      explanation: alarm.explanation,
      waitSeconds: 1,
    };
  }
  await noteOutcome(deps, stage, decision, now, { type: 'execution', id: `${id}:s${i}:reconcile:${now}` });
  return withHealthWait(stepDecision(decision, now), rollout, read, now);
}

/** A CONTINUE also looks again when time alone changes the health counts (a reconnect window ends). */
function withHealthWait(step: StepDecision, rollout: Rollout, stage: Stage, now: number): StepDecision {
  const planned = rollout.plan.stages[stage.index];
  if (step.outcome !== 'CONTINUE' || !planned) return step;
  const next = nextHealthChange(planned, stage, now);
  const waits = [
    step.waitSeconds,
    healthLookSeconds(planned),
    next === undefined ? undefined : Math.ceil((next - now) / 1000),
  ].filter((w): w is number => w !== undefined);
  return { ...step, waitSeconds: Math.max(1, Math.min(...waits)) };
}

const alarmHalt = (explanation: string): StepDecision => ({
  outcome: 'HALT',
  action: 'none',
  trigger: 'none',
  reason: 'FLEET_ALARM',
  explanation: `a fleet alarm the plan halts on is firing (${explanation})`,
  waitSeconds: 1,
});
