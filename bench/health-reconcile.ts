import { appendStartPoint, type GateDecision, type StartPoint } from '../shared/domain/gate/index';
import { successBucket } from '../shared/domain/rollout/health-counts';
import type { PresenceEvent } from '../shared/domain/rollout/health-presence';
import type { JobSnapshot } from '../shared/domain/rollout/job-snapshot';
import type { Rollout, Stage } from '../shared/domain/rollout/model';
import type { ResolvedStage } from '../shared/domain/rollout/plan';
import { judgeStageOnJob, prefixStatuses, startsWith } from '../shared/domain/rollout/stage-gate';
import type { StageHealth } from '../shared/domain/rollout/stage-health';
import { assessHealth } from '../shared/services/health-assess';
import type { ExecutionRead, HealthStore, Suspect } from '../shared/services/health-ports';
import { SNAPSHOT_MAX_AGE_MS } from '../shared/services/rollout-tracker';
import type { DeviceTrace, EventLog } from './stage-sim';

/**
 * One simulated stage as the product's Reconcile step (shared/services/rollout-steps.ts) sees it,
 * for the replays of the health bench (health-replay.ts, health-cadence.ts). `reconcile(now)` runs
 * Reconcile's functions: assessHealth itself on the stage's suspects (presenceVerdict, at most
 * MAX_CONFIRMATIONS confirmed on the execution a run, health.unhealthyStarts from each one's
 * startedAt), judgeStageOnJob on the job's counts (countsFromJob, countsWithHealth on the per-minute
 * success buckets, evaluateGate), then prefixStatuses and judgeStageOnJob again with the unhealthy
 * starts (prefixesOf, haltingPrefix). A silent brick disconnects 30 s after its success and never
 * reconnects; healthy devices are left out of the suspects (they reconnect and are judged healthy:
 * no count changes). The job reports no failed execution, so the unhealthy starts are the only ones.
 *
 * The stage's start history (`reads`):
 * - 'brick-seconds', the fast path's: a read of the job right after every second in which a brick
 *   started (before the first event past it), every one kept. Reads after the other seconds could halt
 *   nothing more: they count no more failures than the read after the last brick second before them,
 *   against a boundary h(exposed) that only grows with exposed.
 * - 'product': the reads the product makes: one at each Reconcile and one at a terminal event when
 *   the last is SNAPSHOT_MAX_AGE_MS old (the tracker), kept by startsWith (at most 128).
 */

export const DISCONNECT_AFTER_MS = 30_000;
const JOB_ID = 'bench-job';
const thingOf = (rank: number) => `thing-${rank}`;

export type Reads = 'brick-seconds' | 'product';

/** The suspects and presence of one stage in memory; a brick's execution is SUCCEEDED. */
class ReplayHealth implements HealthStore {
  readonly all: Suspect[] = [];
  readonly #presence = new Map<string, PresenceEvent[]>();
  /** DescribeJobExecution calls since the last reset: the confirmations of one run. */
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
  /** Folding moves ended buckets into one count: the gate's counts are the same either way. */
  async foldSuccessBuckets(): Promise<boolean> {
    return false;
  }
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

export class StageReplay {
  readonly planned: ResolvedStage;
  readonly windowMs: number;
  readonly stats = { mostConfirmedAtOnce: 0, mostUnhealthyStarts: 0 };
  readonly #store: ReplayHealth;
  readonly #base: Stage;
  readonly #brickStarts = new Set<number>();
  #logIndex = -1;
  #seen = 0;
  #nextBrick = 0;
  #starts: StartPoint[] = [];
  readonly #okBuckets: Record<string, number> = {};
  #health: StageHealth | undefined;
  /** 'brick-seconds': the second of the last brick start not yet followed by a read. */
  #brickSecond = -1;
  /** 'product': when the job was last read. */
  #lastRead = Number.NEGATIVE_INFINITY;

  constructor(
    readonly rollout: Rollout,
    readonly log: EventLog,
    readonly trace: DeviceTrace,
    readonly reads: Reads,
  ) {
    const planned = rollout.plan.stages[0];
    if (!planned) throw new Error('the plan has no stage');
    if (log.failed.some((f) => f > 0))
      throw new RangeError('the replay passes no failed execution starts: the job must report no failure');
    this.planned = planned;
    this.windowMs = (planned.health?.reconnectMinutes ?? 0) * 60_000;
    this.#store = new ReplayHealth(trace);
    this.#base = {
      rolloutId: 'bench',
      index: 0,
      name: planned.name,
      jobId: JOB_ID,
      startedAt: 0,
      targets: Math.max(trace.starts, log.targets[0] ?? 0),
      succeeded: 0,
      failed: 0,
      excluded: 0,
      status: 'RUNNING',
    };
    for (let i = 0; i < trace.successes; i++)
      if (trace.successBrick[i])
        this.#brickStarts.add(trace.startAt[(trace.successRank[i] as number) - 1] as number);
  }

  /** The job and the tracker's state as of `now` (every event at or before it). */
  advance(now: number): void {
    const { log, trace } = this;
    let trackerRead: number | undefined;
    while (this.#logIndex + 1 < log.t.length && (log.t[this.#logIndex + 1] as number) <= now) {
      const i = this.#logIndex + 1;
      const at = log.t[i] as number;
      if (trackerRead !== undefined && at > trackerRead) {
        this.#read(trackerRead);
        trackerRead = undefined;
      }
      if (
        this.reads === 'brick-seconds' &&
        this.#brickSecond >= 0 &&
        Math.floor(at / 1000) > this.#brickSecond
      ) {
        const exposed = log.started[i - 1] as number;
        this.#starts = appendStartPoint(this.#starts, { at, exposed }, Number.POSITIVE_INFINITY);
        this.#brickSecond = -1;
      }
      this.#logIndex = i;
      if (this.#brickStarts.has(at)) this.#brickSecond = Math.floor(at / 1000);
      const terminal =
        (log.succeeded[i] as number) + (log.failed[i] as number) >
        (i > 0 ? (log.succeeded[i - 1] as number) + (log.failed[i - 1] as number) : 0);
      if (this.reads === 'product' && terminal && at - this.#lastRead >= SNAPSHOT_MAX_AGE_MS)
        trackerRead = at;
    }
    if (trackerRead !== undefined) this.#read(trackerRead);
    while (this.#seen < trace.successes && (trace.successAt[this.#seen] as number) <= now) {
      const key = successBucket(trace.successAt[this.#seen] as number);
      this.#okBuckets[key] = (this.#okBuckets[key] ?? 0) + 1;
      this.#seen++;
    }
    for (; this.#nextBrick < this.#seen; this.#nextBrick++) {
      if (!trace.successBrick[this.#nextBrick]) continue;
      if ((trace.successAt[this.#nextBrick] as number) + DISCONNECT_AFTER_MS > now) break;
      this.#store.addBrick(this.#nextBrick, this.windowMs);
    }
  }

  /** The job as DescribeJob shows it after the events processed so far. */
  job(now: number): JobSnapshot {
    const { log } = this;
    const i = Math.max(0, this.#logIndex);
    const before = this.#logIndex < 0;
    const started = before ? 0 : (log.started[i] ?? 0);
    const succeeded = before ? 0 : (log.succeeded[i] ?? 0);
    return {
      at: now,
      status: 'IN_PROGRESS',
      targetsOpen: before || (log.open[i] ?? false),
      queued: (log.targets[i] ?? 0) - started,
      inProgress: started - succeeded,
      succeeded,
      failed: 0,
      rejected: 0,
      timedOut: 0,
      canceled: 0,
      removed: 0,
    };
  }

  /** startsWith: the stage's start history with a read of the job at `at` added (the product's reads). */
  #read(at: number): void {
    this.#starts = startsWith(this.rollout, { ...this.#base, starts: this.#starts }, this.job(at));
    this.#lastRead = at;
  }

  /** Reconcile at `now`: the decision, and the stage as it read it. */
  async reconcile(now: number): Promise<{ decision: GateDecision; read: Stage }> {
    const job = this.job(now);
    if (this.reads === 'product') this.#read(now);
    const stage: Stage = {
      ...this.#base,
      job,
      starts: this.#starts,
      okBuckets: this.#okBuckets,
      ...(this.#health ? { health: this.#health } : {}),
    };
    this.#store.described = 0;
    this.#health = await assessHealth(
      {
        health: this.#store,
        executions: this.#store,
        // The silent-brick stages check no package versions: no shadow is ever read.
        packages: {
          packageShadow: () => Promise.reject(new Error('not used: no package versions')),
          versionUpdateByJobs: () => Promise.reject(new Error('not used: no package versions')),
        },
      },
      this.rollout,
      stage,
      now,
    );
    const { stats } = this;
    stats.mostConfirmedAtOnce = Math.max(stats.mostConfirmedAtOnce, this.#store.described);
    const unhealthyStarts = this.#health?.unhealthyStarts ?? [];
    stats.mostUnhealthyStarts = Math.max(stats.mostUnhealthyStarts, unhealthyStarts.length);
    const read: Stage = { ...stage, ...(this.#health ? { health: this.#health } : {}) };
    let decision = judgeStageOnJob(this.rollout, read, job, now);
    if (decision.outcome !== 'HALT') {
      const statuses = prefixStatuses(
        this.rollout,
        read,
        decision.evidence.failed,
        decision.evidence.exposed,
      );
      if (statuses.length > 0) decision = judgeStageOnJob(this.rollout, read, job, now, unhealthyStarts);
    }
    return { decision, read };
  }
}
