import { failuresToHaltAt } from './gate';
import type { GatePolicy } from './types';

/**
 * The halt rule on start-order prefixes (docs/gate.md, "Prefixes"). At a past moment `at` the job had
 * `exposed` executions started (a read of the job); the failures reported so far among executions that
 * started in an earlier second are at most the failures among those first `exposed`. So halting when
 * they reach the boundary h(exposed) is the same event the gate's bound already covers: one more look
 * at the one start-order sequence, at no cost in α. It halts sooner when failures report late: the
 * early starters' failures have arrived while later starters still dilute the whole-stage count.
 */
export type StartPoint = { readonly at: number; readonly exposed: number };
export type Prefix = StartPoint & { readonly failed: number };

/** Each point with the failures (start times in epoch ms) of executions that started a second before it. */
export function prefixesOf(points: readonly StartPoint[], failureStarts: readonly number[]): Prefix[] {
  const seconds = failureStarts.map((t) => Math.floor(t / 1000)).sort((a, b) => a - b);
  return points.map((p) => {
    const cut = Math.floor(p.at / 1000);
    let failed = 0;
    while (failed < seconds.length && (seconds[failed] as number) < cut) failed++;
    return { ...p, failed };
  });
}

/** The first prefix (fewest exposed) whose failures reach the halt boundary, or undefined. */
export function haltingPrefix(
  policy: GatePolicy,
  prefixes: readonly Prefix[],
  horizon: number | undefined,
): Prefix | undefined {
  const sorted = [...prefixes].sort((a, b) => a.exposed - b.exposed);
  return sorted.find((p) => {
    if (p.exposed <= 0 || p.failed <= 0) return false;
    const k = failuresToHaltAt(policy, p.exposed, horizon);
    return k !== null && p.failed >= k;
  });
}

/** The fewest failures that can halt at any prefix of up to `upTo` exposed: below it, no look is needed. */
export function fewestFailuresThatHalt(
  policy: GatePolicy,
  upTo: number,
  horizon: number | undefined,
): number {
  let fewest = Number.POSITIVE_INFINITY;
  for (let n = 1; n <= Math.min(upTo, 64); n++) {
    const k = failuresToHaltAt(policy, n, horizon);
    if (k !== null) fewest = Math.min(fewest, k);
  }
  return fewest;
}

/** Keeps at most `max` points: the newest always, the older ones thinned evenly (early small prefixes stay). */
export function appendStartPoint(points: readonly StartPoint[], point: StartPoint, max = 128): StartPoint[] {
  const last = points.at(-1);
  if (last && (point.at <= last.at || point.exposed <= last.exposed)) return [...points];
  const next = [...points, point];
  if (next.length <= max) return next;
  return next.filter((_, i) => i % 2 === 0 || i === next.length - 1);
}
