import { appendStartPoint, type GateDecision, type StartPoint } from '../shared/domain/gate/index';
import { successBucket } from '../shared/domain/rollout/health-counts';
import type { PresenceEvent } from '../shared/domain/rollout/health-presence';
import type { JobSnapshot } from '../shared/domain/rollout/job-snapshot';
import type { Rollout, Stage } from '../shared/domain/rollout/model';
import { judgeStageOnJob, prefixStatuses } from '../shared/domain/rollout/stage-gate';
import { nextHealthChange, type StageHealth } from '../shared/domain/rollout/stage-health';
import { assessHealth } from '../shared/services/health-assess';
import type { ExecutionRead, HealthStore, Suspect } from '../shared/services/health-ports';
import { HALT, INCONCLUSIVE, PROMOTE, type Replayed } from './gate-sim';
import { judgedAt, maturesAt } from './health-view';
import type { DeviceTrace, EventLog } from './stage-sim';

/**
 * The check of health-view.ts: one stage replayed through the product's own functions, as Reconcile
 * (shared/services/rollout-steps.ts) runs them, at every event of the job, every health change and
 * every recheck the gate or the health counts ask for (withHealthWait). At each look: assessHealth
 * itself on the stage's suspects (presenceVerdict, at most MAX_CONFIRMATIONS confirmed on the
 * execution per look, health.unhealthyStarts from each one's startedAt), judgeStageOnJob on the job's
 * counts (countsFromJob, countsWithHealth on the per-minute success buckets, evaluateGate), then, as
 * Reconcile, prefixStatuses and judgeStageOnJob again with the unhealthy devices' starts (prefixesOf,
 * haltingPrefix). A silent brick disconnects 30 s after its success and never reconnects; healthy
 * devices are left out of the suspects (they reconnect and are judged healthy: no count changes).
 *
 * The stage's start history is the one idealisation, shared with the fast path: a read of the job
 * right after every second in which a brick started (at the next event, before that event's second),
 * every one kept, where the product has its own reads (every ≤ 30 s while events arrive, and at each
 * Reconcile), at most 128 kept (startsWith). Reads after the other seconds could halt nothing more:
 * they count no more failures than the read after the last brick's second before them, against a
 * boundary h(exposed) that only grows with exposed; leaving them out keeps the replay affordable
 * (haltingPrefix computes h at every read that counts a failure).
 */

const DISCONNECT_AFTER_MS = 30_000;
const JOB_ID = 'bench-job';
const thingOf = (rank: number) => `thing-${rank}`;

const kindOf = (d: GateDecision) =>
  d.outcome === 'HALT'
    ? HALT
    : d.outcome === 'PROMOTE'
      ? PROMOTE
      : d.outcome === 'INCONCLUSIVE_AT_DEADLINE'
        ? INCONCLUSIVE
        : undefined;

/**
 * The suspects and presence of one stage in memory, for assessHealth: each brick is a suspect from its
 * disconnect on; its execution is SUCCEEDED and started when the trace says.
 */
class ReplayHealth implements HealthStore {
  readonly all: Suspect[] = [];
  readonly #presence = new Map<string, PresenceEvent[]>();
  /** DescribeJobExecution calls since the last reset: the confirmations of one look. */
  described = 0;

  constructor(readonly trace: DeviceTrace) {}

  addBrick(success: number, windowMs: number): void {
    const rank = this.trace.successRank[success] as number;
    const succeededAt = this.trace.successAt[success] as number;
    const thingName = thingOf(rank);
    this.#presence.set(thingName, [{ at: succeededAt + DISCONNECT_AFTER_MS, connected: false }]);
    this.all.push({
      rolloutId: 'bench',
      stageIndex: 0,
      thingName,
      jobId: JOB_ID,
      reason: 'reconnect',
      succeededAt,
      windowMs,
    });
  }

  async describeExecution(_jobId: string, thingName: string): Promise<ExecutionRead> {
    this.described++;
    const rank = Number(thingName.slice('thing-'.length));
    return { status: 'SUCCEEDED', statusDetails: {}, startedAt: this.trace.startAt[rank - 1] as number };
  }

  async suspects(): Promise<Suspect[]> {
    return this.all;
  }
  async presenceOf(thingNames: readonly string[]): Promise<Map<string, PresenceEvent[]>> {
    const found = new Map<string, PresenceEvent[]>();
    for (const name of thingNames) {
      const history = this.#presence.get(name);
      if (history) found.set(name, history);
    }
    return found;
  }
  async judgeSuspect(
    s: Suspect,
    verdict: Suspect['verdict'],
    at: number,
    evidence: string,
    startedAt?: number,
  ) {
    Object.assign(s, { verdict, judgedAt: at, evidence }, startedAt === undefined ? {} : { startedAt });
  }
  async setStageHealth(): Promise<void> {}
  async recordPresence(): Promise<PresenceEvent[]> {
    throw new Error('not used by assessHealth');
  }
  async putWatch(): Promise<void> {
    throw new Error('not used by assessHealth');
  }
  async watchesOf(): Promise<never[]> {
    throw new Error('not used by assessHealth');
  }
  async putSuspect(): Promise<boolean> {
    throw new Error('not used by assessHealth');
  }
}

/** The bench's plan as a running rollout: what Reconcile's functions read. */
export function benchRollout(plan: Rollout['plan']): Rollout {
  return {
    rolloutId: 'bench',
    name: 'bench',
    digest: '',
    plan,
    creator: 'bench',
    createdAt: 0,
    status: 'RUNNING',
    currentStage: 0,
    paused: false,
    abortRequested: false,
    updatedAt: 0,
  };
}

export type ReplayedHealth = Replayed & {
  mostConfirmedAtOnce: number;
  /** The most unhealthy starts any look passed to the gate (assessHealth keeps at most MAX_STARTS). */
  mostUnhealthyStarts: number;
  /** The decision was a halt of the prefix rule (evidence.haltPrefix), not of the whole stage. */
  prefixHalt: boolean;
};

export async function replayHealthThroughGate(
  rollout: Rollout,
  log: EventLog,
  trace: DeviceTrace,
  deadlineMs: number,
): Promise<ReplayedHealth> {
  const planned = rollout.plan.stages[0];
  if (!planned) throw new Error('the plan has no stage');
  if (log.failed.some((f) => f > 0))
    throw new RangeError('the replay passes no failed execution starts: the job must report no failure');
  const windowMs = (planned.health?.reconnectMinutes ?? 0) * 60_000;
  const size = trace.starts;
  const n = trace.successes;
  const healthTimes: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = trace.successAt[i] as number;
    healthTimes.push(maturesAt(s, windowMs));
    if (trace.successBrick[i]) healthTimes.push(judgedAt(s, windowMs), s + DISCONNECT_AFTER_MS);
  }
  const times = [...new Set([...log.t, ...healthTimes])].sort((a, b) => a - b);

  const store = new ReplayHealth(trace);
  const deps = { health: store, executions: store };
  const base: Stage = {
    rolloutId: 'bench',
    index: 0,
    name: planned.name,
    jobId: JOB_ID,
    startedAt: 0,
    targets: Math.max(size, log.targets[0] ?? 0),
    succeeded: 0,
    failed: 0,
    excluded: 0,
    status: 'RUNNING',
  };
  let logIndex = -1;
  let seen = 0;
  let nextBrick = 0;
  let starts: StartPoint[] = [];
  const okBuckets: Record<string, number> = {};
  let health: StageHealth | undefined;
  let recheckAt = Number.POSITIVE_INFINITY;
  const stats = { mostConfirmedAtOnce: 0, mostUnhealthyStarts: 0 };

  const brickStarts = new Set<number>();
  for (let i = 0; i < n; i++)
    if (trace.successBrick[i]) brickStarts.add(trace.startAt[(trace.successRank[i] as number) - 1] as number);
  /** The second of the last brick start not yet followed by a read. */
  let brickSecond = -1;

  // The job and the tracker's state as of `now` (every event at or before it).
  const advance = (now: number): void => {
    while (logIndex + 1 < log.t.length && (log.t[logIndex + 1] as number) <= now) {
      const at = log.t[logIndex + 1] as number;
      // A read of the job after a second in which a brick started: before the first event past it.
      if (brickSecond >= 0 && Math.floor(at / 1000) > brickSecond) {
        const exposed = log.started[logIndex] as number;
        starts = appendStartPoint(starts, { at, exposed }, Number.POSITIVE_INFINITY);
        brickSecond = -1;
      }
      logIndex++;
      if (brickStarts.has(at)) brickSecond = Math.floor(at / 1000);
    }
    while (seen < n && (trace.successAt[seen] as number) <= now) {
      const key = successBucket(trace.successAt[seen] as number);
      okBuckets[key] = (okBuckets[key] ?? 0) + 1;
      seen++;
    }
    for (; nextBrick < seen; nextBrick++) {
      if (!trace.successBrick[nextBrick]) continue;
      if ((trace.successAt[nextBrick] as number) + DISCONNECT_AFTER_MS > now) break;
      store.addBrick(nextBrick, windowMs);
    }
  };

  const jobAt = (now: number): JobSnapshot => {
    const i = Math.max(0, logIndex);
    const started = logIndex < 0 ? 0 : (log.started[i] ?? 0);
    const succeeded = logIndex < 0 ? 0 : (log.succeeded[i] ?? 0);
    return {
      at: now,
      status: 'IN_PROGRESS',
      targetsOpen: logIndex < 0 || (log.open[i] ?? false),
      queued: (log.targets[i] ?? 0) - started,
      inProgress: started - succeeded,
      succeeded,
      failed: 0,
      rejected: 0,
      timedOut: 0,
      canceled: 0,
      removed: 0,
    };
  };

  // Reconcile (rollout-steps.ts) on the job at `now`, with this replay's start history.
  const look = async (now: number): Promise<ReplayedHealth | undefined> => {
    const job = jobAt(now);
    const stage: Stage = { ...base, job, starts, okBuckets, ...(health ? { health } : {}) };
    store.described = 0;
    health = await assessHealth(deps, rollout, stage, now);
    stats.mostConfirmedAtOnce = Math.max(stats.mostConfirmedAtOnce, store.described);
    stats.mostUnhealthyStarts = Math.max(stats.mostUnhealthyStarts, health?.unhealthyStarts?.length ?? 0);
    const read: Stage = { ...stage, ...(health ? { health } : {}) };
    let d = judgeStageOnJob(rollout, read, job, now);
    if (d.outcome !== 'HALT') {
      // The job has no failed execution: the starts are the unhealthy devices' only.
      const statuses = prefixStatuses(rollout, read, d.evidence.failed, d.evidence.exposed);
      if (statuses.length > 0) d = judgeStageOnJob(rollout, read, job, now, health?.unhealthyStarts ?? []);
    }
    const kind = kindOf(d);
    if (kind) {
      const prefixHalt = d.outcome === 'HALT' && d.evidence.haltPrefix !== null;
      return { kind, t: now, exposed: job.inProgress + job.succeeded, prefixHalt, ...stats };
    }
    // withHealthWait: the earlier of the gate's recheck and the next health change.
    const gateNext = d.outcome === 'CONTINUE' && d.recheckAt > now ? d.recheckAt : Number.POSITIVE_INFINITY;
    recheckAt = Math.min(gateNext, nextHealthChange(planned, read, now) ?? Number.POSITIVE_INFINITY);
    return undefined;
  };

  const first = await look(0);
  if (first) return first;
  for (const t of [...times, Number.POSITIVE_INFINITY]) {
    while (recheckAt < t && recheckAt < deadlineMs) {
      advance(recheckAt);
      const due = await look(recheckAt);
      if (due) return due;
    }
    if (t >= deadlineMs) break;
    advance(t);
    const now = await look(t);
    if (now) return now;
  }
  advance(deadlineMs - 1);
  const last = await look(deadlineMs);
  return last ?? { kind: INCONCLUSIVE, t: deadlineMs, exposed: 0, prefixHalt: false, ...stats };
}
