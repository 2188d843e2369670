import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BaselineFigures, loadAverage, measureBaseline, prepareBaseline } from './baseline';
import { runBurst } from './burst';
import { option, peakRssMiB, printTable, round, verdict, writeResult } from './common';

// The local stack itself, side by side with the baseline commit on the same machine in the same
// run: events per second through IoT event → rule → SQS → assignGroups → DynamoDB (quotas off, so
// the stack and not AWS's quotas is measured), and the default `npm start` scenario end to end.
// `--baseline DIR` reuses a prepared checkout; `--baseline none` skips it.
const THINGS = Number(option('things') ?? 300);
const BASELINE = option('baseline') ?? '.local/baseline-590955c';

let baseline: BaselineFigures | undefined;
if (BASELINE !== 'none') {
  console.log(`baseline: ${BASELINE}`);
  baseline = measureBaseline(prepareBaseline(BASELINE), THINGS);
}

const burstLoad = { before: loadAverage(), after: [] as number[] };
const burst = await runBurst(THINGS, { quotas: false });
burstLoad.after = loadAverage();
const eventsPerSecond = burst.eventsDelivered / (burst.burstWallMs / 1000);
const thingsPerSecond = burst.things / (burst.burstWallMs / 1000);

/** `npm start` end to end under GNU time (%e wall seconds, %U+%S CPU seconds, %M the largest RSS). */
function timedStart(extra: string[]) {
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'fleet-bench-report-'));
  const loadAverages = { before: loadAverage(), after: [] as number[] };
  const run = spawnSync(
    '/usr/bin/time',
    ['-f', 'BENCH %e %M %U %S', process.execPath, 'scripts/start.mjs', '--report', reportDir, ...extra],
    { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
  );
  loadAverages.after = loadAverage();
  rmSync(reportDir, { recursive: true, force: true });
  // GNU time prints its line for a failed command too: a failed run has no figures.
  const m = run.status === 0 ? /BENCH ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(run.stderr ?? '') : null;
  return {
    status:
      run.status === 0
        ? 'ran'
        : `failed (exit ${run.status}): ${(run.stderr ?? '').split('\n').slice(-4).join(' ')}`,
    exit: run.status,
    wallSeconds: m ? Number(m[1]) : undefined,
    peakRssMiB: m ? Math.round(Number(m[2]) / 1024) : undefined,
    cpuSeconds: m ? Number(m[3]) + Number(m[4]) : undefined,
    packaged: /Packaging the functions/.test(run.stdout ?? ''),
    loadAverage: loadAverages,
  };
}

const scenario = timedStart([]);
const scenarioLoad = scenario.loadAverage;
// The default scenario has grown since the baseline (a third rollout, health signals, a rollback):
// the baseline's own default scenario on this stack is the same work on both sides.
const sameWork = baseline
  ? timedStart(['--scenario', path.join(BASELINE, 'scenarios/default.yml')])
  : undefined;

const load = (l: { before: number[]; after: number[] }) =>
  `load ${l.before[0]?.toFixed(1)}→${l.after[0]?.toFixed(1)}`;
const ratio = (ours: number | undefined, theirs: number | undefined) =>
  ours !== undefined && theirs ? round(ours / theirs, 2) : undefined;
const wallRatio = ratio(scenario.wallSeconds, baseline?.scenarioWallSeconds);
const throughputRatio = ratio(eventsPerSecond, baseline?.eventsPerSecond);
const sameWorkRatio = ratio(sameWork?.wallSeconds, baseline?.scenarioWallSeconds);
const rows = [
  {
    measure: 'events / s through the stack (registry event → assignGroups → DynamoDB)',
    baseline: baseline ? `${round(baseline.eventsPerSecond, 1)} (${load(baseline.loadAverage)})` : '–',
    now: `${round(eventsPerSecond, 1)} (${round(thingsPerSecond, 1)} things/s, ${THINGS} things; ${load(burstLoad)})`,
    ratio: throughputRatio ?? '–',
    target: '≥ 3 × baseline',
    result: throughputRatio === undefined ? '–' : verdict(throughputRatio >= 3),
  },
  {
    measure: 'peak RSS of the stack under that load',
    baseline: baseline ? `${baseline.burstPeakRssMiB} MiB` : '–',
    now: `${peakRssMiB()} MiB`,
    ratio: ratio(peakRssMiB(), baseline?.burstPeakRssMiB) ?? '–',
    target: '–',
    result: '–',
  },
  {
    measure: '`npm start` default scenario, wall time',
    baseline: baseline?.scenarioWallSeconds === undefined ? '–' : `${round(baseline.scenarioWallSeconds)} s`,
    now:
      scenario.wallSeconds === undefined
        ? scenario.status
        : `${round(scenario.wallSeconds)} s (${round(scenario.cpuSeconds ?? 0)} s CPU; ${load(scenarioLoad)})${scenario.packaged ? ' (incl. sls package)' : ''}`,
    ratio: wallRatio ?? '–',
    target: '≤ 0.4 × baseline, < 45 s quiet',
    result:
      scenario.wallSeconds === undefined
        ? 'fail (the run failed)'
        : wallRatio === undefined
          ? `– / ${verdict(scenario.wallSeconds < 45)}`
          : `${verdict(wallRatio <= 0.4)} / ${verdict(scenario.wallSeconds < 45)}`,
  },
  {
    measure: `\`npm start\` with ${baseline?.commit ?? 'the baseline'}'s default scenario (the same work on both sides), wall time`,
    baseline: baseline?.scenarioWallSeconds === undefined ? '–' : `${round(baseline.scenarioWallSeconds)} s`,
    now:
      sameWork?.wallSeconds === undefined
        ? (sameWork?.status ?? '–')
        : `${round(sameWork.wallSeconds)} s (${round(sameWork.cpuSeconds ?? 0)} s CPU; ${load(sameWork.loadAverage)})`,
    ratio: sameWorkRatio ?? '–',
    target: '≤ 0.4 × baseline',
    result:
      sameWork === undefined
        ? '–'
        : sameWork.wallSeconds === undefined
          ? 'fail (the run failed)'
          : verdict((sameWorkRatio ?? Number.POSITIVE_INFINITY) <= 0.4),
  },
  {
    measure: '`npm start` peak RSS',
    baseline: baseline?.scenarioPeakRssMiB === undefined ? '–' : `${baseline.scenarioPeakRssMiB} MiB`,
    now: scenario.peakRssMiB === undefined ? '–' : `${scenario.peakRssMiB} MiB`,
    ratio: ratio(scenario.peakRssMiB, baseline?.scenarioPeakRssMiB) ?? '–',
    target: '–',
    result: '–',
  },
];
printTable(`The local stack, against ${baseline?.commit ?? 'no baseline'} on this machine`, rows);
console.log(
  '\nThe machine is shared: each figure carries the 1-minute load average before → after it. Ratios come from the same run.',
);
writeResult('local-stack', {
  throughput: { things: THINGS, eventsPerSecond, thingsPerSecond, burst, loadAverage: burstLoad },
  peakRssMiB: peakRssMiB(),
  scenario,
  baselineScenario: sameWork ?? null,
  baseline: baseline ?? null,
  ratios: {
    scenarioWall: wallRatio ?? null,
    baselineScenarioWall: sameWorkRatio ?? null,
    throughput: throughputRatio ?? null,
  },
});
