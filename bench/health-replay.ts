import type { GateDecision } from '../shared/domain/gate/index';
import type { Rollout } from '../shared/domain/rollout/model';
import { healthLookSeconds, nextHealthChange } from '../shared/domain/rollout/stage-health';
import { HALT, INCONCLUSIVE, PROMOTE, type Replayed } from './gate-sim';
import { DISCONNECT_AFTER_MS, type Reads, StageReplay } from './health-reconcile';
import { judgedAt, maturesAt } from './health-view';
import type { DeviceTrace, EventLog } from './stage-sim';

/**
 * Replays of one stage through the product's Reconcile (health-reconcile.ts), the checks of the fast
 * paths on sampled stages; each must decide as its fast path, to the second.
 *
 * - replayAtProductCadence, the check of health-cadence.ts (`ours`): Reconcile when the product runs
 *   it (each run sets the next, as withHealthWait does: the gate's recheck, the next health change, at
 *   most healthLookSeconds, in whole seconds) on the reads the product makes ('product'). The tracker's
 *   wake-ups are left out: in this model its estimate never concludes before Reconcile does (it sees
 *   no job failure, and counts successes as Reconcile does).
 * - replayHealthThroughGate, the check of health-view.ts (`…EveryPrefix`): a run at every event of
 *   the job, every health change and every recheck the gate or the health counts ask for, on the
 *   every-prefix start history ('brick-seconds').
 */

const kindOf = (d: GateDecision) =>
  d.outcome === 'HALT'
    ? HALT
    : d.outcome === 'PROMOTE'
      ? PROMOTE
      : d.outcome === 'INCONCLUSIVE_AT_DEADLINE'
        ? INCONCLUSIVE
        : undefined;

export type ReplayedHealth = Replayed & {
  mostConfirmedAtOnce: number;
  /** The most unhealthy starts a run passed to the gate (assessHealth keeps at most MAX_STARTS). */
  mostUnhealthyStarts: number;
  /** The decision was a halt of the prefix rule (evidence.haltPrefix), not of the whole stage. */
  prefixHalt: boolean;
  /** Reconcile runs. */
  runs: number;
};

type Run = { outcome: ReplayedHealth } | { recheckAt: number };

async function run(replay: StageReplay, now: number, runs: number): Promise<Run> {
  const { decision: d, read } = await replay.reconcile(now);
  const kind = kindOf(d);
  if (kind) {
    const exposed = read.job ? read.job.inProgress + read.job.succeeded : 0;
    const prefixHalt = d.outcome === 'HALT' && d.evidence.haltPrefix !== null;
    return { outcome: { kind, t: now, exposed, prefixHalt, runs, ...replay.stats } };
  }
  // withHealthWait: the earlier of the gate's recheck and the next health change.
  const gateNext = d.outcome === 'CONTINUE' && d.recheckAt > now ? d.recheckAt : Number.POSITIVE_INFINITY;
  return {
    recheckAt: Math.min(gateNext, nextHealthChange(replay.planned, read, now) ?? Number.POSITIVE_INFINITY),
  };
}

export async function replayHealthThroughGate(
  rollout: Rollout,
  log: EventLog,
  trace: DeviceTrace,
  deadlineMs: number,
  reads: Reads = 'brick-seconds',
): Promise<ReplayedHealth> {
  const replay = new StageReplay(rollout, log, trace, reads);
  const { windowMs } = replay;
  const healthTimes: number[] = [];
  for (let i = 0; i < trace.successes; i++) {
    const s = trace.successAt[i] as number;
    healthTimes.push(maturesAt(s, windowMs));
    if (trace.successBrick[i]) healthTimes.push(judgedAt(s, windowMs), s + DISCONNECT_AFTER_MS);
  }
  const times = [...new Set([...log.t, ...healthTimes])].sort((a, b) => a - b);
  let runs = 0;
  const at = async (now: number): Promise<ReplayedHealth | undefined> => {
    replay.advance(now);
    const r = await run(replay, now, ++runs);
    if ('outcome' in r) return r.outcome;
    recheckAt = r.recheckAt;
    return undefined;
  };
  let recheckAt = Number.POSITIVE_INFINITY;
  const first = await at(0);
  if (first) return first;
  for (const t of [...times, Number.POSITIVE_INFINITY]) {
    while (recheckAt < t && recheckAt < deadlineMs) {
      const due = await at(recheckAt);
      if (due) return due;
    }
    if (t >= deadlineMs) break;
    const now = await at(t);
    if (now) return now;
  }
  const last = await at(deadlineMs);
  return last ?? { kind: INCONCLUSIVE, t: deadlineMs, exposed: 0, prefixHalt: false, runs, ...replay.stats };
}

export async function replayAtProductCadence(
  rollout: Rollout,
  log: EventLog,
  trace: DeviceTrace,
  deadlineMs: number,
): Promise<ReplayedHealth> {
  const replay = new StageReplay(rollout, log, trace, 'product');
  const longest = (healthLookSeconds(replay.planned) ?? Number.POSITIVE_INFINITY) * 1000;
  let runs = 0;
  for (let now = 0; ; ) {
    replay.advance(Math.min(now, deadlineMs));
    const r = await run(replay, Math.min(now, deadlineMs), ++runs);
    if ('outcome' in r) return r.outcome;
    if (now >= deadlineMs) break;
    // stepDecision and withHealthWait: whole seconds, at least one.
    const wait = Math.min(r.recheckAt - now, longest);
    now += Math.max(1, Math.ceil(wait / 1000)) * 1000;
  }
  return { kind: INCONCLUSIVE, t: deadlineMs, exposed: 0, prefixHalt: false, runs, ...replay.stats };
}
