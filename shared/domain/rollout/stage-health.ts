import type { StageCounts } from '../gate';
import { pendingSuccesses, withHealth } from './health-counts';
import { PACKAGE_SETTLE_MS } from './health-package';
import { PRESENCE_GRACE_MS } from './health-presence';
import type { ResolvedHealth, ResolvedStage } from './plan';

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
  /** Successes of buckets folded away once their window was over (the item must stay under 400 KB). */
  okMatured?: number;
  suspects?: { selfCheck?: number; reconnect?: number; package?: number };
  health?: StageHealth;
};

const MINUTE = 60_000;

/**
 * How long after a success time alone may still make it unhealthy: its reconnect window, or the settle
 * time before its `$package` shadow is judged, whichever is longer; undefined when neither applies.
 */
function healthWindowMs(health: ResolvedHealth | undefined): number | undefined {
  const reconnect = health?.reconnectMinutes === undefined ? undefined : health.reconnectMinutes * MINUTE;
  const settle = health?.packageVersion ? PACKAGE_SETTLE_MS : undefined;
  if (reconnect === undefined) return settle;
  return settle === undefined ? reconnect : Math.max(reconnect, settle);
}

/** Whether the gate counts a stage's successes only once their event was seen (per-minute buckets). */
export const countsSuccessEvents = (health: ResolvedHealth | undefined): boolean =>
  healthWindowMs(health) !== undefined || health?.selfCheck !== undefined;

/**
 * Successes the gate may not count yet: those still inside their reconnect window or package settle
 * time (per-minute buckets from the execution events) and, as a floor, every success the events have
 * not shown yet (the job can be ahead of its events, and only an event makes a success a suspect),
 * plus suspects whose verdict is still open.
 */
function pendingOf(planned: ResolvedStage, item: StageHealthItem, succeeded: number, now: number): number {
  const window = healthWindowMs(planned.health);
  const unjudged = item.health?.unjudged ?? 0;
  if (!countsSuccessEvents(planned.health)) return unjudged;
  const buckets = item.okBuckets ?? {};
  const seen = Math.max(
    0,
    Object.values(buckets).reduce((sum, n) => sum + (Number.isFinite(n) ? n : 0), item.okMatured ?? 0),
  );
  const inWindow = window === undefined ? 0 : pendingSuccesses(buckets, window, now);
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
  const window = healthWindowMs(planned.health);
  const times: number[] = [];
  if (item.health?.nextCheckAt !== undefined && item.health.nextCheckAt > now)
    times.push(item.health.nextCheckAt);
  if (window !== undefined) {
    for (const [bucket, n] of Object.entries(item.okBuckets ?? {})) {
      const end = Number(bucket) * MINUTE + MINUTE + window + PRESENCE_GRACE_MS;
      if (n > 0 && end > now) times.push(end);
    }
  }
  return times.length > 0 ? Math.min(...times) : undefined;
}

/**
 * The longest a stage with a reconnect window (or a package settle time) may wait between looks: one
 * window and its grace, so a device that never came back, or does not report its package versions, is
 * judged within about a window of its deadline even when no event wakes the gate (none does: both are
 * only visible on the clock).
 */
export function healthLookSeconds(planned: ResolvedStage): number | undefined {
  const window = healthWindowMs(planned.health);
  return window === undefined ? undefined : window / 1000 + PRESENCE_GRACE_MS / 1000 + 60;
}

/** Folding starts once this many buckets are over: a continuous stage can live for months. */
export const FOLD_AT = 60;
/** At most this many buckets a fold (one UpdateItem's expression). */
export const FOLD_MAX = 100;

/** The buckets whose window is over, to fold into `okMatured`; none until FOLD_AT of them are. */
export function foldableBuckets(
  planned: ResolvedStage,
  item: StageHealthItem,
  now: number,
): Record<string, number> {
  const window = healthWindowMs(planned.health) ?? 0;
  const over = Object.entries(item.okBuckets ?? {}).filter(
    ([bucket]) => Number(bucket) * MINUTE + MINUTE + window + PRESENCE_GRACE_MS <= now,
  );
  return over.length < FOLD_AT ? {} : Object.fromEntries(over.slice(0, FOLD_MAX));
}
