import type { Rollout } from '../../shared/domain/rollout/model';
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
