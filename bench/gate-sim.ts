import {
  calibrationHorizon,
  evaluateGate,
  failuresToHaltAt,
  type GateDecision,
  type GatePolicy,
  maxFailuresToPromoteAt,
} from '../shared/domain/gate/index';
import type { EventLog, Looks } from './stage-sim';

/**
 * Judging a simulated stage (stage-sim.ts) the way the state machine does: a look after every event
 * and at the recheck times the gate asks for (the bake end, then the deadline); the first HALT,
 * PROMOTE or INCONCLUSIVE_AT_DEADLINE ends the stage.
 *
 * Only terminal events can make a rule decide. A start (or a new target) adds an exposed execution
 * that is pending: on the halt side a success, which never raises ln M(failed, exposed) above p0; on
 * the promote side a failure, which never raises the evidence below p0; and it makes the stage
 * unsettled. So looks at terminal events, the bake end and the deadline decide exactly as looks after
 * every event: `replayThroughEvaluateGate` checks it on sampled stages.
 */

export const NONE = 0;
export const HALT = 1;
export const PROMOTE = 2;
export type Verdict = typeof NONE | typeof HALT | typeof PROMOTE;
export const INCONCLUSIVE = 3;
export type DecisionKind = typeof HALT | typeof PROMOTE | typeof INCONCLUSIVE;
export const KIND_NAME = { 1: 'HALT', 2: 'PROMOTE', 3: 'INCONCLUSIVE' } as const;

/** A rule's verdict at look j of a stage, before the timing rules. */
export type VerdictAt = (looks: Looks, j: number) => Verdict;

export type Decision = { kind: DecisionKind; look: number };

/**
 * The timing rules of decide.ts on top of a verdict: HALT at once; PROMOTE from the bake end on with
 * minFinished finished; once the stage is settled, INCONCLUSIVE unless a promote only waits for the
 * bake; INCONCLUSIVE at the deadline.
 */
export function judge(looks: Looks, verdict: VerdictAt, minFinished: number, bakeMs: number): Decision {
  for (let j = 0; j < looks.count; j++) {
    const v = verdict(looks, j);
    if (v === HALT) return { kind: HALT, look: j };
    const finished = (looks.failed[j] as number) + (looks.succeeded[j] as number);
    const promotable = v === PROMOTE && finished >= minFinished;
    if (promotable && j >= looks.bakeIndex) return { kind: PROMOTE, look: j };
    if (j === looks.settledIndex && !(promotable && (looks.t[j] as number) < bakeMs)) {
      return { kind: INCONCLUSIVE, look: j };
    }
  }
  return { kind: INCONCLUSIVE, look: looks.count - 1 };
}

/**
 * Our gate in O(1) a look: the fewest failures that halt among n exposed (per calibration horizon,
 * since the halt level follows the target count) and the most failures (pending counted) that promote.
 */
export class OursTables {
  readonly promote: Int32Array;
  readonly #halt = new Map<number, Int32Array>();
  #lastTargets = -1;
  #lastHalt: Int32Array = new Int32Array(0);

  constructor(
    readonly policy: GatePolicy,
    readonly maxSize: number,
    /** A continuous job's group that can grow: the gate keeps Ville's α (targetsGrowing). */
    readonly growing = false,
  ) {
    this.promote = new Int32Array(maxSize + 1);
    for (let n = 0; n <= maxSize; n++) this.promote[n] = n === 0 ? -1 : maxFailuresToPromoteAt(policy, n);
  }

  /** h[n] for a stage of `targets`: the fewest failures among n exposed that halt (n + 1: none). */
  haltFor(targets: number): Int32Array {
    if (targets === this.#lastTargets) return this.#lastHalt;
    const key = this.growing ? -1 : (calibrationHorizon(targets, this.policy.failureThreshold) ?? -1);
    let h = this.#halt.get(key);
    if (!h) {
      h = new Int32Array(this.maxSize + 1);
      h[0] = 1;
      const horizon = key === -1 ? undefined : targets;
      for (let n = 1; n <= this.maxSize; n++) h[n] = failuresToHaltAt(this.policy, n, horizon) ?? n + 1;
      this.#halt.set(key, h);
    }
    this.#lastTargets = targets;
    this.#lastHalt = h;
    return h;
  }

  readonly verdict: VerdictAt = (looks, j) => {
    const failed = looks.failed[j] as number;
    const exposed = looks.exposed[j] as number;
    if (exposed === 0) return NONE;
    if (failed >= (this.haltFor(looks.targets[j] as number)[exposed] as number)) return HALT;
    const pending = exposed - failed - (looks.succeeded[j] as number);
    return failed + pending <= (this.promote[exposed] as number) ? PROMOTE : NONE;
  };
}

const kindOf = (d: GateDecision): DecisionKind | undefined =>
  d.outcome === 'HALT'
    ? HALT
    : d.outcome === 'PROMOTE'
      ? PROMOTE
      : d.outcome === 'INCONCLUSIVE_AT_DEADLINE'
        ? INCONCLUSIVE
        : undefined;

export type Replayed = { kind: DecisionKind; t: number; exposed: number };

/**
 * The stage through evaluateGate itself: a look at the stage start, after every event of the log
 * (starts, releases, joins and terminal events) and at every recheckAt the last CONTINUE asked for,
 * as the state machine does.
 */
export function replayThroughEvaluateGate(
  policy: GatePolicy,
  log: EventLog,
  deadlineMs: number,
  targetsGrowing = false,
): Replayed {
  let recheckAt = Number.POSITIVE_INFINITY;
  // i = −1: the stage start, nothing started yet.
  const at = (i: number, now: number): Replayed | undefined => {
    const started = i < 0 ? 0 : (log.started[i] ?? 0);
    const counts = {
      targets: log.targets[Math.max(0, i)] ?? 0,
      started,
      succeeded: i < 0 ? 0 : (log.succeeded[i] ?? 0),
      failed: i < 0 ? 0 : (log.failed[i] ?? 0),
      excluded: 0,
    };
    const targetsOpen = i < 0 || (log.open[i] ?? false);
    const d = evaluateGate(policy, { counts, targetsOpen, targetsGrowing, stageStartedAt: 0, now });
    const kind = kindOf(d);
    if (kind) return { kind, t: now, exposed: started };
    recheckAt = d.outcome === 'CONTINUE' && d.recheckAt > now ? d.recheckAt : Number.POSITIVE_INFINITY;
    return undefined;
  };
  const first = at(-1, 0);
  if (first) return first;
  for (let i = 0; i <= log.t.length; i++) {
    const t = i < log.t.length ? (log.t[i] ?? 0) : Number.POSITIVE_INFINITY;
    // A recheck due before this event sees the counts after the previous one.
    while (recheckAt <= t && recheckAt <= deadlineMs) {
      const due = at(i - 1, recheckAt);
      if (due) return due;
    }
    if (i === log.t.length || t >= deadlineMs) break;
    const now = at(i, t);
    if (now) return now;
  }
  return { kind: INCONCLUSIVE, t: deadlineMs, exposed: log.started.at(-1) ?? 0 };
}
