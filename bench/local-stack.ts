import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBurst } from './burst';
import { option, peakRssMiB, printTable, round, verdict, writeResult } from './common';

// The local stack itself: events per second through IoT event → rule → SQS → assignGroups →
// DynamoDB (quotas off, so the stack and not AWS's quotas is what is measured), and the default
// `npm start` scenario timed end to end in a child process.
const THINGS = Number(option('things') ?? 300);

const burst = await runBurst(THINGS, { quotas: false });
const eventsPerSecond = burst.eventsDelivered / (burst.burstWallMs / 1000);
const thingsPerSecond = burst.things / (burst.burstWallMs / 1000);

let scenario: {
  status: string;
  wallSeconds?: number;
  peakRssMiB?: number;
  packaged?: boolean;
  exit?: number | null;
};
if (!existsSync('local/main.ts') || !existsSync('scripts/start.mjs')) {
  scenario = { status: 'pending: local/main.ts or scripts/start.mjs does not exist yet' };
} else {
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'fleet-bench-report-'));
  // GNU time: %e wall seconds, %M the largest resident set of the process tree's waited-for children.
  const run = spawnSync(
    '/usr/bin/time',
    ['-f', 'BENCH %e %M', process.execPath, 'scripts/start.mjs', '--report', reportDir],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    },
  );
  rmSync(reportDir, { recursive: true, force: true });
  const m = /BENCH ([\d.]+) (\d+)/.exec(run.stderr ?? '');
  scenario = {
    status:
      run.status === 0
        ? 'ran'
        : `failed (exit ${run.status}): ${(run.stderr ?? '').split('\n').slice(-4).join(' ')}`,
    exit: run.status,
    wallSeconds: m ? Number(m[1]) : undefined,
    peakRssMiB: m ? Math.round(Number(m[2]) / 1024) : undefined,
    packaged: /Packaging the functions/.test(run.stdout ?? ''),
  };
}

const rows = [
  {
    measure: 'events / s through the stack (registry event → assignGroups → DynamoDB)',
    value: `${round(eventsPerSecond, 1)} (${round(thingsPerSecond, 1)} things/s, ${THINGS} things)`,
    target: '–',
    result: '–',
  },
  {
    measure: 'peak RSS of the stack under that load',
    value: `${peakRssMiB()} MiB`,
    target: '–',
    result: '–',
  },
  {
    measure: '`npm start` default scenario, wall time',
    value:
      scenario.wallSeconds === undefined
        ? scenario.status
        : `${round(scenario.wallSeconds)} s${scenario.packaged ? ' (incl. sls package)' : ''}`,
    target: '< 60 s',
    result:
      scenario.wallSeconds === undefined
        ? 'pending'
        : verdict(scenario.status === 'ran' && scenario.wallSeconds < 60),
  },
  {
    measure: '`npm start` peak RSS',
    value: scenario.peakRssMiB === undefined ? '–' : `${scenario.peakRssMiB} MiB`,
    target: '–',
    result: '–',
  },
];
printTable('The local stack', rows);
writeResult('local-stack', {
  throughput: { things: THINGS, eventsPerSecond, thingsPerSecond, burst },
  peakRssMiB: peakRssMiB(),
  scenario,
});
