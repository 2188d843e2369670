import type { Rollout, Stage } from '../../shared/domain/rollout/model';
import { resolvePlan } from '../../shared/domain/rollout/plan';

/** A one-stage RUNNING rollout created by alice at `at`, for the store adapters' tests. */
export function storedRollout(rolloutId: string, at: number, over: Partial<Rollout> = {}): Rollout {
  const plan = resolvePlan({ name: 'fw', document: { op: 'update' }, targets: ['ring-canary'] }, { at });
  return {
    rolloutId,
    name: 'fw',
    digest: 'digest-1',
    plan,
    creator: 'arn:aws:iam::123456789012:user/alice',
    createdAt: at,
    status: 'RUNNING',
    currentStage: 0,
    paused: false,
    abortRequested: false,
    updatedAt: at,
    ...over,
  };
}

/** Stage 0 of `rolloutId`, RUNNING `jobId` since `at` with nothing counted yet. */
export function runningStage(rolloutId: string, jobId: string, at: number, over: Partial<Stage> = {}): Stage {
  return {
    rolloutId,
    index: 0,
    name: 'canary',
    jobId,
    startedAt: at,
    targets: 20,
    succeeded: 0,
    failed: 0,
    rejected: 0,
    timedOut: 0,
    excluded: 0,
    status: 'RUNNING',
    ...over,
  };
}
