import type { StageCounts } from '../gate';
import { PRESENCE_GRACE_MS } from './health-presence';

/**
 * What health after success does to a stage's counts. Successes are counted in per-minute buckets on
 * the stage item (one atomic ADD each), so the gate can tell which of them may still turn unhealthy.
 */

/** Successes are counted per minute. */
export const BUCKET_MS = 60_000;

/** The bucket a success at `at` (epoch ms) is counted in: the minute since the epoch, as a map key. */
export function successBucket(at: number): string {
  return String(Math.floor(at / BUCKET_MS));
}

/**
 * Successes whose reconnect window (and its grace) may not have ended by `now`. A bucket counts until
 * its last instant's window has ended, so a success is never released early. Keys that are not a
 * minute and counts that are not a non-negative integer are ignored (a hand-edited or damaged item).
 */
export function pendingSuccesses(
  buckets: Readonly<Record<string, number>>,
  windowMs: number,
  now: number,
): number {
  let pending = 0;
  for (const [key, count] of Object.entries(buckets)) {
    if (!/^\d{1,15}$/.test(key) || !Number.isSafeInteger(count) || count < 0) continue;
    const start = Number(key) * BUCKET_MS;
    if (start + BUCKET_MS + windowMs + PRESENCE_GRACE_MS > now) pending += count;
  }
  return pending;
}

const clamp = (n: number, max: number) => (Number.isNaN(n) ? 0 : Math.min(max, Math.max(0, Math.floor(n))));

/**
 * The counts the gate sees: unhealthy successes become failures, successes still in their window
 * become still running (started − succeeded − failed). `started` and `targets` do not change.
 */
export function withHealth(counts: StageCounts, health: { unhealthy: number; pending: number }): StageCounts {
  const unhealthy = clamp(health.unhealthy, counts.succeeded);
  const pending = clamp(health.pending, counts.succeeded - unhealthy);
  return {
    ...counts,
    succeeded: counts.succeeded - unhealthy - pending,
    failed: counts.failed + unhealthy,
  };
}
