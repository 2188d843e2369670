import { PRESENCE_GRACE_MS } from '../shared/domain/rollout/health-presence';
import { type DeviceTrace, emptyLooks, type Looks, MINUTE } from './stage-sim';

/**
 * The stage as our gate sees it when the plan asks for `health.reconnectMinutes` (issue 17): the
 * counts of countsWithHealth (shared/domain/rollout/stage-health.ts) at every moment they change.
 *
 * - A success is still running until its minute bucket's window (and the presence grace) is over:
 *   pendingSuccesses releases the successes of bucket b at (b + 1) min + window + grace.
 * - A silent brick (reported SUCCEEDED, went offline, never came back) is judged unhealthy at
 *   success + window + grace (presenceVerdict; Reconcile looks then: health.nextCheckAt) and counts
 *   as a failure from then on.
 * - withHealth takes the unhealthy ones out of the successes first, then the pending ones, so for the
 *   rest of its minute a judged brick is failed and one more success stays pending (the clamp below).
 * - A job failure (FAILED, REJECTED, TIMED_OUT) counts when the job reports it.
 *
 * Only these moments can make the gate decide (a job success moves nothing: the success is pending),
 * plus the bake end and the deadline, as for the job's own looks (gate-sim.ts).
 *
 * `ranked` (the product since 126e09e): a judged brick also takes part in the prefix halt rule at its
 * execution's start. Reconcile passes each unhealthy device's startedAt (DescribeJobExecution, kept
 * in health.unhealthyStarts) to the gate with the failed executions' starts; prefixesOf counts a start
 * only in the reads of the job after its second. So a brick's rank here is the number of executions
 * started by the end of its start second. As in gate-quality, every prefix is looked at (as if the job
 * were read after every second in which one started): the product has its own reads (every ≤ 30 s
 * while events arrive, and at each Reconcile), at most 128 of them kept (appendStartPoint), which
 * health-cadence.ts models.
 */

export type HealthStage = {
  /** The job's targets (a snapshot job: fixed). */
  readonly size: number;
  readonly windowMs: number;
  readonly bakeMs: number;
  readonly deadlineMs: number;
  /** Every execution of the job reported before the deadline (the job's looks settled). */
  readonly jobSettled: boolean;
  /**
   * The prefix rule's view too: each brick judged at a look carries its rank (see above), one look per
   * brick. Every look of a moment but its last is halt-only (no successes: it cannot promote) with the
   * moment's final counts, so a moment decides as Reconcile's one evaluation with all its verdicts.
   */
  readonly ranked?: boolean;
};

/** When a success's health is settled: its minute bucket's end + window + grace (pendingSuccesses). */
export const maturesAt = (succeededAt: number, windowMs: number): number =>
  (Math.floor(succeededAt / MINUTE) + 1) * MINUTE + windowMs + PRESENCE_GRACE_MS;

/** When a silent brick is judged unhealthy (presenceVerdict: the window and its grace are over). */
export const judgedAt = (succeededAt: number, windowMs: number): number =>
  succeededAt + windowMs + PRESENCE_GRACE_MS;

/** Looks buffers big enough for the health view of a stage of `size` (one per minute bucket at most). */
export const healthLooksFor = (size: number): Looks => emptyLooks(2 * size + 24 * 60 + 8);

/** Fills `out` with the gate's looks on the stage of `trace` under health; returns it. */
export function healthLooks(trace: DeviceTrace, stage: HealthStage, out: Looks): Looks {
  const { size, windowMs, bakeMs, deadlineMs } = stage;
  const n = trace.successes;
  out.count = 0;
  out.bakeIndex = -1;
  out.settledIndex = -1;
  // Pointers: starts ≤ τ, successes ≤ τ, job failures ≤ τ, bricks judged ≤ τ, successes matured ≤ τ.
  let started = 0;
  let succeeded = 0;
  let jobFailed = 0;
  let judged = 0;
  let matured = 0;
  let nextBrick = nextBrickFrom(trace, 0);
  // `before`: the bake end's look sees the counts before any event of its own second (as stage-sim.ts).
  const look = (t: number, before = false, rank = 0): number => {
    const due = (x: number) => x < t || (!before && x === t);
    while (started < trace.starts && due(trace.startAt[started] as number)) started++;
    while (succeeded < n && due(trace.successAt[succeeded] as number)) succeeded++;
    const pending = Math.min(succeeded - matured, succeeded - judged);
    const i = out.count++;
    out.t[i] = t;
    out.failed[i] = jobFailed + judged;
    out.succeeded[i] = succeeded - judged - pending;
    out.exposed[i] = started;
    out.targets[i] = size;
    out.failedRank[i] = rank;
    return i;
  };
  if (stage.ranked && trace.failures > 0)
    throw new RangeError('the ranked view places health failures only: job failures would need their start');
  const ranks: number[] = [];
  for (;;) {
    const tFail =
      jobFailed < trace.failures ? (trace.failureAt[jobFailed] as number) : Number.POSITIVE_INFINITY;
    const tJudge =
      nextBrick < n ? judgedAt(trace.successAt[nextBrick] as number, windowMs) : Number.POSITIVE_INFINITY;
    const tMature =
      matured < n ? maturesAt(trace.successAt[matured] as number, windowMs) : Number.POSITIVE_INFINITY;
    const t = Math.min(tFail, tJudge, tMature);
    if (t === Number.POSITIVE_INFINITY) break;
    if (out.bakeIndex < 0 && t >= bakeMs) {
      out.bakeIndex = out.count;
      look(bakeMs, true);
    }
    if (t >= deadlineMs) break;
    // Everything due at t, then one look: Reconcile sees all of it at once.
    while (jobFailed < trace.failures && (trace.failureAt[jobFailed] as number) <= t) jobFailed++;
    ranks.length = 0;
    while (nextBrick < n && judgedAt(trace.successAt[nextBrick] as number, windowMs) <= t) {
      judged++;
      if (stage.ranked) ranks.push(secondEndRank(trace, trace.successRank[nextBrick] as number));
      nextBrick = nextBrickFrom(trace, nextBrick + 1);
    }
    while (matured < n && maturesAt(trace.successAt[matured] as number, windowMs) <= t) matured++;
    for (let k = 0; k + 1 < ranks.length; k++) out.succeeded[look(t, false, ranks[k])] = 0;
    look(t, false, ranks.at(-1) ?? 0);
  }
  const settled = stage.jobSettled && matured === n && nextBrick === n;
  if (settled) out.settledIndex = out.count - 1;
  if (out.bakeIndex < 0) {
    out.bakeIndex = out.count;
    look(bakeMs, true);
  }
  if (!settled) look(deadlineMs);
  out.everStarted = trace.starts;
  return out;
}

/** Executions started by the end of the second in which the `rank`-th one started (prefixesOf's cut). */
export function secondEndRank(trace: DeviceTrace, rank: number): number {
  const second = Math.floor((trace.startAt[rank - 1] as number) / 1000);
  let k = rank;
  while (k < trace.starts && Math.floor((trace.startAt[k] as number) / 1000) === second) k++;
  return k;
}

function nextBrickFrom(trace: DeviceTrace, from: number): number {
  let i = from;
  while (i < trace.successes && (trace.successBrick[i] as number) === 0) i++;
  return i;
}
