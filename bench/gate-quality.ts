import { mulberry32, option, pct, printTable, quantile, round, verdict, writeResult } from './common';
import { agreesWithEvaluateGate, judge, type Outcome, POLICY, RULES, simulateStage } from './gate-sim';
import { powerCeiling } from './power-ceiling';

// Gate quality: the same simulated stages (same seeds) judged by our gate and the peers' rules.
const SIZES = [100, 1000, 10_000];
const MULTIPLES = [0, 0.25, 0.5, 1, 2, 4];
const TRIALS = Number(option('trials') ?? 1000);
// Each 10,000-device trial is ~10,000 looks per rule; the default run uses fewer trials there.
const TRIALS_10K = Number(option('trials-10k') ?? 200);
const SEED = Number(option('seed') ?? 7);
const p0 = POLICY.failureThreshold;
const alpha = 1 - POLICY.confidence;

type CellStats = {
  size: number;
  multiple: number;
  rule: string;
  trials: number;
  halted: number;
  promoted: number;
  inconclusive: number;
  /** Devices that ran the update before the halt; a stage that never halts exposes all of it. */
  exposureMean: number;
  exposureP95: number;
  minutesMean: number;
  minutesP95: number;
};

const cells: CellStats[] = [];
let checked = 0;
let disagreements = 0;
const started = performance.now();
for (const size of SIZES) {
  const trials = size >= 10_000 ? TRIALS_10K : TRIALS;
  for (const multiple of MULTIPLES) {
    const outcomes = new Map<string, Outcome[]>(Object.keys(RULES).map((k) => [k, []]));
    const caches = new Map(Object.keys(RULES).map((k) => [k, new Map()]));
    const random = mulberry32(SEED * 1_000_003 + size * 31 + multiple * 1000);
    for (let trial = 0; trial < trials; trial++) {
      const stage = simulateStage(size, multiple * p0, random);
      for (const [name, rule] of Object.entries(RULES))
        outcomes.get(name)?.push(judge(rule, stage, caches.get(name)));
      // The fast path must decide exactly as evaluateGate does; check it on a sample of stages.
      if (size <= 1000 && trial % 50 === 0) {
        checked += 1;
        if (!agreesWithEvaluateGate(stage, caches.get('ours') ?? new Map())) disagreements += 1;
      }
    }
    for (const [rule, list] of outcomes) {
      const exposure = list.map((o) => (o.decision === 'HALT' ? o.finished : size)).sort((a, b) => a - b);
      const minutes = list.map((o) => o.minutes).sort((a, b) => a - b);
      const share = (d: Outcome['decision']) => list.filter((o) => o.decision === d).length / list.length;
      cells.push({
        size,
        multiple,
        rule,
        trials,
        halted: share('HALT'),
        promoted: share('PROMOTE'),
        inconclusive: share('INCONCLUSIVE'),
        exposureMean: exposure.reduce((a, b) => a + b, 0) / exposure.length,
        exposureP95: quantile(exposure, 0.95),
        minutesMean: minutes.reduce((a, b) => a + b, 0) / minutes.length,
        minutesP95: quantile(minutes, 0.95),
      });
    }
  }
}

for (const size of SIZES) {
  const rows = cells
    .filter((c) => c.size === size)
    .map((c) => ({
      'rate (× p0)': `${c.multiple}× (${pct(c.multiple * p0)})`,
      rule: c.rule,
      halted: pct(c.halted),
      promoted: pct(c.promoted),
      'inconcl.': pct(c.inconclusive),
      'exposure mean': round(c.exposureMean),
      'exposure p95': round(c.exposureP95),
      'min to decision (mean / p95)': `${round(c.minutesMean)} / ${round(c.minutesP95)}`,
    }));
  printTable(`Stage size ${size} (${cells.find((c) => c.size === size)?.trials} trials per cell)`, rows);
}

const cell = (size: number, multiple: number, rule: string) =>
  cells.find((c) => c.size === size && c.multiple === multiple && c.rule === rule);
/** A rule's false-halt share: the most it halts at any true rate ≤ ½ p0. */
const falseHalt = (size: number, rule: string) =>
  Math.max(...[0, 0.25, 0.5].map((m) => cell(size, m, rule)?.halted ?? 1));
const targets = SIZES.flatMap((size) => {
  const ours = falseHalt(size, 'ours');
  const halfRate = cell(size, 0.5, 'ours')?.halted ?? 1;
  const atTwice = cell(size, 2, 'ours')?.halted ?? 0;
  const peers = Object.keys(RULES).filter((r) => r !== 'ours' && falseHalt(size, r) <= ours);
  const exposureRows = [2, 4].map((m) => {
    const mine = cell(size, m, 'ours')?.exposureMean ?? Number.POSITIVE_INFINITY;
    const theirs = peers.map((r) => `${r} ${round(cell(size, m, r)?.exposureMean ?? Number.NaN)}`);
    const beaten = peers.every((r) => mine < (cell(size, m, r)?.exposureMean ?? 0));
    return {
      size,
      target: `mean exposure at ${m}× below every peer with false halts ≤ ours`,
      measured: `ours ${round(mine)}; ${theirs.join(', ') || 'no peer qualifies'}`,
      result: peers.length === 0 ? 'pass (no peer qualifies)' : verdict(beaten),
    };
  });
  return [
    {
      size,
      target: `false halts at ½ p0 ≤ ${pct(alpha)}`,
      measured: pct(halfRate),
      result: verdict(halfRate <= alpha),
    },
    {
      size,
      target: 'halted at 2× p0 ≥ 99%',
      // What no rule can beat, to tell a weak gate from a target the stage size cannot reach.
      measured: `${pct(atTwice)} (ceiling for any rule: ${pct(powerCeiling(size, p0 / 2, 2 * p0, alpha))} with false halts ≤ ${pct(alpha)} at ½ p0, ${pct(powerCeiling(size, p0, 2 * p0, alpha))} at p0)`,
      result: verdict(atTwice >= 0.99),
    },
    ...exposureRows,
  ];
});
printTable('Targets', targets);
console.log(
  `\nfast path vs evaluateGate: ${checked - disagreements} of ${checked} sampled stages identical; ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s`,
);

writeResult('gate-quality', {
  policy: POLICY,
  model: 'rollout 1,000/min; latency lognormal (median 10 min, σ 0.8); a look after every event',
  seed: SEED,
  trials: { default: TRIALS, size10000: TRIALS_10K },
  fastPathCheck: { checked, disagreements },
  cells,
  targets,
});
