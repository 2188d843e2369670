import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { PRESENCE_GRACE_MS } from '../shared/domain/rollout/health-presence';
import { machine, option, writeResult } from './common';
import { policyFor } from './gate-run';
import { printHealthTables } from './health-report';
import { HEALTH_MULTIPLES, type HealthCell, type HealthJob, WINDOWS_MIN } from './health-run';
import type { AwsAbortConfig, HawkbitThreshold } from './peers';
import { runPool } from './pool';
import { DEFAULT_STAGE } from './stage-sim';

// `npm run bench -- gate-quality --health`: health failures after success (issue 17). The
// 'silent-bricks' model: every failing device reports SUCCEEDED, reboots and never comes back online.
// Our gate with health.reconnectMinutes 10 and 30 (as the product runs it since 126e09e: unhealthy
// devices in the prefix rule at their start; the same on every prefix; and as before 126e09e, the
// whole-stage rule only), ours without health,
// AWS abortConfig (the product's backstop and the peer tuned once for every model by gate-quality) and
// hawkBit (tuned likewise).
// `--quick`: 100 trials a cell. `--trials N`, `--workers N`, `--sizes 100,1000`, `--p0 0.05`, `--seed 7`.

const TUNED_FROM = 'bench/results/gate-quality.json';

export const MODEL_TEXT =
  'every failing device reports SUCCEEDED like a healthy one (latency lognormal, median 10 min), ' +
  'disconnects 30 s later (a reboot) and never reconnects; healthy devices reboot and reconnect within ' +
  'the window. The job sees no failure; our gate counts a brick as failed at success + window + 60 s ' +
  'grace, from then on also in the prefix rule at its execution start, and every success as running ' +
  'until its minute bucket + window + grace is over';

type Tuned = { aws: Map<string, AwsAbortConfig>; hawkbit: Map<string, HawkbitThreshold> };

/** The peers' configurations tuned once for every timing model, from gate-quality's last full run. */
function tunedPeers(): Tuned {
  const tuned: Tuned = { aws: new Map(), hawkbit: new Map() };
  if (!existsSync(TUNED_FROM)) return tuned;
  const data = JSON.parse(readFileSync(TUNED_FROM, 'utf8')) as {
    robustPeers?: {
      rows?: { size: number; p0: number; config: { peer: string } & Record<string, number> }[];
    };
  };
  for (const row of data.robustPeers?.rows ?? []) {
    const key = `${row.size}|${row.p0}`;
    const c = row.config;
    if (!c) continue;
    if (c.peer === 'awsAbortConfig')
      tuned.aws.set(key, {
        thresholdBasisPoints: c.thresholdBasisPoints ?? 0,
        minExecuted: c.minExecuted ?? 0,
      });
    if (c.peer === 'hawkbit') tuned.hawkbit.set(key, { errorBasisPoints: c.errorBasisPoints ?? 0 });
  }
  return tuned;
}

const list = (name: string, all: readonly number[]) => option(name)?.split(',').map(Number) ?? [...all];

export async function healthMain(moduleUrl: string): Promise<void> {
  const quick = process.argv.includes('--quick');
  const trials = Number(option('trials') ?? (quick ? 100 : 1000));
  const seed = Number(option('seed') ?? 7);
  const workers = Number(option('workers') ?? Math.min(2, os.availableParallelism()));
  const sizes = list('sizes', [100, 1000, 10_000]);
  const p0s = list('p0', [0.01, 0.05]);
  const tuned = tunedPeers();
  // The replay through the product's functions costs ~0.1 ms a look: every 100th stage up to 1,000
  // devices, the first stage of each cell at 10,000.
  const checkEvery = (size: number) => (size <= 1000 ? Math.min(100, trials) : trials);
  const jobs: HealthJob[] = sizes
    .flatMap((size) => p0s.flatMap((p0) => HEALTH_MULTIPLES.map((multiple) => ({ size, p0, multiple }))))
    .sort((a, b) => b.size - a.size || a.multiple - b.multiple)
    .map(({ size, p0, multiple }) => ({
      health: true,
      size,
      p0,
      multiple,
      trials,
      seed,
      awsTuned: tuned.aws.get(`${size}|${p0}`) ?? null,
      hawkbitTuned: tuned.hawkbit.get(`${size}|${p0}`) ?? null,
      checkEvery: checkEvery(size),
    }));
  const startedAt = performance.now();
  const loadBefore = machine().loadAverage;
  const cells = await runPool<HealthJob, HealthCell>(moduleUrl, jobs, workers, (c, done) =>
    process.stderr.write(`silent-bricks ${c.size} ${c.p0} ×${c.multiple}: done (${done}/${jobs.length})\n`),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  cells.sort((a, b) => a.size - b.size || a.p0 - b.p0 || a.multiple - b.multiple);
  printHealthTables(cells);
  const checked = cells.reduce((n, c) => n + c.checks.stages, 0);
  const mismatches = cells.flatMap((c) => c.checks.mismatches);
  const most = (f: (c: HealthCell) => number) => Math.max(...cells.map(f));
  const checks = {
    stages: checked,
    prefixHalts: cells.reduce((n, c) => n + c.checks.prefixHalts, 0),
    productRuns: cells.reduce((n, c) => n + c.checks.productRuns, 0),
    everyEventRuns: cells.reduce((n, c) => n + c.checks.everyEventRuns, 0),
    mostConfirmedAtOnce: most((c) => c.checks.mostConfirmedAtOnce),
    mostUnhealthyStarts: most((c) => c.checks.mostUnhealthyStarts),
    mostFailuresAtDecision: most((c) => c.mostFailuresAtDecision),
    mismatches,
  };
  console.log(
    `\nfast paths vs the product's Reconcile (assessHealth, judgeStageOnJob, prefixStatuses), ${checked} ` +
      `sampled stage windows: at the product's cadence and reads ${checks.productRuns} runs, every prefix ` +
      `after every event ${checks.everyEventRuns} looks; ${mismatches.length} mismatches; ` +
      `${checks.prefixHalts} halted by the prefix rule at the product's cadence; most bricks confirmed at ` +
      `one run ${checks.mostConfirmedAtOnce}, most unhealthy starts passed ${checks.mostUnhealthyStarts}; ` +
      `most health failures at a decision ${checks.mostFailuresAtDecision}; job failures seen by the peers ` +
      `${cells.reduce((n, c) => n + c.jobFailuresSeen, 0)}`,
  );
  for (const m of mismatches.slice(0, 10)) console.log(`  MISMATCH ${m}`);
  console.log(
    `${jobs.length} cells, ${trials} trials a cell, ${workers} workers: ${seconds.toFixed(0)} s; load average before ${loadBefore.join(' ')}, after ${machine().loadAverage.join(' ')}`,
  );
  writeResult(
    'gate-health',
    {
      command: `npm run bench -- gate-quality --health${quick ? ' --quick' : ''}`,
      model: MODEL_TEXT,
      policy: { ...policyFor(0.05), failureThreshold: 'per cell' },
      stage: DEFAULT_STAGE,
      windowsMinutes: WINDOWS_MIN,
      presenceGraceMs: PRESENCE_GRACE_MS,
      tunedPeersFrom: TUNED_FROM,
      seed,
      trials,
      seconds: Math.round(seconds),
      loadAverageBefore: loadBefore,
      checks,
      cells,
    },
    { compact: true },
  );
}
