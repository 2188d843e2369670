import { evaluateGate, type GateDecision, type GatePolicy } from '../shared/domain/gate/index';
import { successBucket } from '../shared/domain/rollout/health-counts';
import { type PresenceEvent, presenceVerdict } from '../shared/domain/rollout/health-presence';
import type { ResolvedStage } from '../shared/domain/rollout/plan';
import {
  countsWithHealth,
  nextHealthChange,
  type StageHealthItem,
} from '../shared/domain/rollout/stage-health';
import { MAX_CONFIRMATIONS } from '../shared/services/health-assess';
import { HALT, INCONCLUSIVE, PROMOTE, type Replayed } from './gate-sim';
import { judgedAt, maturesAt } from './health-view';
import type { DeviceTrace, EventLog } from './stage-sim';

/**
 * The check of health-view.ts: one stage replayed through the product's own functions, as Reconcile
 * runs them, at every event of the job, every health change and every recheck the gate or the health
 * counts ask for (withHealthWait). At each look: the stage item's per-minute success buckets
 * (successBucket), the open suspects judged with presenceVerdict (at most MAX_CONFIRMATIONS unhealthy
 * confirmed per look, the rest unjudged, as assessHealth does), countsWithHealth on the job's counts,
 * then evaluateGate. A silent brick disconnects 30 s after its success and never reconnects; healthy
 * devices are left out of the suspects (they reconnect and are judged healthy: no count changes).
 */

const DISCONNECT_AFTER_MS = 30_000;

const kindOf = (d: GateDecision) =>
  d.outcome === 'HALT'
    ? HALT
    : d.outcome === 'PROMOTE'
      ? PROMOTE
      : d.outcome === 'INCONCLUSIVE_AT_DEADLINE'
        ? INCONCLUSIVE
        : undefined;

export function replayHealthThroughGate(
  policy: GatePolicy,
  planned: ResolvedStage,
  log: EventLog,
  trace: DeviceTrace,
  deadlineMs: number,
): Replayed & { mostConfirmedAtOnce: number } {
  const windowMs = (planned.health?.reconnectMinutes ?? 0) * 60_000;
  const n = trace.successes;
  const healthTimes: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = trace.successAt[i] as number;
    healthTimes.push(maturesAt(s, windowMs));
    if (trace.successBrick[i]) healthTimes.push(judgedAt(s, windowMs), s + DISCONNECT_AFTER_MS);
  }
  const times = [...new Set([...log.t, ...healthTimes])].sort((a, b) => a - b);

  let logIndex = -1;
  let seen = 0;
  const okBuckets: Record<string, number> = {};
  /** Success indices of bricks that disconnected and are not judged yet; judged ones leave it. */
  const open: number[] = [];
  let nextBrick = 0;
  let unhealthy = 0;
  let mostConfirmedAtOnce = 0;
  let recheckAt = Number.POSITIVE_INFINITY;

  // The job and the tracker's state as of `now` (every event at or before it).
  const advance = (now: number): void => {
    while (logIndex + 1 < log.t.length && (log.t[logIndex + 1] as number) <= now) logIndex++;
    while (seen < n && (trace.successAt[seen] as number) <= now) {
      const key = successBucket(trace.successAt[seen] as number);
      okBuckets[key] = (okBuckets[key] ?? 0) + 1;
      seen++;
    }
    for (; nextBrick < seen; nextBrick++) {
      if (!trace.successBrick[nextBrick]) continue;
      if ((trace.successAt[nextBrick] as number) + DISCONNECT_AFTER_MS > now) break;
      open.push(nextBrick);
    }
  };

  const look = (now: number): Replayed | undefined => {
    // assessHealth: pending suspects give nextCheckAt; due ones are confirmed, at most MAX_CONFIRMATIONS.
    let nextCheckAt: number | undefined;
    let confirmations = 0;
    let unjudged = 0;
    const stillOpen: number[] = [];
    for (const i of open) {
      const at = trace.successAt[i] as number;
      const history: PresenceEvent[] = [{ at: at + DISCONNECT_AFTER_MS, connected: false }];
      const v = presenceVerdict(history, at, windowMs, now);
      if (v.verdict === 'pending') {
        const end = judgedAt(at, windowMs);
        nextCheckAt = Math.min(nextCheckAt ?? end, end);
        stillOpen.push(i);
      } else if (v.verdict === 'unhealthy' && confirmations < MAX_CONFIRMATIONS) {
        confirmations++;
        unhealthy++;
      } else if (v.verdict === 'unhealthy') {
        unjudged++;
        stillOpen.push(i);
      }
    }
    open.splice(0, open.length, ...stillOpen);
    mostConfirmedAtOnce = Math.max(mostConfirmedAtOnce, confirmations);
    const item: StageHealthItem = {
      okBuckets,
      health: {
        unhealthy,
        unjudged,
        checkedAt: now,
        ...(nextCheckAt === undefined ? {} : { nextCheckAt }),
        examples: [],
      },
    };
    const i = Math.max(0, logIndex);
    const started = logIndex < 0 ? 0 : (log.started[i] ?? 0);
    const job = {
      targets: log.targets[i] ?? 0,
      started,
      succeeded: logIndex < 0 ? 0 : (log.succeeded[i] ?? 0),
      failed: logIndex < 0 ? 0 : (log.failed[i] ?? 0),
      excluded: 0,
    };
    const counts = countsWithHealth(planned, item, job, now);
    const targetsOpen = logIndex < 0 || (log.open[i] ?? false);
    const d = evaluateGate(policy, { counts, targetsOpen, stageStartedAt: 0, now });
    const kind = kindOf(d);
    if (kind) return { kind, t: now, exposed: started };
    // withHealthWait: the earlier of the gate's recheck and the next health change.
    const gateNext = d.outcome === 'CONTINUE' && d.recheckAt > now ? d.recheckAt : Number.POSITIVE_INFINITY;
    recheckAt = Math.min(gateNext, nextHealthChange(planned, item, now) ?? Number.POSITIVE_INFINITY);
    return undefined;
  };

  const first = look(0);
  if (first) return { ...first, mostConfirmedAtOnce };
  for (const t of [...times, Number.POSITIVE_INFINITY]) {
    while (recheckAt < t && recheckAt < deadlineMs) {
      advance(recheckAt);
      const due = look(recheckAt);
      if (due) return { ...due, mostConfirmedAtOnce };
    }
    if (t >= deadlineMs) break;
    advance(t);
    const now = look(t);
    if (now) return { ...now, mostConfirmedAtOnce };
  }
  advance(deadlineMs - 1);
  const last = look(deadlineMs);
  return { ...(last ?? { kind: INCONCLUSIVE, t: deadlineMs, exposed: 0 }), mostConfirmedAtOnce };
}
