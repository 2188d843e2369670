import { abortBackstop } from '../shared/domain/rollout/abort-backstop';
import { resolvePlan } from '../shared/domain/rollout/plan';
import { healthLookSeconds } from '../shared/domain/rollout/stage-health';
import { mulberry32, quantile } from './common';
import { policyFor } from './gate-run';
import { type DecisionKind, HALT, judge, OursTables, PROMOTE, type VerdictAt } from './gate-sim';
import { CadenceGate } from './health-cadence';
import { benchRollout } from './health-reconcile';
import { replayAtProductCadence, replayHealthThroughGate } from './health-replay';
import { healthLooks, healthLooksFor } from './health-view';
import { type AwsAbortConfig, awsAbortVerdict, type HawkbitThreshold, hawkbitVerdict } from './peers';
import { PrefixHalt } from './prefix-gate';
import { DEFAULT_STAGE, defaultRollout, emptyLog, emptyTrace, MINUTE, StageSimulator } from './stage-sim';

/**
 * One cell of the health bench (`gate-quality --health`): stages of the 'silent-bricks' model at one
 * size, p0 and true rate, judged by every rule on the same stages. Ours with health (a window of 10
 * and of 30 minutes) as the product runs it since 126e09e (`ours10`, `ours30`: health-cadence.ts): the
 * whole-stage rule and the prefix rule, a judged brick placed at its execution's start, on the reads of
 * the job the product keeps, at its Reconcile runs. `…EveryPrefix`: the same rules looked at on every
 * prefix after every change (health-view.ts, gate-quality's look at the prefix rule). `…WholeStage`:
 * health failures in the whole-stage rule only, the product before 126e09e. Ours without health and
 * the peers see the job's statuses only, where a silent brick is a success.
 */

export const HEALTH_MULTIPLES = [0.5, 1, 2, 4] as const;
export const WINDOWS_MIN = [10, 30] as const;

const RULES = [
  'ours10',
  'ours30',
  'ours10EveryPrefix',
  'ours30EveryPrefix',
  'ours10WholeStage',
  'ours30WholeStage',
  'oursNoHealth',
  'awsBackstop',
  'awsTuned',
  'hawkbitTuned',
] as const;
export type RuleName = (typeof RULES)[number];

export type HealthJob = {
  health: true;
  size: number;
  p0: number;
  multiple: number;
  trials: number;
  seed: number;
  /** The peers' configuration tuned once for every timing model (gate-quality's robustPeers), if any. */
  awsTuned: AwsAbortConfig | null;
  hawkbitTuned: HawkbitThreshold | null;
  /** Replay every so many stages through the product's functions (0: none). */
  checkEvery: number;
};

export type RuleRow = {
  halted: number;
  promoted: number;
  inconclusive: number;
  /** Devices that had started the update when the decision was taken: mean, p95. */
  startedMean: number;
  startedP95: number;
  /** Devices started at a halt, every device that started in the stage otherwise (gate-quality's exposure). */
  exposureMean: number;
  minutesMean: number;
  minutesMedian: number;
  minutesToHalt: number | null;
  minutesToPromote: number | null;
};

export type HealthCell = {
  size: number;
  p0: number;
  multiple: number;
  trials: number;
  rules: Record<RuleName, RuleRow | null>;
  /** The configurations the peers ran with (null: none tuned for this size and p0). */
  peers: {
    awsBackstop: AwsAbortConfig;
    awsTuned: AwsAbortConfig | null;
    hawkbitTuned: HawkbitThreshold | null;
  };
  /** Failures the job reported in any stage: 0 means no rule on job statuses can see one. */
  jobFailuresSeen: number;
  /** Extra minutes to PROMOTE with health, paired on the stages both promoted (window → stats). */
  waitCost: Record<string, { pairs: number; median: number; p90: number; mean: number } | null>;
  /** The most health failures counted at any halt of ours (Reconcile confirms ≤ 100 at a time). */
  mostFailuresAtHalt: number;
  /** The most health failures counted at any decision of ours (assessHealth passes ≤ 1,000 starts). */
  mostFailuresAtDecision: number;
  checks: {
    stages: number;
    mismatches: string[];
    mostConfirmedAtOnce: number;
    mostUnhealthyStarts: number;
    /** Replayed stages the product halted on the prefix rule (not the whole stage's count). */
    prefixHalts: number;
    /** Reconcile runs in the product-cadence replays, and looks in the every-event ones. */
    productRuns: number;
    everyEventRuns: number;
  };
};

/** Summary of one rule's decisions over a cell's stages (pure; exported for its test). */
export function ruleRow(
  kind: Uint8Array,
  started: Int32Array,
  minutes: Float64Array,
  ever: Int32Array,
): RuleRow {
  const trials = kind.length;
  let halted = 0;
  let promoted = 0;
  let exposure = 0;
  let haltMinutes = 0;
  let promoteMinutes = 0;
  for (let i = 0; i < trials; i++) {
    const k = kind[i] as DecisionKind;
    if (k === HALT) {
      halted++;
      haltMinutes += minutes[i] as number;
    } else if (k === PROMOTE) {
      promoted++;
      promoteMinutes += minutes[i] as number;
    }
    exposure += k === HALT ? (started[i] as number) : (ever[i] as number);
  }
  const s = Array.from(started).sort((a, b) => a - b);
  const m = Array.from(minutes).sort((a, b) => a - b);
  return {
    halted: halted / trials,
    promoted: promoted / trials,
    inconclusive: (trials - halted - promoted) / trials,
    startedMean: s.reduce((a, b) => a + b, 0) / trials,
    startedP95: quantile(s, 0.95),
    exposureMean: exposure / trials,
    minutesMean: m.reduce((a, b) => a + b, 0) / trials,
    minutesMedian: quantile(m, 0.5),
    minutesToHalt: halted > 0 ? haltMinutes / halted : null,
    minutesToPromote: promoted > 0 ? promoteMinutes / promoted : null,
  };
}

/** Extra minutes to PROMOTE under `slow` than under `fast`, on the stages both promoted (pure). */
export function pairedExtra(
  fastKind: Uint8Array,
  fastMinutes: Float64Array,
  slowKind: Uint8Array,
  slowMinutes: Float64Array,
) {
  const extra: number[] = [];
  for (let i = 0; i < fastKind.length; i++) {
    if (fastKind[i] === PROMOTE && slowKind[i] === PROMOTE)
      extra.push((slowMinutes[i] as number) - (fastMinutes[i] as number));
  }
  if (extra.length === 0) return null;
  extra.sort((a, b) => a - b);
  return {
    pairs: extra.length,
    median: quantile(extra, 0.5),
    p90: quantile(extra, 0.9),
    mean: extra.reduce((a, b) => a + b, 0) / extra.length,
  };
}

type Outcome = { kind: number; t: number; exposed: number };

function compare(checks: HealthCell['checks'], label: string, slow: Outcome, fast: Outcome): void {
  if (slow.kind === fast.kind && slow.t === fast.t && slow.exposed === fast.exposed) return;
  const pick = (x: Outcome) => ({ kind: x.kind, t: x.t, exposed: x.exposed });
  checks.mismatches.push(`${label}: ${JSON.stringify({ slow: pick(slow), fast: pick(fast) })}`);
}

const seedOf = (job: HealthJob, trial: number) =>
  (job.seed * 1_000_003 +
    ((job.size * 7 + Math.round(job.p0 * 1000)) * 13 + Math.round(job.multiple * 10)) * 100_003 +
    trial * 7919) >>>
  0;

/** The plan the product would resolve for this gate and window, with its one stage. */
export function plannedStage(p0: number, reconnectMinutes: number) {
  const plan = resolvePlan({
    name: 'bench',
    document: { op: 'update' },
    stages: [
      { name: 'stage', targets: ['group'], gate: { failureThreshold: p0 }, health: { reconnectMinutes } },
    ],
  });
  const stage = plan.stages[0];
  if (!stage) throw new Error('the plan has no stage');
  return { plan, stage };
}

export async function runHealthCell(job: HealthJob): Promise<HealthCell> {
  const { size, p0, multiple, trials } = job;
  const policy = policyFor(p0);
  const { bakeMs, deadlineMs } = DEFAULT_STAGE;
  const spec = { model: 'silent-bricks' as const, size, rate: multiple * p0, ...DEFAULT_STAGE };
  const stageSpec = { ...spec, rollout: defaultRollout(size) };
  const sim = new StageSimulator(size);
  const trace = emptyTrace(size);
  const ours = new OursTables(policy, size);
  const backstop = abortBackstop(size, p0);
  const awsBackstop: AwsAbortConfig = {
    thresholdBasisPoints: Math.round(backstop.thresholdPercentage * 100),
    minExecuted: backstop.minNumberOfExecutedThings,
  };
  const jobRules: [RuleName, VerdictAt | null][] = [
    ['oursNoHealth', ours.verdict],
    ['awsBackstop', awsAbortVerdict(awsBackstop)],
    ['awsTuned', job.awsTuned ? awsAbortVerdict(job.awsTuned) : null],
    ['hawkbitTuned', job.hawkbitTuned ? hawkbitVerdict(job.hawkbitTuned) : null],
  ];
  const windows = WINDOWS_MIN.map((w) => {
    const planned = plannedStage(p0, w);
    const windowMs = w * MINUTE;
    return {
      windowMs,
      // The product at its cadence (health-cadence.ts).
      name: `ours${w}` as RuleName,
      gate: new CadenceGate(ours, {
        size,
        windowMs,
        bakeMs,
        deadlineMs,
        longestWaitMs: (healthLookSeconds(planned.stage) ?? 0) * 1000,
        minFinished: policy.minFinished,
      }),
      rollout: job.checkEvery > 0 ? benchRollout(planned.plan) : undefined,
      // Every prefix after every change (health-view.ts, `ranked`).
      everyName: `ours${w}EveryPrefix` as RuleName,
      ranked: healthLooksFor(size),
      prefix: new PrefixHalt(ours, size),
      // Before 126e09e: health failures in the whole-stage rule only.
      beforeName: `ours${w}WholeStage` as RuleName,
      looks: healthLooksFor(size),
    };
  });
  const out = Object.fromEntries(
    RULES.map((r) => [
      r,
      { kind: new Uint8Array(trials), started: new Int32Array(trials), minutes: new Float64Array(trials) },
    ]),
  ) as Record<RuleName, { kind: Uint8Array; started: Int32Array; minutes: Float64Array }>;
  const ever = new Int32Array(trials);
  const checks: HealthCell['checks'] = {
    stages: 0,
    mismatches: [],
    mostConfirmedAtOnce: 0,
    mostUnhealthyStarts: 0,
    prefixHalts: 0,
    productRuns: 0,
    everyEventRuns: 0,
  };
  let jobFailuresSeen = 0;
  let mostFailuresAtHalt = 0;
  let mostFailuresAtDecision = 0;

  for (let trial = 0; trial < trials; trial++) {
    const check = job.checkEvery > 0 && trial % job.checkEvery === 0;
    const log = check ? emptyLog() : undefined;
    const looks = sim.run(stageSpec, mulberry32(seedOf(job, trial)), log, trace);
    ever[trial] = looks.everStarted;
    jobFailuresSeen += trace.failures;
    for (const [name, verdict] of jobRules) {
      if (!verdict) continue;
      const d = judge(looks, verdict, policy.minFinished, bakeMs);
      const o = out[name];
      o.kind[trial] = d.kind;
      o.started[trial] = looks.exposed[d.look] as number;
      o.minutes[trial] = (looks.t[d.look] as number) / MINUTE;
    }
    const stage = { size, bakeMs, deadlineMs, jobSettled: looks.settledIndex >= 0 };
    for (const w of windows) {
      const c = w.gate.decide(trace);
      const o = out[w.name];
      o.kind[trial] = c.kind;
      o.started[trial] = c.exposed;
      o.minutes[trial] = c.t / MINUTE;
      if (c.kind === HALT) mostFailuresAtHalt = Math.max(mostFailuresAtHalt, c.failed);
      mostFailuresAtDecision = Math.max(mostFailuresAtDecision, c.failed);
      const rl = healthLooks(trace, { ...stage, windowMs: w.windowMs, ranked: true }, w.ranked);
      const e = judge(rl, w.prefix.verdict, policy.minFinished, bakeMs);
      const eo = out[w.everyName];
      eo.kind[trial] = e.kind;
      eo.started[trial] = rl.exposed[e.look] as number;
      eo.minutes[trial] = (rl.t[e.look] as number) / MINUTE;
      const hl = healthLooks(trace, { ...stage, windowMs: w.windowMs }, w.looks);
      const b = judge(hl, ours.verdict, policy.minFinished, bakeMs);
      const bo = out[w.beforeName];
      bo.kind[trial] = b.kind;
      bo.started[trial] = hl.exposed[b.look] as number;
      bo.minutes[trial] = (hl.t[b.look] as number) / MINUTE;
      if (!log || !w.rollout) continue;
      // Each fast path against the product's own functions on the same schedule and reads.
      checks.stages++;
      const label = `${size} ${p0} ×${multiple} #${trial}`;
      const product = await replayAtProductCadence(w.rollout, log, trace, deadlineMs);
      compare(checks, `${label} ${w.name}`, product, c);
      const every = await replayHealthThroughGate(w.rollout, log, trace, deadlineMs);
      compare(checks, `${label} ${w.everyName}`, every, {
        kind: e.kind,
        t: rl.t[e.look] as number,
        exposed: rl.exposed[e.look] as number,
      });
      if (product.prefixHalt) checks.prefixHalts++;
      checks.productRuns += product.runs;
      checks.everyEventRuns += every.runs;
      for (const r of [product, every]) {
        checks.mostConfirmedAtOnce = Math.max(checks.mostConfirmedAtOnce, r.mostConfirmedAtOnce);
        checks.mostUnhealthyStarts = Math.max(checks.mostUnhealthyStarts, r.mostUnhealthyStarts);
      }
    }
  }

  const rules = Object.fromEntries(
    RULES.map((r) => {
      const o = out[r];
      const ran = r === 'awsTuned' ? job.awsTuned : r === 'hawkbitTuned' ? job.hawkbitTuned : true;
      return [r, ran ? ruleRow(o.kind, o.started, o.minutes, ever) : null];
    }),
  ) as Record<RuleName, RuleRow | null>;
  const base = out.oursNoHealth;
  const waitCost = Object.fromEntries(
    WINDOWS_MIN.map((w) => {
      const o = out[`ours${w}` as RuleName];
      return [`${w} min`, pairedExtra(base.kind, base.minutes, o.kind, o.minutes)];
    }),
  );
  return {
    size,
    p0,
    multiple,
    trials,
    rules,
    peers: { awsBackstop, awsTuned: job.awsTuned, hawkbitTuned: job.hawkbitTuned },
    jobFailuresSeen,
    waitCost,
    mostFailuresAtHalt,
    mostFailuresAtDecision,
    checks,
  };
}
