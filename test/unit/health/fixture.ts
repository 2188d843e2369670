import { successBucket } from '../../../shared/domain/rollout/health-counts';
import { jobIdFor } from '../../../shared/domain/rollout/ids';
import type { ExecutionTerminal } from '../../../shared/domain/rollout/job-event';
import type { JobSnapshot } from '../../../shared/domain/rollout/job-snapshot';
import type { Rollout, Stage } from '../../../shared/domain/rollout/model';
import { planDigest, type ResolvedHealth, resolvePlan } from '../../../shared/domain/rollout/plan';
import type { HealthInput } from '../../../shared/domain/rollout/plan-schema';
import type { PresenceLifecycle } from '../../../shared/domain/rollout/presence-event';

/** Shared pieces of the health tests: a rollout with one health-gated stage, its events and a clock. */

export const T0 = Date.parse('2027-03-01T00:00:00Z');
export const MINUTE = 60_000;
export const ROLLOUT_ID = 'fw-0badc0de';
export const JOB_ID = jobIdFor(ROLLOUT_ID, 0);

type Gate = {
  failureThreshold?: number;
  bakeMinutes?: number;
  deadlineMinutes?: number;
  minFinished?: number;
};

/** A one-stage rollout whose stage has `health` (and `gate`, bake 0 unless given; `job` if given). */
export function healthRollout(
  health: HealthInput,
  gate: Gate = {},
  job?: { inProgressTimeoutMinutes?: number; destinationPackageVersions?: string[] },
): Rollout {
  const plan = resolvePlan({
    name: 'fw',
    document: { op: 'update' },
    stages: [
      {
        name: 'fleet',
        targets: ['ring-1'],
        health,
        gate: { bakeMinutes: 0, ...gate },
        ...(job ? { job } : {}),
      },
    ],
  });
  return {
    rolloutId: ROLLOUT_ID,
    name: 'fw',
    digest: planDigest(plan),
    plan,
    creator: 'arn:aws:iam::123456789012:user/alice',
    createdAt: T0,
    status: 'RUNNING',
    currentStage: 0,
    paused: false,
    abortRequested: false,
    updatedAt: T0,
  };
}

/** A Software Package Catalog version ARN of the test account. */
export const packageVersionArn = (pkg: string, version: string) =>
  `arn:aws:iot:us-east-1:123456789012:package/${pkg}/version/${version}`;

/** The stage's resolved health (the rollout's plan always has one for these tests). */
export function healthOf(rollout: Rollout): ResolvedHealth {
  const health = rollout.plan.stages[0]?.health;
  if (!health) throw new Error('the stage has no health');
  return health;
}

export function stageOf(targets: number, over: Partial<Stage> = {}): Stage {
  return {
    rolloutId: ROLLOUT_ID,
    index: 0,
    name: 'fleet',
    jobId: JOB_ID,
    startedAt: T0,
    targets,
    succeeded: 0,
    failed: 0,
    rejected: 0,
    timedOut: 0,
    excluded: 0,
    status: 'RUNNING',
    ...over,
  };
}

/** A SUCCEEDED execution event of `thing` at `at`, as the job events bridge puts it on the bus. */
export function success(
  thing: string,
  at: number,
  statusDetails?: Record<string, string>,
  eventId = `ok-${thing}-${at}`,
): ExecutionTerminal {
  return {
    eventId,
    jobId: JOB_ID,
    thingName: thing,
    thingArn: `arn:aws:iot:us-east-1:123456789012:thing/${thing}`,
    status: 'SUCCEEDED',
    outcome: 'succeeded',
    at,
    rolloutId: ROLLOUT_ID,
    stageIndex: 0,
    ...(statusDetails ? { statusDetails } : {}),
  };
}

/** An AWS IoT lifecycle event (`$aws/events/presence/<type>/<clientId>`). */
export function lifecycle(
  clientId: string,
  eventType: 'connected' | 'disconnected',
  timestamp: number,
  versionNumber?: number,
): PresenceLifecycle {
  return { clientId, eventType, timestamp, ...(versionNumber === undefined ? {} : { versionNumber }) };
}

/** A clock the test moves. */
export function fakeClock(start: number) {
  let now = start;
  return {
    now: () => now,
    set: (at: number) => {
      now = at;
    },
  };
}

/** The per-minute success buckets the tracker's counters keep (`ok_<minute>`), from the successes' times. */
export function bucketsOf(times: readonly number[]): Record<string, number> {
  const buckets: Record<string, number> = {};
  for (const at of times) buckets[successBucket(at)] = (buckets[successBucket(at)] ?? 0) + 1;
  return buckets;
}

/** A job every execution of which finished: `succeeded` of `targets` succeeded, the rest failed. */
export function finishedJob(targets: number, succeeded: number, at: number): JobSnapshot {
  return {
    at,
    status: 'IN_PROGRESS',
    targetsOpen: false,
    queued: 0,
    inProgress: 0,
    succeeded,
    failed: targets - succeeded,
    rejected: 0,
    timedOut: 0,
    canceled: 0,
    removed: 0,
  };
}
