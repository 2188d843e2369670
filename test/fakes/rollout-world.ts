import policyFile from '../../config/rollout-policy.yml';
import { executionArnFor } from '../../shared/domain/rollout/execution';
import { parseJobId } from '../../shared/domain/rollout/ids';
import { type ExecutionTerminal, outcomeOf } from '../../shared/domain/rollout/job-event';
import { parseRolloutPolicy } from '../../shared/domain/rollout/policy';
import type { ApiDeps, Caller } from '../../shared/services/rollout-api';
import { createRollout } from '../../shared/services/rollout-api';
import { plannedStages } from '../../shared/services/rollout-planned-stages';
import type { StepDeps } from '../../shared/services/rollout-ports';
import { runStep, type StepInput } from '../../shared/services/rollout-steps';
import type { TrackerDeps } from '../../shared/services/rollout-tracker';
import { FakeAlarms, FakeExecutions, FakePackages } from './health-store';
import { FakeEffects } from './rollout-effects';
import { FakeFleetIndex } from './rollout-fleet-index';
import { FakeIot } from './rollout-iot';
import { FakeRolloutStore } from './rollout-store';
import { FakeStepFunctions } from './rollout-tasks';

/** One account's rollout world in memory: the fakes behind every rollout port, and how to drive them. */

export const ACCOUNT = '123456789012';
export const STATE_MACHINE_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:staged-rollout`;
export const ARN_PREFIX = `arn:aws:iot:us-east-1:${ACCOUNT}`;
export const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
export const CAROL = `arn:aws:iam::${ACCOUNT}:user/carol`;
export const T0 = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** `$$.Execution.Id` of the execution named `name`. */
export const executionOf = (name: string) => executionArnFor(STATE_MACHINE_ARN, name);
/** `n` thing names `<prefix>0`… */
export const thingNames = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
/** config/rollout-policy.yml, as the API loads it. */
export const POLICY = parseRolloutPolicy(policyFile);

let requests = 0;

export function rolloutWorld() {
  const store = new FakeRolloutStore();
  const iot = new FakeIot();
  const sfn = new FakeStepFunctions(STATE_MACHINE_ARN);
  const fleetIndex = new FakeFleetIndex(iot);
  const effects = new FakeEffects();
  const alarms = new FakeAlarms();
  const executions = new FakeExecutions();
  const packages = new FakePackages();
  const ports = (actor: string) => ({
    store,
    jobs: iot,
    fleetIndex,
    tasks: sfn,
    audit: effects.audit,
    publish: effects.publish,
    notify: effects.notify,
    health: store.health,
    executions,
    alarms,
    packages,
    actor,
  });
  const steps: StepDeps = { ...ports('function:rollout-steps'), arnPrefix: ARN_PREFIX, rollback: iot };
  const api: ApiDeps = {
    ...ports('function:rollout-api'),
    policy: POLICY,
    stateMachineArn: STATE_MACHINE_ARN,
  };
  let now = T0;
  const tracker: TrackerDeps = {
    ...ports('function:rollout-tracker'),
    counters: store.counters,
    planned: plannedStages(store),
    clock: { now: () => now },
  };
  return {
    store,
    iot,
    sfn,
    fleetIndex,
    effects,
    alarms,
    executions,
    packages,
    steps,
    api,
    tracker,
    /** The tracker's clock: when events arrive. */
    setNow(at: number) {
      now = at;
    },
  };
}

export type World = ReturnType<typeof rolloutWorld>;

/** A request signed by `principal` at `at`. */
export function caller(principal: string, at = T0): Caller {
  requests += 1;
  return { principal, account: ACCOUNT, requestId: `req-${requests}`, at };
}

/** A terminal execution event of `jobId` as the bridge publishes it (the stage named from the jobId). */
export function terminal(
  jobId: string,
  thing: string,
  status: 'SUCCEEDED' | 'FAILED' | 'REJECTED' | 'TIMED_OUT' | 'CANCELED' | 'REMOVED',
  at: number,
  eventId = `${jobId}-${thing}-${status}-${at}`,
): ExecutionTerminal {
  const owner = parseJobId(jobId);
  return {
    eventId,
    jobId,
    thingName: thing,
    thingArn: `${ARN_PREFIX}:thing/${thing}`,
    status,
    outcome: outcomeOf(status) ?? 'excluded',
    at,
    ...(owner ? { rolloutId: owner.rolloutId, stageIndex: owner.stageIndex } : {}),
  };
}

/** A two-stage plan over `ring-canary` then `ring-fleet`, with `extra` fields. */
export function twoStages(
  name: string,
  extra: Record<string, unknown> = {},
  canary: Record<string, unknown> = {},
) {
  return {
    name,
    document: { op: 'update' },
    stages: [
      { name: 'canary', targets: ['ring-canary'], ...canary },
      { name: 'fleet', targets: ['ring-fleet'] },
    ],
    ...extra,
  };
}

/** The plan's target groups exist, `things` things each. */
export function withRings(w: World, things = 100, rings = ['ring-canary', 'ring-fleet']) {
  for (const ring of rings) w.iot.addGroup(ring, thingNames(`${ring}-t`, things));
}

/** Creates the rollout through the API service as `creator`; its execution runs (Step Functions started it). */
export async function created(w: World, plan: unknown, creator = ALICE, at = T0) {
  const result = await createRollout(w.api, plan, caller(creator, at));
  return result.rolloutId;
}

/** The stored stage (a test error when it was never recorded). */
export async function stageOf(w: World, rolloutId: string, i = 0) {
  const stage = await w.store.getStage(rolloutId, i);
  if (!stage) throw new Error(`stage ${i} of ${rolloutId} was not recorded`);
  return stage;
}

/** The stored rollout (a test error when there is none). */
export async function rolloutOf(w: World, rolloutId: string) {
  const rollout = await w.store.getRollout(rolloutId);
  if (!rollout) throw new Error(`no rollout ${rolloutId}`);
  return rollout;
}

/** Runs one state machine step of the rollout's recorded execution (or of `execution`). */
export async function step(
  w: World,
  rolloutId: string,
  action: StepInput['action'],
  stageIndex: number,
  at: number,
  extra: Partial<StepInput> = {},
) {
  const rollout = await w.store.getRollout(rolloutId);
  const executionId = rollout?.executionArn ?? executionOf(rolloutId);
  return runStep({ action, rolloutId, stageIndex, now: at, executionId, ...extra }, w.steps) as Promise<
    Record<string, unknown>
  >;
}

/** Starts stage `i` and parks its gate token: the state machine's StartStage then AwaitGate. */
export async function startedStage(w: World, rolloutId: string, i = 0, at = T0) {
  await step(w, rolloutId, 'checkpoint', i, at);
  await step(w, rolloutId, 'startStage', i, at);
  const token = w.sfn.issueToken(`gate-${i}`);
  await step(w, rolloutId, 'awaitGate', i, at, { token });
  return { jobId: (await w.store.getStage(rolloutId, i))?.jobId ?? '', token };
}

/** The stage's job has every execution SUCCEEDED and Reconcile, after the bake, recorded PROMOTE. */
export async function passedGate(w: World, rolloutId: string, i = 0, at = T0 + 31 * MINUTE) {
  const stage = await w.store.getStage(rolloutId, i);
  if (!stage) throw new Error(`stage ${i} of ${rolloutId} was not started`);
  w.iot.progress(stage.jobId, { SUCCEEDED: stage.targets });
  const decided = await step(w, rolloutId, 'reconcile', i, at);
  if (decided.outcome !== 'PROMOTE') throw new Error(`the gate did not pass: ${JSON.stringify(decided)}`);
  return decided;
}

/** Asks the approvers to promote stage `i` (RequestApproval) with a fresh token. */
export async function approvalAsked(w: World, rolloutId: string, i = 0, at = T0 + 32 * MINUTE) {
  const token = w.sfn.issueToken(`approval-${i}`);
  await step(w, rolloutId, 'requestApproval', i, at, { kind: 'promote', token });
  return token;
}
