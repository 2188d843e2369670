import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../bench/common';
import {
  judge,
  OursTables,
  replayThroughEvaluateGate,
  type Verdict,
  type VerdictAt,
} from '../../../bench/gate-sim';
import {
  DEFAULT_STAGE,
  defaultRollout,
  emptyLog,
  StageSimulator,
  TIMING_MODELS,
  type TimingModel,
} from '../../../bench/stage-sim';
import {
  evaluateGate,
  failuresToHaltAt,
  type GatePolicy,
  maxFailuresToPromoteAt,
  resolveGatePolicy,
  sequentialTest,
} from '../../../shared/domain/gate';

/**
 * The gate's promises whatever order outcomes arrive in (issue 12). Two parts:
 * 1. Deterministic, searched by fast-check over adversarial report timings: a HALT means the failures
 *    among the executions in start order already cross the halt boundary, and a PROMOTE means they are
 *    below the promote boundary even if every pending execution fails. Those are the events whose
 *    probability the calibration and Ville's inequality bound, so the error rates hold for any timing.
 * 2. Statistical, on seeded stages of bench/stage-sim.ts in every timing model (AWS's exponential
 *    rollout, default timeout and bake): false halts at p0 and wrong promotes at 1.5·p0.
 * Each property is also run against the old rule (decide on finished executions only) to show it fails.
 */

const ALPHA = 0.05;
/** Upper acceptance limit for a measured share whose true value is at most `bound`: + 3 standard errors. */
const withSlack = (bound: number, trials: number) => bound + 3 * Math.sqrt((bound * (1 - bound)) / trials);

type Counts = { targets: number; started: number; succeeded: number; failed: number };
type Rule = (policy: GatePolicy, counts: Counts, open: boolean, now: number) => 'HALT' | 'PROMOTE' | 'OTHER';

const gate: Rule = (policy, counts, targetsOpen, now) => {
  const d = evaluateGate(policy, { counts: { ...counts, excluded: 0 }, targetsOpen, stageStartedAt: 0, now });
  return d.outcome === 'HALT' || d.outcome === 'PROMOTE' ? d.outcome : 'OTHER';
};

/** The rule before issue 12: the sequential test on finished executions, pending ignored. */
const finishedOnly: Rule = (policy, counts, _open, now) => {
  const finished = counts.succeeded + counts.failed;
  const test = sequentialTest(policy, counts.failed, finished, counts.targets);
  if (test === 'above') return 'HALT';
  const promotable = finished >= policy.minFinished && now >= policy.bakeSeconds * 1000;
  return test === 'below' && promotable ? 'PROMOTE' : 'OTHER';
};

/** One execution: whether it fails, when it leaves QUEUED, how long until it reports. */
const executionArb = fc.record({
  roll: fc.integer({ min: 0, max: 99 }),
  start: fc.integer({ min: 0, max: 600 }),
  // 0: reports as it starts (REJECTED from QUEUED); large: hangs until a timeout.
  report: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 600, max: 1800 })),
});
const stageArb = fc.record({
  failurePercent: fc.integer({ min: 0, max: 60 }),
  executions: fc.array(executionArb, { minLength: 1, maxLength: 120 }),
});

type StageOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

// p0 20 % so that promotes are reachable with a hundred executions; no bake, one finished needed.
const SMALL_POLICY = resolveGatePolicy({ failureThreshold: 0.2, minFinished: 1, bakeSeconds: 0 });

/** Replays a stage event by event; checks the decision at every look against the start-order truth. */
function dominated(rule: Rule, stage: StageOf<typeof stageArb>): boolean {
  const policy = SMALL_POLICY;
  const targets = stage.executions.length;
  const runs = stage.executions.map((e) => ({ ...e, fails: e.roll < stage.failurePercent }));
  const events = runs
    .flatMap((e, i) => [
      { t: e.start, i, report: false },
      { t: e.start + e.report, i, report: true },
    ])
    .sort((a, b) => a.t - b.t || Number(a.report) - Number(b.report));
  let started = 0;
  let succeeded = 0;
  let failed = 0;
  let trueFailures = 0;
  for (const ev of events) {
    const run = runs[ev.i];
    if (!run) continue;
    if (!ev.report) {
      started++;
      if (run.fails) trueFailures++;
    } else if (run.fails) failed++;
    else succeeded++;
    const d = rule(policy, { targets, started, succeeded, failed }, started < targets, ev.t * 1000);
    // HALT only if the first `started` in start order cross the halt boundary themselves.
    if (d === 'HALT' && trueFailures < (failuresToHaltAt(policy, started, targets) ?? started + 1))
      return false;
    // PROMOTE only if they are below the promote boundary, whatever the pending turn out to be.
    if (d === 'PROMOTE' && trueFailures > maxFailuresToPromoteAt(policy, started)) return false;
  }
  return true;
}

describe('decisions are dominated by the start-order sequence, whatever the report timing', () => {
  it('evaluateGate: HALT only when the started executions cross the boundary, PROMOTE only below it', () => {
    fc.assert(
      fc.property(stageArb, (stage) => dominated(gate, stage)),
      { numRuns: 300, seed: 12 },
    );
  });

  it('the old rule (finished executions only) is not: fast-check finds a timing that fools it', () => {
    const result = fc.check(
      fc.property(stageArb, (stage) => dominated(finishedOnly, stage)),
      { numRuns: 300, seed: 12 },
    );
    expect(result.failed).toBe(true);
  });

  it('no PROMOTE that the pending executions could flip: every split of them into failures keeps it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        (targets, startShare, finishShare, failShare) => {
          const started = Math.floor(targets * startShare);
          const finished = Math.floor(started * finishShare);
          const failed = Math.floor(finished * failShare);
          const counts = { targets, started, succeeded: finished - failed, failed };
          if (gate(SMALL_POLICY, counts, false, 1e9) !== 'PROMOTE') return;
          const pending = started - finished;
          for (let j = 0; j <= pending; j++) {
            const after = { ...counts, succeeded: counts.succeeded + pending - j, failed: failed + j };
            expect(gate(SMALL_POLICY, after, false, 1e9)).toBe('PROMOTE');
          }
        },
      ),
      { numRuns: 2000, seed: 13 },
    );
  });
});

/** The rules as verdicts on the simulator's looks (same tables as the gate: gate-sim.ts). */
const P0 = 0.05;
const POLICY = resolveGatePolicy({ failureThreshold: P0 });

function rates(
  size: number,
  verdict: (tables: OursTables) => VerdictAt,
  model: TimingModel,
  rate: number,
  stages: number,
) {
  const sim = new StageSimulator(size);
  const tables = new OursTables(POLICY, size);
  const v = verdict(tables);
  let halted = 0;
  let promoted = 0;
  for (let s = 0; s < stages; s++) {
    const looks = sim.run(
      { model, size, rate, ...DEFAULT_STAGE, rollout: defaultRollout(size) },
      mulberry32(s * 7919 + size),
    );
    const d = judge(looks, v, POLICY.minFinished, DEFAULT_STAGE.bakeMs);
    if (d.kind === 1) halted++;
    if (d.kind === 2) promoted++;
  }
  return { halted: halted / stages, promoted: promoted / stages };
}

const ours = (t: OursTables): VerdictAt => t.verdict;
/** The old rule on the same looks: (failed, finished) in place of (failed, exposed) and pending ignored. */
const old =
  (t: OursTables): VerdictAt =>
  (looks, j): Verdict => {
    const failed = looks.failed[j] as number;
    const finished = failed + (looks.succeeded[j] as number);
    if (finished === 0) return 0;
    if (failed >= (t.haltFor(looks.targets[j] as number)[finished] as number)) return 1;
    return failed <= (t.promote[finished] as number) ? 2 : 0;
  };

describe.each(TIMING_MODELS)(
  "timing model '%s' (AWS exponential rollout, 30 min timeout and bake)",
  (model) => {
    it('the simulation decides as evaluateGate does with a look after every event', () => {
      const sim = new StageSimulator(100);
      const tables = new OursTables(POLICY, 100);
      for (const [s, rate] of [
        [1, 0.5 * P0],
        [2, 2 * P0],
        [3, 4 * P0],
      ] as const) {
        const log = emptyLog();
        const looks = sim.run(
          { model, size: 100, rate, ...DEFAULT_STAGE, rollout: defaultRollout(100) },
          mulberry32(s),
          log,
        );
        const fast = judge(looks, tables.verdict, POLICY.minFinished, DEFAULT_STAGE.bakeMs);
        const slow = replayThroughEvaluateGate(POLICY, log, DEFAULT_STAGE.deadlineMs);
        expect(slow).toEqual({ kind: fast.kind, t: looks.t[fast.look], exposed: looks.exposed[fast.look] });
      }
    });

    for (const [size, stages] of [
      [250, 600],
      [1000, 200],
    ] as const) {
      it(`${size} devices: false halts at p0 ≤ α (+3 SE), wrong promotes at 1.5·p0 ≤ α`, () => {
        expect(rates(size, ours, model, P0, stages).halted).toBeLessThanOrEqual(withSlack(ALPHA, stages));
        expect(rates(size, ours, model, 1.5 * P0, stages).promoted).toBeLessThanOrEqual(ALPHA);
      });
    }
  },
);

describe('the same checks catch the old rule', () => {
  it('late failures: promoting on finished executions promotes most 250-device stages at 1.5·p0', () => {
    expect(rates(250, old, 'late-failures', 1.5 * P0, 200).promoted).toBeGreaterThan(0.5);
  });

  it('early failures: halting on finished executions halts most 250-device stages at p0 (a false halt)', () => {
    expect(rates(250, old, 'early-failures', P0, 200).halted).toBeGreaterThan(0.5);
  });
});
