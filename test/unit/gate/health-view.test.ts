import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../bench/common';
import { HALT, INCONCLUSIVE, judge, OursTables, PROMOTE } from '../../../bench/gate-sim';
import { CadenceGate, StartPoints } from '../../../bench/health-cadence';
import { benchRollout } from '../../../bench/health-reconcile';
import { replayAtProductCadence, replayHealthThroughGate } from '../../../bench/health-replay';
import { pairedExtra, plannedStage, ruleRow } from '../../../bench/health-run';
import { healthLooks, healthLooksFor, judgedAt, maturesAt, secondEndRank } from '../../../bench/health-view';
import { PrefixHalt } from '../../../bench/prefix-gate';
import {
  DEFAULT_STAGE,
  type DeviceTrace,
  defaultRollout,
  emptyLog,
  emptyTrace,
  StageSimulator,
} from '../../../bench/stage-sim';
import { appendStartPoint, resolveGatePolicy, type StartPoint } from '../../../shared/domain/gate';
import { withHealth } from '../../../shared/domain/rollout/health-counts';
import { gatePolicyOf } from '../../../shared/domain/rollout/plan';
import { healthLookSeconds } from '../../../shared/domain/rollout/stage-health';

// The health bench (gate-quality --health): the gate's view of a stage under health.reconnectMinutes.
const MIN = 60_000;
const W10 = 10 * MIN;
const { bakeMs, deadlineMs } = DEFAULT_STAGE;

/** A trace from [start minute, success minute, brick] per device, in start order and success order. */
function traceOf(devices: [number, number, boolean][]): DeviceTrace {
  const trace = emptyTrace(devices.length);
  devices.forEach(([start], i) => {
    trace.startAt[i] = start * MIN;
  });
  trace.starts = devices.length;
  const bySuccess = devices.map((d, i) => ({ d, rank: i + 1 })).sort((a, b) => a.d[1] - b.d[1]);
  bySuccess.forEach(({ d, rank }, i) => {
    trace.successAt[i] = d[1] * MIN;
    trace.successBrick[i] = d[2] ? 1 : 0;
    trace.successRank[i] = rank;
  });
  trace.successes = devices.length;
  return trace;
}

const rows = (looks: ReturnType<typeof healthLooksFor>) =>
  Array.from({ length: looks.count }, (_, j) => [
    (looks.t[j] as number) / MIN,
    looks.failed[j],
    looks.succeeded[j],
    looks.exposed[j],
    looks.failedRank[j],
  ]);

describe('health view of a stage (bench/health-view.ts)', () => {
  it('a success settles at its minute bucket end + window + 60 s grace; a brick fails at success + window + grace', () => {
    expect(maturesAt(2.5 * MIN, W10)).toBe(14 * MIN);
    expect(maturesAt(3 * MIN, W10)).toBe(15 * MIN);
    expect(judgedAt(2.5 * MIN, W10)).toBe(13.5 * MIN);
  });

  it('counts as withHealth does: a judged brick is failed, successes in an open bucket are running', () => {
    // Arrange: a healthy success at 2:30, a brick at 2:40 (same bucket), a healthy one at 5:00.
    const trace = traceOf([
      [0.2, 2.5, false],
      [0.3, 2 + 2 / 3, true],
      [0.5, 5, false],
    ]);
    const stage = { size: 3, windowMs: W10, bakeMs, deadlineMs, jobSettled: true };

    // Act
    const looks = healthLooks(trace, stage, healthLooksFor(3));

    // Assess: [minute, failed, succeeded, exposed, rank]
    expect(rows(looks)).toEqual([
      [13 + 2 / 3, 1, 0, 3, 0], // the brick judged; the other two still running (the clamp keeps 2 pending)
      [14, 1, 1, 3, 0], // bucket 2 over
      [17, 1, 2, 3, 0], // bucket 5 over: every health verdict final
      [30, 1, 2, 3, 0], // the bake end
    ]);
    expect(looks.settledIndex).toBe(2);
    expect(looks.bakeIndex).toBe(3);
    // The same counts from the product's withHealth: 3 succeeded by the job, 1 unhealthy, 3 in open buckets.
    const product = withHealth(
      { targets: 3, started: 3, succeeded: 3, failed: 0, excluded: 0 },
      { unhealthy: 1, pending: 3 },
    );
    expect([product.failed, product.succeeded]).toEqual([1, 0]);
  });

  it('ranked (the product): a judged brick carries the starts up to the end of its start second', () => {
    // Arrange: A, B (bricks) and C start in the same second; A and B are judged at the same moment.
    const trace = traceOf([
      [0.2, 2.5, true],
      [0.2, 2.5, true],
      [0.2, 1, false],
      [0.5, 1.5, false],
      [0.5, 1, false],
    ]);
    const stage = { size: 5, windowMs: W10, bakeMs, deadlineMs, jobSettled: true, ranked: true };

    // Act
    const looks = healthLooks(trace, stage, healthLooksFor(5));

    // Assess: [minute, failed, succeeded, exposed, rank]
    expect(rows(looks)).toEqual([
      [13, 0, 3, 5, 0], // bucket 1 over (C, D, E)
      [13.5, 2, 0, 5, 3], // A judged: halt-only look (no successes) with the moment's final counts
      [13.5, 2, 1, 5, 3], // B judged: the moment's look
      [14, 2, 3, 5, 0], // bucket 2 over
      [30, 2, 3, 5, 0], // the bake end
    ]);
    expect(looks.settledIndex).toBe(3);
    expect([secondEndRank(trace, 1), secondEndRank(trace, 3), secondEndRank(trace, 4)]).toEqual([3, 3, 5]);
  });

  it('the ranked view refuses a stage whose job reported failures (their starts are not traced)', () => {
    const trace = traceOf([[0.2, 2.5, true]]);
    trace.failureAt[0] = MIN;
    trace.failures = 1;
    const stage = { size: 1, windowMs: W10, bakeMs, deadlineMs, jobSettled: true, ranked: true };
    expect(() => healthLooks(trace, stage, healthLooksFor(1))).toThrow(RangeError);
  });

  it('a stage whose job has not settled, or whose windows end after the deadline, is never settled', () => {
    const trace = traceOf([[0.2, 1435, false]]);
    const late = healthLooks(
      trace,
      { size: 1, windowMs: W10, bakeMs, deadlineMs, jobSettled: true },
      healthLooksFor(1),
    );
    expect(late.settledIndex).toBe(-1);
    expect((late.t[late.count - 1] as number) / MIN).toBe(1440);
    const early = traceOf([[0.2, 3, false]]);
    const open = healthLooks(
      early,
      { size: 2, windowMs: W10, bakeMs, deadlineMs, jobSettled: false },
      healthLooksFor(2),
    );
    expect(open.settledIndex).toBe(-1);
  });
});

describe("the 'silent-bricks' model and its check against the product", () => {
  const policy = resolveGatePolicy({ failureThreshold: 0.05 });

  it('the job reports every failing device as a success: it never shows a failure', () => {
    const sim = new StageSimulator(200);
    const trace = emptyTrace(200);
    const looks = sim.run(
      { model: 'silent-bricks', size: 200, rate: 0.2, ...DEFAULT_STAGE, rollout: defaultRollout(200) },
      mulberry32(3),
      undefined,
      trace,
    );
    const bricks = trace.successBrick.slice(0, trace.successes).reduce((a, b) => a + b, 0);
    expect(looks.failed[looks.count - 1]).toBe(0);
    expect(trace.failures).toBe(0);
    expect(trace.successes).toBe(200);
    expect(bricks).toBeGreaterThan(20);
    expect(bricks).toBeLessThan(60);
  });

  it('the bench plan resolves to the gate policy the fast path uses', () => {
    expect(gatePolicyOf(plannedStage(0.05, 10).stage)).toEqual(policy);
  });

  it.each([10, 30])(
    "window %i min: every prefix (health-view.ts, ranked) decides as the product's Reconcile run after every event, the job read after every brick's second",
    async (minutes) => {
      const size = 150;
      const sim = new StageSimulator(size);
      const trace = emptyTrace(size);
      const tables = new OursTables(policy, size);
      const prefix = new PrefixHalt(tables, size);
      const rollout = benchRollout(plannedStage(0.05, minutes).plan);
      const kinds = new Set<number>();
      let prefixHalts = 0;
      let soonerThanWholeStage = 0;
      for (const [seed, rate] of [
        [1, 0.025],
        [2, 0.1],
        [3, 0.2],
        [4, 0.05],
        [5, 0.3],
        [6, 0.15],
      ] as const) {
        const log = emptyLog();
        const looks = sim.run(
          { model: 'silent-bricks', size, rate, ...DEFAULT_STAGE, rollout: defaultRollout(size) },
          mulberry32(seed),
          log,
          trace,
        );
        const stage = {
          size,
          windowMs: minutes * MIN,
          bakeMs,
          deadlineMs,
          jobSettled: looks.settledIndex >= 0,
        };
        const rl = healthLooks(trace, { ...stage, ranked: true }, healthLooksFor(size));
        const fast = judge(rl, prefix.verdict, policy.minFinished, bakeMs);
        const slow = await replayHealthThroughGate(rollout, log, trace, deadlineMs);
        expect({ kind: slow.kind, t: slow.t, exposed: slow.exposed }).toEqual({
          kind: fast.kind,
          t: rl.t[fast.look],
          exposed: rl.exposed[fast.look],
        });
        kinds.add(fast.kind);
        if (slow.prefixHalt) prefixHalts++;
        const hl = healthLooks(trace, stage, healthLooksFor(size));
        const whole = judge(hl, tables.verdict, policy.minFinished, bakeMs);
        if (fast.kind === HALT && (whole.kind !== HALT || (hl.t[whole.look] as number) > slow.t))
          soonerThanWholeStage++;
      }
      // Not vacuous: halts and other outcomes, halts of the prefix rule with unhealthy starts, and
      // stages where it halts before the whole-stage rule alone would.
      expect(kinds.has(HALT)).toBe(true);
      expect(kinds.has(PROMOTE) || kinds.has(INCONCLUSIVE)).toBe(true);
      expect(prefixHalts).toBeGreaterThan(0);
      expect(soonerThanWholeStage).toBeGreaterThan(0);
    },
  );
});

describe("ours at the product's cadence (bench/health-cadence.ts)", () => {
  const policy = resolveGatePolicy({ failureThreshold: 0.05 });

  it('StartPoints keeps what appendStartPoint keeps, thinning included', () => {
    const random = mulberry32(9);
    const points = new StartPoints();
    let product: StartPoint[] = [];
    let at = 0;
    let exposed = 0;
    for (let i = 0; i < 700; i++) {
      // Mostly increasing, sometimes repeated: both are ignored by the product unless both grow.
      at += random() < 0.1 ? 0 : Math.floor(random() * 40_000);
      exposed += random() < 0.1 ? 0 : Math.floor(random() * 20);
      points.append(at, exposed);
      product = appendStartPoint(product, { at, exposed });
      const mine = Array.from({ length: points.count }, (_, k) => ({
        at: points.at[k],
        exposed: points.exposed[k],
      }));
      expect(mine).toEqual(product);
    }
    expect(product.length).toBeLessThanOrEqual(128);
    expect(product.length).toBeGreaterThan(60);
  });

  it.each([10, 30])(
    'window %i min: decides as replayAtProductCadence (the product functions on its schedule), no sooner than every prefix',
    async (minutes) => {
      const size = 400;
      const sim = new StageSimulator(size);
      const trace = emptyTrace(size);
      const tables = new OursTables(policy, size);
      const every = new PrefixHalt(tables, size);
      const planned = plannedStage(0.05, minutes);
      const rollout = benchRollout(planned.plan);
      const gate = new CadenceGate(tables, {
        size,
        windowMs: minutes * MIN,
        bakeMs,
        deadlineMs,
        longestWaitMs: (healthLookSeconds(planned.stage) ?? 0) * 1000,
        minFinished: policy.minFinished,
      });
      const kinds = new Set<number>();
      let prefixHalts = 0;
      for (const [seed, rate] of [
        [1, 0.1],
        [2, 0.2],
        [3, 0.025],
        [4, 0.1],
        [5, 0.05],
        [6, 0.15],
      ] as const) {
        const log = emptyLog();
        const looks = sim.run(
          { model: 'silent-bricks', size, rate, ...DEFAULT_STAGE, rollout: defaultRollout(size) },
          mulberry32(seed),
          log,
          trace,
        );
        const fast = gate.decide(trace);
        const product = await replayAtProductCadence(rollout, log, trace, deadlineMs);
        expect({ kind: fast.kind, t: fast.t, exposed: fast.exposed, runs: fast.runs }).toEqual({
          kind: product.kind,
          t: product.t,
          exposed: product.exposed,
          runs: product.runs,
        });
        kinds.add(fast.kind);
        if (product.prefixHalt) prefixHalts++;
        const stage = {
          size,
          windowMs: minutes * MIN,
          bakeMs,
          deadlineMs,
          jobSettled: looks.settledIndex >= 0,
        };
        const rl = healthLooks(trace, { ...stage, ranked: true }, healthLooksFor(size));
        const e = judge(rl, every.verdict, policy.minFinished, bakeMs);
        expect(fast.t).toBeGreaterThanOrEqual(rl.t[e.look] as number);
        if (e.kind !== HALT) expect(fast.kind).toBe(e.kind);
      }
      expect(kinds.has(HALT)).toBe(true);
      expect(kinds.has(PROMOTE) || kinds.has(INCONCLUSIVE)).toBe(true);
      expect(prefixHalts).toBeGreaterThan(0);
    },
  );
});

describe('summaries of the health bench (bench/health-run.ts)', () => {
  it('ruleRow: shares, devices started at the decision, exposure and minutes', () => {
    const kind = Uint8Array.from([HALT, PROMOTE, INCONCLUSIVE, HALT]);
    const started = Int32Array.from([10, 100, 100, 30]);
    const minutes = Float64Array.from([20, 60, 90, 40]);
    const ever = Int32Array.from([100, 100, 100, 100]);
    const row = ruleRow(kind, started, minutes, ever);
    expect(row).toMatchObject({
      halted: 0.5,
      promoted: 0.25,
      inconclusive: 0.25,
      startedMean: 60,
      exposureMean: (10 + 100 + 100 + 30) / 4,
      minutesMean: 52.5,
      minutesMedian: 50,
      minutesToHalt: 30,
      minutesToPromote: 60,
    });
  });

  it('pairedExtra: extra minutes only on the stages both promoted', () => {
    const fast = Uint8Array.from([PROMOTE, PROMOTE, HALT, PROMOTE]);
    const slow = Uint8Array.from([PROMOTE, INCONCLUSIVE, HALT, PROMOTE]);
    const extra = pairedExtra(
      fast,
      Float64Array.from([50, 50, 10, 60]),
      slow,
      Float64Array.from([62, 0, 10, 80]),
    );
    expect(extra).toMatchObject({ pairs: 2, median: 16, mean: 16 });
    expect(pairedExtra(fast, new Float64Array(4), new Uint8Array(4), new Float64Array(4))).toBeNull();
  });
});
