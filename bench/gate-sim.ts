import { decide, evidenceOf, NO_STATISTIC, tally } from '../shared/domain/gate/decide';
import { gateVerdict } from '../shared/domain/gate/gate';
import { DEFAULT_GATE_POLICY, evaluateGate, PEER_GATES } from '../shared/domain/gate/index';
import type { GateDecision, GateInput, GatePolicy, GateRule } from '../shared/domain/gate/types';

/**
 * One simulated stage judged by several gate rules. A stage is N devices; device i starts when the
 * job's rollout reaches it (AWS IoT Jobs' maximum maxPerMinute, 1,000/min) and finishes after a
 * lognormal latency (median 10 min, σ 0.8), failing with the true rate. Every rule looks after every
 * event and at the recheck time its last CONTINUE asked for, as the state machine does.
 */
export const POLICY: GatePolicy = DEFAULT_GATE_POLICY;
const ROLLOUT_PER_MINUTE = 1000;
const MEDIAN_MINUTES = 10;
const SIGMA = 0.8;

/**
 * Our gate's decision without the confidence bounds, which only feed the evidence, not the outcome:
 * the same verdict and timing rules as evaluateGate (checked against it on sampled stages).
 */
export const oursFast: GateRule = (policy, input) => {
  const t = tally(input);
  const evidence = evidenceOf('beta-binomial-confidence-sequence', policy, input, t, NO_STATISTIC);
  return decide(policy, input, gateVerdict(policy, input.counts.failed, t, input.counts.targets), evidence);
};

export const RULES: Record<string, GateRule> = {
  ours: oursFast,
  awsAbortConfig: PEER_GATES.awsAbortConfig,
  hawkbit: PEER_GATES.hawkbitThreshold,
  wilsonEveryEvent: PEER_GATES.fixedSampleWilson,
};

export type Stage = { size: number; times: Float64Array; failed: Uint8Array };

/** Finish times (ms after the stage start, ascending) and outcomes of one stage. */
export function simulateStage(size: number, rate: number, random: () => number): Stage {
  const events: { t: number; f: number }[] = [];
  for (let i = 0; i < size; i++) {
    const start = (i / ROLLOUT_PER_MINUTE) * 60_000;
    // Box–Muller; the rollout order is random, so outcomes are independent of start order.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const latency = MEDIAN_MINUTES * Math.exp(SIGMA * z) * 60_000;
    events.push({ t: start + latency, f: random() < rate ? 1 : 0 });
  }
  events.sort((a, b) => a.t - b.t);
  return {
    size,
    times: Float64Array.from(events, (e) => e.t),
    failed: Uint8Array.from(events, (e) => e.f),
  };
}

export type Outcome = {
  decision: 'HALT' | 'PROMOTE' | 'INCONCLUSIVE';
  /** Executions finished when the decision was taken: for a halt, the devices that ran the update. */
  finished: number;
  /** Minutes from the stage start to the decision. */
  minutes: number;
};

const terminal = (d: GateDecision): Outcome['decision'] | undefined =>
  d.outcome === 'HALT'
    ? 'HALT'
    : d.outcome === 'PROMOTE'
      ? 'PROMOTE'
      : d.outcome === 'INCONCLUSIVE_AT_DEADLINE'
        ? 'INCONCLUSIVE'
        : undefined;

/** A rule's answer for (counts, phase): every rule here reads `now` only against the bake end and deadline. */
type Look = { kind: Outcome['decision'] | undefined; recheckAt: number };
export type LookCache = Map<number, Look>;

/** Runs one rule over one stage until its first terminal decision; `cache` memoises looks (exact). */
export function judge(rule: GateRule, stage: Stage, cache?: LookCache, policy: GatePolicy = POLICY): Outcome {
  let succeeded = 0;
  let failed = 0;
  let recheckAt = Number.POSITIVE_INFINITY;
  const bakeEnd = policy.bakeSeconds * 1000;
  const deadline = policy.deadlineSeconds * 1000;
  const side = stage.size + 1;
  const look = (now: number): Outcome | undefined => {
    const phase = now >= deadline ? 2 : now >= bakeEnd ? 1 : 0;
    const key = (phase * side + failed) * side + succeeded;
    let answer = cache?.get(key);
    if (!answer) {
      const counts = { targets: stage.size, succeeded, failed, excluded: 0 };
      const d = rule(policy, { counts, stageStartedAt: 0, now } satisfies GateInput);
      answer = {
        kind: terminal(d),
        recheckAt: d.outcome === 'CONTINUE' ? d.recheckAt : Number.POSITIVE_INFINITY,
      };
      cache?.set(key, answer);
    }
    if (answer.kind) return { decision: answer.kind, finished: succeeded + failed, minutes: now / 60_000 };
    recheckAt = answer.recheckAt > now ? answer.recheckAt : Number.POSITIVE_INFINITY;
    return undefined;
  };
  for (let i = 0; i < stage.size; i++) {
    const t = stage.times[i] ?? 0;
    while (recheckAt <= t) {
      const due = look(recheckAt);
      if (due) return due;
    }
    if (stage.failed[i]) failed += 1;
    else succeeded += 1;
    const after = look(t);
    if (after) return after;
  }
  for (let guard = 0; guard < 10 && Number.isFinite(recheckAt); guard++) {
    const due = look(recheckAt);
    if (due) return due;
  }
  return { decision: 'INCONCLUSIVE', finished: succeeded + failed, minutes: policy.deadlineSeconds / 60 };
}

/** True when oursFast decides exactly as evaluateGate on this stage. */
export const agreesWithEvaluateGate = (stage: Stage, cache: LookCache): boolean => {
  const a = judge(oursFast, stage, cache);
  const b = judge(evaluateGate, stage);
  return a.decision === b.decision && a.finished === b.finished && a.minutes === b.minutes;
};
