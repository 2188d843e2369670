import { MAX_CONFIRMATIONS, MAX_STARTS, UNJUDGED_RECHECK_MS } from '../shared/services/health-assess';
import { SNAPSHOT_MAX_AGE_MS } from '../shared/services/rollout-tracker';
import { type DecisionKind, HALT, INCONCLUSIVE, type OursTables, PROMOTE } from './gate-sim';
import { DISCONNECT_AFTER_MS } from './health-reconcile';
import { judgedAt, maturesAt } from './health-view';
import type { DeviceTrace } from './stage-sim';

/**
 * Our gate with health as the product runs it (the fast path of `ours`): Reconcile's runs, each
 * setting the next as withHealthWait does (the gate's recheck, the next health change, at most
 * healthLookSeconds, in whole seconds), and the start history the product keeps (a read of the job at
 * each run and, by the tracker, at a terminal event when the last read is SNAPSHOT_MAX_AGE_MS old;
 * appendStartPoint keeps 128). At each run, as Reconcile: assessHealth (a brick is a suspect from its
 * disconnect, judged unhealthy once its window and grace are over, at most MAX_CONFIRMATIONS a run, the
 * rest unjudged and looked at again in UNJUDGED_RECHECK_MS), countsWithHealth, then the whole-stage
 * halt rule, the prefix rule on the kept reads with the unhealthy devices' starts (the oldest
 * MAX_STARTS), the promote rule and decide()'s timing. replayAtProductCadence (health-replay.ts) runs
 * the product's own functions on the same schedule: the bench checks the two agree on sampled stages.
 * The tracker's wake-ups are left out: here its estimate never concludes before Reconcile does.
 */

export type StageTiming = {
  readonly size: number;
  readonly windowMs: number;
  readonly bakeMs: number;
  readonly deadlineMs: number;
  /** healthLookSeconds of the planned stage, in ms. */
  readonly longestWaitMs: number;
  readonly minFinished: number;
};

export type CadenceDecision = {
  kind: DecisionKind;
  t: number;
  exposed: number;
  failed: number;
  runs: number;
};

const MAX_POINTS = 128;

/** appendStartPoint (shared/domain/gate/prefix.ts) in place: the newest kept, the older thinned evenly. */
export class StartPoints {
  count = 0;
  readonly at = new Float64Array(MAX_POINTS + 1);
  readonly exposed = new Int32Array(MAX_POINTS + 1);

  clear(): void {
    this.count = 0;
  }

  append(at: number, exposed: number): void {
    const last = this.count - 1;
    if (last >= 0 && (at <= (this.at[last] as number) || exposed <= (this.exposed[last] as number))) return;
    this.at[this.count] = at;
    this.exposed[this.count++] = exposed;
    if (this.count <= MAX_POINTS) return;
    let j = 0;
    for (let i = 0; i < this.count; i++) {
      if (i % 2 !== 0 && i !== this.count - 1) continue;
      this.at[j] = this.at[i] as number;
      this.exposed[j++] = this.exposed[i] as number;
    }
    this.count = j;
  }
}

export class CadenceGate {
  readonly #points = new StartPoints();
  /** Success indices of suspects not judged yet, in the order they became suspects. */
  readonly #open: number[] = [];
  /** Start seconds of the devices judged unhealthy, ascending. */
  readonly #judged: number[] = [];
  readonly #fewestToHalt: number;

  constructor(
    readonly ours: OursTables,
    readonly stage: StageTiming,
  ) {
    const h = ours.haltFor(stage.size);
    let fewest = Number.POSITIVE_INFINITY;
    for (let n = 1; n <= stage.size; n++) fewest = Math.min(fewest, h[n] as number);
    this.#fewestToHalt = fewest;
  }

  decide(trace: DeviceTrace): CadenceDecision {
    if (trace.failures > 0) throw new RangeError('job failures would need their starts: not modelled here');
    const { size, windowMs, bakeMs, deadlineMs, longestWaitMs, minFinished } = this.stage;
    const h = this.ours.haltFor(size);
    const promote = this.ours.promote;
    const points = this.#points;
    const open = this.#open;
    const judged = this.#judged;
    points.clear();
    open.length = 0;
    judged.length = 0;
    const n = trace.successes;
    let started = 0;
    let succeeded = 0;
    let matured = 0;
    let disconnected = 0;
    let lastRead = Number.NEGATIVE_INFINITY;
    const startedBy = (t: number) => {
      while (started < trace.starts && (trace.startAt[started] as number) <= t) started++;
      return started;
    };
    const read = (t: number) => {
      points.append(t, startedBy(t));
      lastRead = t;
    };
    for (let now = 0, runs = 1; ; runs++) {
      // The tracker: a read at a terminal event when the last is old enough (the job as of that second).
      while (succeeded < n && (trace.successAt[succeeded] as number) <= now) {
        const t = trace.successAt[succeeded++] as number;
        if (t - lastRead >= SNAPSHOT_MAX_AGE_MS) {
          while (succeeded < n && (trace.successAt[succeeded] as number) === t) succeeded++;
          read(t);
        }
      }
      read(now);
      while (matured < succeeded && maturesAt(trace.successAt[matured] as number, windowMs) <= now) matured++;
      for (; disconnected < succeeded; disconnected++) {
        const s = trace.successAt[disconnected] as number;
        if (s + DISCONNECT_AFTER_MS > now) break;
        if (trace.successBrick[disconnected]) open.push(disconnected);
      }
      // assessHealth.
      let confirmations = 0;
      let unjudged = 0;
      let nextCheckAt = Number.POSITIVE_INFINITY;
      let keep = 0;
      for (const i of open) {
        const end = judgedAt(trace.successAt[i] as number, windowMs);
        if (now < end) {
          nextCheckAt = Math.min(nextCheckAt, end);
          open[keep++] = i;
        } else if (confirmations < MAX_CONFIRMATIONS) {
          confirmations++;
          const second = Math.floor((trace.startAt[(trace.successRank[i] as number) - 1] as number) / 1000);
          let k = judged.length;
          judged.push(second);
          while (k > 0 && (judged[k - 1] as number) > second) judged[k] = judged[--k] as number;
          judged[k] = second;
        } else {
          unjudged++;
          open[keep++] = i;
        }
      }
      open.length = keep;
      if (unjudged > 0) nextCheckAt = Math.min(nextCheckAt, now + UNJUDGED_RECHECK_MS);
      // countsWithHealth, then the gate.
      const unhealthy = Math.min(judged.length, succeeded);
      const pending = Math.min(succeeded - matured + unjudged, succeeded - unhealthy);
      const failed = unhealthy;
      const ok = succeeded - unhealthy - pending;
      const running = started - failed - ok;
      const decision = (kind: DecisionKind): CadenceDecision => ({
        kind,
        t: now,
        exposed: started,
        failed,
        runs,
      });
      if (started > 0 && (failed >= (h[started] as number) || this.#prefixHalts(h))) return decision(HALT);
      const promotable = started > 0 && failed + running <= (promote[started] as number);
      const waitingBake = promotable && failed + ok >= minFinished && now < bakeMs;
      if (promotable && failed + ok >= minFinished && now >= bakeMs) return decision(PROMOTE);
      const settled = trace.openUntil <= now && running === 0 && started === size;
      if (now >= deadlineMs || (settled && !waitingBake)) return decision(INCONCLUSIVE);
      // withHealthWait: the earlier of the gate's recheck and the next health change, at most the longest.
      const recheckAt = now < bakeMs ? bakeMs : deadlineMs;
      const bucketEnd =
        matured < succeeded
          ? maturesAt(trace.successAt[matured] as number, windowMs)
          : Number.POSITIVE_INFINITY;
      const next = Math.min(recheckAt, bucketEnd, nextCheckAt) - now;
      now = Math.min(deadlineMs, now + Math.max(1, Math.ceil(Math.min(next, longestWaitMs) / 1000)) * 1000);
    }
  }

  /** Some kept read counts, among the oldest MAX_STARTS unhealthy starts before its second, h(exposed). */
  #prefixHalts(h: Int32Array): boolean {
    const judged = this.#judged;
    if (Math.min(judged.length, MAX_STARTS) < this.#fewestToHalt) return false;
    const points = this.#points;
    let k = 0;
    for (let p = 0; p < points.count; p++) {
      const cut = Math.floor((points.at[p] as number) / 1000);
      while (k < judged.length && (judged[k] as number) < cut) k++;
      const c = Math.min(k, MAX_STARTS);
      const exposed = points.exposed[p] as number;
      if (c > 0 && exposed > 0 && c >= (h[exposed] as number)) return true;
    }
    return false;
  }
}
