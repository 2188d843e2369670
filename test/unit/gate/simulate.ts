import {
  evaluateGate,
  type GateDecision,
  type GateInput,
  type GateOutcome,
  type GatePolicy,
  type GateReason,
} from '../../../shared/domain/gate';
import { normalQuantile } from '../../../shared/domain/gate/math';

export type GateRule = (policy: GatePolicy, input: GateInput) => GateDecision;

/**
 * The naive rule the gate's guarantee is measured against: HALT when the fixed-sample Wilson lower
 * bound of failed/finished is above p0, looked at after every event (otherwise our gate's decision).
 */
export const naiveWilsonRule: GateRule = (policy, input) => {
  const { failed, succeeded } = input.counts;
  const n = failed + succeeded;
  const d = evaluateGate(policy, input);
  if (n === 0) return d.outcome === 'HALT' ? { ...d, outcome: 'CONTINUE', recheckAt: input.now + 1 } : d;
  const z = normalQuantile(policy.confidence);
  const p = failed / n;
  const lower =
    (p + (z * z) / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return lower > policy.failureThreshold ? { ...d, outcome: 'HALT', reason: 'RATE_ABOVE_THRESHOLD' } : d;
};

/** mulberry32: a small seeded PRNG, so every simulated stage is reproducible (no Math.random). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type SimulationOptions = {
  readonly rule: GateRule;
  readonly policy: GatePolicy;
  readonly stages: number;
  /** Devices targeted per stage (the finite population). */
  readonly targets: number;
  /** Events per stage; defaults to targets. Fewer than targets means the stage never completes. */
  readonly events?: number;
  /** True failure probability of each execution, independent (the superpopulation model). */
  readonly rate: number;
  /** Instead: exactly this many of the targets fail, finishing in a random order (the finite population). */
  readonly fixedFailures?: number;
  readonly seed: number;
};

export type SimulationResult = {
  readonly stages: number;
  /** Stages that were ever told HALT, looking after every event (even after a PROMOTE). */
  readonly halted: number;
  readonly haltShare: number;
  /** Mean finished executions at the first HALT, over halted stages. */
  readonly meanFinishedAtHalt: number;
  readonly haltReasons: Partial<Record<GateReason, number>>;
  /** Stages told PROMOTE before any HALT. */
  readonly promotedFirst: number;
  /** Outcome (and action) at the last look of the stages that never halted. */
  readonly finalOutcomes: Partial<Record<string, number>>;
};

function shuffledOutcomes(targets: number, failures: number, random: () => number): boolean[] {
  const fails = Array.from({ length: targets }, (_, i) => i < failures);
  for (let i = targets - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [fails[i], fails[j]] = [fails[j] ?? false, fails[i] ?? false];
  }
  return fails;
}

const START = 1_700_000_000_000;

/**
 * Runs stages with a look after every event. Event i arrives i seconds after the stage start, so a
 * decision depends only on (failed, finished): it is memoised, which is valid because the rules are pure.
 */
export function simulate(o: SimulationOptions): SimulationResult {
  const events = o.events ?? o.targets;
  const memo = new Map<number, { outcome: GateOutcome; reason: GateReason; action?: string }>();
  const look = (failed: number, finished: number) => {
    const key = failed * (events + 1) + finished;
    let hit = memo.get(key);
    if (hit === undefined) {
      // Every started execution has reported: this model has no timing bias (timing-models.test.ts has).
      const counts = {
        targets: o.targets,
        started: finished,
        succeeded: finished - failed,
        failed,
        excluded: 0,
      };
      const d = o.rule(o.policy, {
        counts,
        targetsOpen: false,
        stageStartedAt: START,
        now: START + finished * 1000,
      });
      hit = { outcome: d.outcome, reason: d.reason, ...('action' in d ? { action: d.action } : {}) };
      memo.set(key, hit);
    }
    return hit;
  };
  const random = mulberry32(o.seed);
  const haltReasons: Partial<Record<GateReason, number>> = {};
  let halted = 0;
  let finishedAtHalt = 0;
  let promotedFirst = 0;
  const finalOutcomes: Partial<Record<string, number>> = {};
  for (let s = 0; s < o.stages; s++) {
    let failed = 0;
    let promoted = false;
    const fixed =
      o.fixedFailures === undefined ? undefined : shuffledOutcomes(o.targets, o.fixedFailures, random);
    for (let n = 1; n <= events; n++) {
      if (fixed ? fixed[n - 1] : random() < o.rate) failed++;
      const d = look(failed, n);
      if (n === events && d.outcome !== 'HALT') {
        const key = d.action ? `${d.outcome}:${d.action}` : d.outcome;
        finalOutcomes[key] = (finalOutcomes[key] ?? 0) + 1;
      }
      if (d.outcome === 'PROMOTE' && !promoted) {
        promoted = true;
        promotedFirst++;
      }
      if (d.outcome === 'HALT') {
        halted++;
        finishedAtHalt += n;
        haltReasons[d.reason] = (haltReasons[d.reason] ?? 0) + 1;
        break;
      }
    }
  }
  return {
    stages: o.stages,
    halted,
    haltShare: halted / o.stages,
    meanFinishedAtHalt: halted > 0 ? finishedAtHalt / halted : 0,
    haltReasons,
    promotedFirst,
    finalOutcomes,
  };
}

/** Upper acceptance limit for an observed share whose true value is at most `bound`: bound + 3 standard errors. */
export function withSlack(bound: number, trials: number): number {
  return bound + 3 * Math.sqrt((bound * (1 - bound)) / trials);
}
