import type { Rollout } from './model';
import { scheduleTimeMs } from './plan-schedule';

/**
 * A plan's last stage may be CONTINUOUS: once it passes its gate it keeps running, watched, so devices
 * that join its groups (or start matching its query) get the update, until an operator completes the
 * rollout or its `completeAt` passes (docs/rollouts.md "Continuous final stage"). Pure.
 */

/** A Standard execution runs at most a year: a continuous stage ends 360 days after the rollout began. */
export const MAX_CONTINUOUS_MS = 360 * 86_400_000;
/** While watched, the job is read again at least weekly (a lost wake-up costs at most a week). */
const WATCH_RECHECK_SECONDS = 7 * 86_400;

/** Whether stage `i` is the plan's last stage and continuous. */
export function isContinuousFinal(rollout: Rollout, i: number): boolean {
  const stages = rollout.plan.stages;
  return i === stages.length - 1 && stages[i]?.job.targetSelection === 'CONTINUOUS';
}

/** When the continuous stage completes by itself: its `completeAt`, capped by the execution's year. */
export function continuousEndsAt(rollout: Rollout, i: number): number {
  const cap = rollout.createdAt + MAX_CONTINUOUS_MS;
  const planned = scheduleTimeMs(rollout.plan.stages[i]?.completeAt);
  return planned === undefined ? cap : Math.min(planned, cap);
}

export type WatchNext = 'watch' | 'complete' | 'halt';

/** What a watched stage does next, the gate having spoken: halt beats complete beats watching on. */
export function watchNext(rollout: Rollout, i: number, halt: boolean, now: number): WatchNext {
  if (halt) return 'halt';
  return rollout.completeRequested === true || now >= continuousEndsAt(rollout, i) ? 'complete' : 'watch';
}

/** Seconds the Watch callback waits before reading the job again (≥ 1). */
export function watchSeconds(rollout: Rollout, i: number, now: number): number {
  const untilEnd = Math.ceil((continuousEndsAt(rollout, i) - now) / 1000);
  return Math.max(1, Math.min(untilEnd, WATCH_RECHECK_SECONDS));
}
