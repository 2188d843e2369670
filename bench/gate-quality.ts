import os from 'node:os';
import { machine, option, writeResult } from './common';
import { healthMain } from './gate-health';
import { crossModel, printModelTables, robustPeers, targetRows } from './gate-report';
import { type Group, type GroupResult, MULTIPLES, policyFor, type RunOptions, runGroup } from './gate-run';
import { type HealthCell, type HealthJob, runHealthCell } from './health-run';
import { isWorker, runPool, serve } from './pool';
import { DEFAULT_STAGE, MODEL_TEXT, TIMING_MODELS, type TimingModel } from './stage-sim';

// Gate quality: our gate and the tuned peers on the same simulated stages, per timing model.
// `--quick`: 100 trials a cell. `--trials N`, `--workers N`, `--models a,b`, `--sizes 100,1000`, `--p0 0.05`.
// `--health`: health failures after success instead (gate-health.ts, bench/results/gate-health.json).

type Job = { group: Group; options: RunOptions };

if (isWorker)
  serve<Job | HealthJob, HealthCell | GroupResult>((job) =>
    'health' in job ? runHealthCell(job) : runGroup(job.group, job.options),
  );
else if (process.argv.includes('--health')) await healthMain(import.meta.url);
else await main();

function list<T>(name: string, all: readonly T[], parse: (s: string) => T): T[] {
  const given = option(name);
  return given ? given.split(',').map(parse) : [...all];
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const trials = Number(option('trials') ?? (quick ? 100 : 1000));
  const seed = Number(option('seed') ?? 7);
  const workers = Number(option('workers') ?? Math.min(2, os.availableParallelism()));
  const models = list('models', TIMING_MODELS, (s) => s as TimingModel);
  const sizes = list('sizes', [20, 100, 250, 1000, 10_000], Number);
  const p0s = list('p0', [0.01, 0.05, 0.1], Number);
  const groups = models.flatMap((model) => sizes.flatMap((size) => p0s.map((p0) => ({ model, size, p0 }))));
  // The replay through evaluateGate costs ~80 µs a look: check every 50th stage up to 250 devices,
  // every 500th at 1,000 and one stage per rate at 10,000 (only where the decision comes early).
  const checkEvery = (g: Group, multiple: number) =>
    g.size <= 250 ? 50 : g.size <= 1000 ? 500 : multiple >= 1.5 ? trials : 0;
  // Largest first, so that the two workers finish together.
  const jobs: Job[] = [...groups]
    .sort((a, b) => b.size - a.size)
    .map((group) => ({
      group,
      options: { trials, seed, checkEvery: MULTIPLES.map((m) => checkEvery(group, m)) },
    }));
  const startedAt = performance.now();
  const loadBefore = machine().loadAverage;
  const results = await runPool<Job, GroupResult>(import.meta.url, jobs, workers, (r, done) =>
    process.stderr.write(`${r.model} ${r.size} ${r.p0}: done (${done}/${jobs.length})\n`),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  const order = (r: GroupResult) => [TIMING_MODELS.indexOf(r.model), r.size, r.p0];
  results.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return (x[0] ?? 0) - (y[0] ?? 0) || (x[1] ?? 0) - (y[1] ?? 0) || (x[2] ?? 0) - (y[2] ?? 0);
  });
  for (const model of models)
    printModelTables(
      model,
      results.filter((r) => r.model === model),
    );
  const targets = models.flatMap((model) =>
    targetRows(
      model,
      results.filter((r) => r.model === model),
    ),
  );
  const crossModelFalseHalts = crossModel(results);
  const robust = robustPeers(results);
  console.log(
    `\nTarget, every model: ${robust.targets.target}: ${robust.targets.result}; ${robust.targets.measured}`,
  );
  const checks = results.reduce(
    (acc, r) => ({
      ours: acc.ours + r.checks.ours,
      oursMismatches: [...acc.oursMismatches, ...r.checks.oursMismatches],
      peers: acc.peers + r.checks.peers,
      peerMismatches: [...acc.peerMismatches, ...r.checks.peerMismatches],
    }),
    { ours: 0, oursMismatches: [] as string[], peers: 0, peerMismatches: [] as string[] },
  );
  console.log(
    `\nfast path vs evaluateGate (a look after every event): ${checks.ours - checks.oursMismatches.length} of ${checks.ours} sampled stages identical; ` +
      `peer scan vs each configuration's own verdict: ${checks.peers - checks.peerMismatches.length} of ${checks.peers} identical`,
  );
  for (const m of [...checks.oursMismatches, ...checks.peerMismatches].slice(0, 10))
    console.log(`  MISMATCH ${m}`);
  console.log(
    `${groups.length} groups, ${trials} trials a cell, ${workers} workers: ${seconds.toFixed(0)} s; load average before ${loadBefore.join(' ')}, after ${machine().loadAverage.join(' ')}`,
  );
  writeResult(
    'gate-quality',
    {
      policy: { ...policyFor(0.05), failureThreshold: 'per cell' },
      stage: { ...DEFAULT_STAGE, models: MODEL_TEXT },
      seed,
      trials,
      seconds: Math.round(seconds),
      loadAverageBefore: loadBefore,
      checks,
      targets,
      crossModelFalseHalts,
      robustPeers: robust,
      // The per-configuration shares served the cross-model table; the file keeps each peer's tuned one.
      groups: results.map(({ configFalseHaltsAtP0: _f, configExposureAt2x: _e, ...g }) => g),
    },
    { compact: true },
  );
}
