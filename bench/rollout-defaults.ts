import os from 'node:os';
import { machine, mulberry32, option, pct, printTable, writeResult } from './common';
import { policyFor } from './gate-run';
import { type Decision, HALT, judge, OursTables, PROMOTE } from './gate-sim';
import { isWorker, runPool, serve } from './pool';
import { PrefixHalt } from './prefix-gate';
import {
  DEFAULT_STAGE,
  defaultRollout,
  type JobRollout,
  type Looks,
  MINUTE,
  StageSimulator,
  type TimingModel,
} from './stage-sim';

// Rollout defaults: how much a stage's jobExecutionsRolloutConfig limits the devices a bad update
// reaches before the gate halts it, and what it costs a healthy stage in time. Our gate, and the
// what-if prefix halt rule (prefix-gate.ts), on the same stages. `--trials N` (default 500), `--quick`.

const exponential = (base: number, factor: number, succeeded: number, max = 1000): JobRollout => ({
  maximumPerMinute: Math.min(1000, Math.max(1, Math.round(max))),
  exponentialRate: {
    baseRatePerMinute: Math.min(1000, Math.max(1, Math.round(base))),
    incrementFactor: factor,
    rateIncreaseCriteria: { numberOfSucceededThings: Math.max(1, Math.round(succeeded)) },
  },
});
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
/** A cohort of c devices per in-progress timeout at first, doubled each time another c succeeded. */
const cohort = (c: number) => exponential(c / (DEFAULT_STAGE.inProgressTimeoutMs / MINUTE), 2, c);

export const CANDIDATES: Record<string, { text: string; rollout: (size: number) => JobRollout }> = {
  former: {
    text: '10/min, ×2 per 50 succeeded, ≤ 1,000/min (the default before cohort-200)',
    rollout: () => exponential(10, 2, 50),
  },
  'ramp-n/10': {
    text: '10/min, ×2 per max(50, N/10) succeeded',
    rollout: (n) => exponential(10, 2, Math.max(50, Math.ceil(n / 10))),
  },
  'cohort-n/20': {
    text: 'c = clamp(N/20, 50, 500): c per timeout (c/30 a minute), ×2 per c succeeded',
    rollout: (n) => cohort(clamp(Math.ceil(n / 20), 50, 500)),
  },
  'cohort-200': {
    text: 'c = min(N, 200): c per timeout, ×2 per c succeeded (the default: job-rollout.ts)',
    rollout: (n) => cohort(Math.min(n, 200)),
  },
  'capped-2h': {
    text: '10/min, ×2 per 50 succeeded, ≤ max(10, N/120)/min (the stage released over ≥ 2 h)',
    rollout: (n) => exponential(10, 2, 50, Math.max(10, n / 120)),
  },
  'capped-4h': {
    text: '10/min, ×2 per 50 succeeded, ≤ max(10, N/240)/min (the stage released over ≥ 4 h)',
    rollout: (n) => exponential(10, 2, 50, Math.max(10, n / 240)),
  },
};

const MODELS: TimingModel[] = ['independent', 'late-failures', 'early-failures', 'half-late'];
const SIZES = [250, 1000, 10_000];
const P0 = 0.05;
const MULTIPLES = [0.5, 2, 4];

type Job = { candidate: string; model: TimingModel; size: number; trials: number; seed: number };
type Stat = {
  halted: number;
  promoted: number;
  exposure: number;
  prefixExposure: number;
  /** Mean minutes to the promotes (of a healthy stage) and to the halts (of a bad one). */
  minutesToPromote: number;
  minutesToHalt: number;
};
type Result = Omit<Job, 'trials' | 'seed'> & { rows: (Stat & { multiple: number })[] };

function run(job: Job): Result {
  const { candidate, model, size, trials } = job;
  const policy = policyFor(P0);
  const sim = new StageSimulator(size);
  const ours = new OursTables(policy, size);
  const prefix = new PrefixHalt(ours, size);
  const rollout = CANDIDATES[candidate]?.rollout(size) ?? defaultRollout(size);
  const exposure = (looks: Looks, d: Decision) =>
    d.kind === HALT ? (looks.exposed[d.look] as number) : looks.everStarted;
  const rows = MULTIPLES.map((multiple, r) => {
    const s: Stat = {
      halted: 0,
      promoted: 0,
      exposure: 0,
      prefixExposure: 0,
      minutesToPromote: 0,
      minutesToHalt: 0,
    };
    for (let trial = 0; trial < trials; trial++) {
      const random = mulberry32((job.seed * 1_000_003 + size * 31 + r * 7 + trial * 7919) >>> 0);
      const looks = sim.run({ model, size, rate: multiple * P0, ...DEFAULT_STAGE, rollout }, random);
      const d = judge(looks, ours.verdict, policy.minFinished, DEFAULT_STAGE.bakeMs);
      const w = judge(looks, prefix.verdict, policy.minFinished, DEFAULT_STAGE.bakeMs);
      const minutes = (looks.t[d.look] as number) / MINUTE;
      if (d.kind === HALT) {
        s.halted++;
        s.minutesToHalt += minutes;
      }
      if (d.kind === PROMOTE) {
        s.promoted++;
        s.minutesToPromote += minutes;
      }
      s.exposure += exposure(looks, d);
      s.prefixExposure += exposure(looks, w);
    }
    return {
      multiple,
      halted: s.halted / trials,
      promoted: s.promoted / trials,
      exposure: s.exposure / trials,
      prefixExposure: s.prefixExposure / trials,
      minutesToPromote: s.promoted > 0 ? s.minutesToPromote / s.promoted : Number.NaN,
      minutesToHalt: s.halted > 0 ? s.minutesToHalt / s.halted : Number.NaN,
    };
  });
  return { candidate, model, size, rows };
}

if (isWorker) serve(run);
else await main();

async function main(): Promise<void> {
  const trials = Number(option('trials') ?? (process.argv.includes('--quick') ? 100 : 500));
  const seed = Number(option('seed') ?? 11);
  const workers = Number(option('workers') ?? Math.min(2, os.availableParallelism()));
  const jobs: Job[] = SIZES.slice()
    .reverse()
    .flatMap((size) =>
      MODELS.flatMap((model) =>
        Object.keys(CANDIDATES).map((candidate) => ({ candidate, model, size, trials, seed })),
      ),
    );
  const startedAt = performance.now();
  const loadBefore = machine().loadAverage;
  const results = await runPool<Job, Result>(import.meta.url, jobs, workers);
  const row = (r: Result, m: number) => r.rows.find((x) => x.multiple === m);
  for (const model of MODELS) {
    const rows = Object.keys(CANDIDATES).flatMap((candidate) =>
      SIZES.map((size) => {
        const r = results.find((x) => x.model === model && x.size === size && x.candidate === candidate);
        const [healthy, twice, four] = [0.5, 2, 4].map((m) => (r ? row(r, m) : undefined));
        return {
          rollout: candidate,
          size,
          'promoted at ½ p0 (mean min)': healthy
            ? `${pct(healthy.promoted)} (${Math.round(healthy.minutesToPromote)})`
            : '–',
          'halted at 2 × p0 (mean min)': twice
            ? `${pct(twice.halted)} (${Math.round(twice.minutesToHalt)})`
            : '–',
          'exposure 2 × p0: ours / prefix': twice
            ? `${Math.round(twice.exposure)} / ${Math.round(twice.prefixExposure)}`
            : '–',
          'exposure 4 × p0: ours / prefix': four
            ? `${Math.round(four.exposure)} / ${Math.round(four.prefixExposure)}`
            : '–',
        };
      }),
    );
    printTable(`Rollout defaults, '${model}', p0 5 % (${trials} trials a cell)`, rows);
  }
  printTable(
    'Candidates',
    Object.entries(CANDIDATES).map(([name, c]) => ({ rollout: name, config: c.text })),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  console.log(
    `\n${jobs.length} groups, ${workers} workers: ${seconds.toFixed(0)} s; load average before ${loadBefore.join(' ')}`,
  );
  writeResult(
    'rollout-defaults',
    {
      p0: P0,
      stage: DEFAULT_STAGE,
      candidates: Object.fromEntries(Object.entries(CANDIDATES).map(([k, c]) => [k, c.text])),
      trials,
      seed,
      seconds: Math.round(seconds),
      loadAverageBefore: loadBefore,
      results,
    },
    { compact: true },
  );
}
