import type { StageCounts } from '../gate';
import { pendingSuccesses, withHealth } from './health-counts';
import { PRESENCE_GRACE_MS } from './health-presence';
import type { ResolvedStage } from './plan';

/** What Reconcile last found about a stage's suspects (stored on the stage item). */
export type StageHealth = {
  /** Distinct devices judged unhealthy (a success that failed a health signal). */
  unhealthy: number;
  /** Suspects whose window is over but that are not judged yet: not counted as successes. */
  unjudged: number;
  checkedAt: number;
  /** When a suspect's window ends: the gate must look again then. */
  nextCheckAt?: number;
  /** Self-check suspects found healthy (the execution AWS IoT reports passes): the estimate drops them. */
  dismissedSelfChecks?: number;
  /** When each unhealthy device started its execution: the gate's prefix rule places them by it. */
  unhealthyStarts?: number[];
  /** A few of the unhealthy devices, for the audit record and `fleet rollout status`. */
  examples: { thingName: string; reason: string; evidence: string }[];
};

/** The stage item's view of health: the per-minute success buckets and the suspects the tracker counted. */
export type StageHealthItem = {
  okBuckets?: Readonly<Record<string, number>>;
  suspects?: { selfCheck?: number; reconnect?: number };
  health?: StageHealth;
};

const MINUTE = 60_000;

/**
 * Successes the gate may not count yet: those still inside their reconnect window (per-minute buckets
 * from the execution events) and, as a floor, every success the events have not shown yet (the job
 * can be ahead of its events, and only an event makes a failed self-check a suspect), plus suspects
 * whose verdict is still open.
 */
function pendingOf(planned: ResolvedStage, item: StageHealthItem, succeeded: number, now: number): number {
  const reconnect = planned.health?.reconnectMinutes;
  const unjudged = item.health?.unjudged ?? 0;
  if (reconnect === undefined && planned.health?.selfCheck === undefined) return unjudged;
  const buckets = item.okBuckets ?? {};
  const seen = Object.values(buckets).reduce((sum, n) => sum + (Number.isFinite(n) && n > 0 ? n : 0), 0);
  const inWindow = reconnect === undefined ? 0 : pendingSuccesses(buckets, reconnect * MINUTE, now);
  const matured = Math.max(0, seen - inWindow);
  return Math.max(0, succeeded - matured) + unjudged;
}

/** The gate's counts with health: unhealthy successes are failures, pending ones are still running. */
export function countsWithHealth(
  planned: ResolvedStage,
  item: StageHealthItem,
  counts: StageCounts,
  now: number,
  estimate = false,
): StageCounts {
  if (!planned.health) return counts;
  const judged = item.health?.unhealthy ?? 0;
  // Between reads the tracker's count of failed self-checks can be ahead of Reconcile's verdicts; the
  // ones Reconcile dismissed are not (or a waiting gate would keep waking itself on forged events).
  const selfChecks = (item.suspects?.selfCheck ?? 0) - (item.health?.dismissedSelfChecks ?? 0);
  const unhealthy = estimate ? Math.max(judged, selfChecks) : judged;
  const pending = pendingOf(planned, item, counts.succeeded, now);
  return withHealth(counts, { unhealthy, pending });
}

/** The next moment time alone changes the health counts: a bucket's window or a suspect's ending. */
export function nextHealthChange(
  planned: ResolvedStage,
  item: StageHealthItem,
  now: number,
): number | undefined {
  const reconnect = planned.health?.reconnectMinutes;
  const times: number[] = [];
  if (item.health?.nextCheckAt !== undefined && item.health.nextCheckAt > now)
    times.push(item.health.nextCheckAt);
  if (reconnect !== undefined) {
    for (const [bucket, n] of Object.entries(item.okBuckets ?? {})) {
      const end = Number(bucket) * MINUTE + MINUTE + reconnect * MINUTE + PRESENCE_GRACE_MS;
      if (n > 0 && end > now) times.push(end);
    }
  }
  return times.length > 0 ? Math.min(...times) : undefined;
}

/**
 * The longest a stage with a reconnect window may wait between looks: one window and its grace, so a
 * device that never came back is judged within about a window of its deadline even when no event wakes
 * the gate (lifecycle events never do: a missing reconnect is only visible on the clock).
 */
export function healthLookSeconds(planned: ResolvedStage): number | undefined {
  const reconnect = planned.health?.reconnectMinutes;
  return reconnect === undefined ? undefined : reconnect * 60 + PRESENCE_GRACE_MS / 1000 + 60;
}
