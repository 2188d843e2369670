import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/** The commit the local stack's speed targets are measured against (issue 16). */
const BASELINE_COMMIT = '590955c';

export type BaselineFigures = {
  commit: string;
  eventsPerSecond: number;
  thingsPerSecond: number;
  burstPeakRssMiB: number;
  scenarioWallSeconds: number | undefined;
  scenarioPeakRssMiB: number | undefined;
  loadAverage: { before: number[]; after: number[] };
};

/**
 * A checkout of the baseline commit beside this one (`git archive`, so the repository's worktree
 * list is untouched), sharing this checkout's node_modules (the commit's lock file is the same),
 * packaged once.
 */
export function prepareBaseline(dir: string, commit = BASELINE_COMMIT): string {
  const root = path.resolve(dir);
  if (!existsSync(path.join(root, 'package.json'))) {
    mkdirSync(root, { recursive: true });
    const archive = execFileSync('git', ['archive', '--format=tar', commit], { maxBuffer: 256 * 2 ** 20 });
    execFileSync('tar', ['-x', '-C', root], { input: archive });
  }
  if (!existsSync(path.join(root, 'node_modules')))
    symlinkSync(path.resolve('node_modules'), path.join(root, 'node_modules'));
  if (!existsSync(path.join(root, '.serverless/cloudformation-template-update-stack.json'))) {
    const pkg = spawnSync(process.execPath, ['scripts/package.mjs'], { cwd: root, stdio: 'inherit' });
    if (pkg.status !== 0) throw new Error(`packaging the baseline in ${root} failed`);
  }
  return root;
}

/** Runs the baseline's own `npm run bench -- local-stack` (its burst and its `npm start`) and reads its figures. */
export function measureBaseline(root: string, things: number): BaselineFigures {
  const before = loadAverage();
  const run = spawnSync(process.execPath, ['scripts/bench.mjs', 'local-stack', '--things', String(things)], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`the baseline's local-stack bench failed (exit ${run.status})`);
  const result = JSON.parse(readFileSync(path.join(root, 'bench/results/local-stack.json'), 'utf8')) as {
    throughput: { eventsPerSecond: number; thingsPerSecond: number };
    peakRssMiB: number;
    scenario: { wallSeconds?: number; peakRssMiB?: number; exit?: number | null };
  };
  // A failed scenario run has no wall time to compare with (GNU time reports one anyway).
  const ran = result.scenario.exit === undefined || result.scenario.exit === 0;
  return {
    commit: BASELINE_COMMIT,
    eventsPerSecond: result.throughput.eventsPerSecond,
    thingsPerSecond: result.throughput.thingsPerSecond,
    burstPeakRssMiB: result.peakRssMiB,
    scenarioWallSeconds: ran ? result.scenario.wallSeconds : undefined,
    scenarioPeakRssMiB: ran ? result.scenario.peakRssMiB : undefined,
    loadAverage: { before, after: loadAverage() },
  };
}

export function loadAverage(): number[] {
  const [one = 0, five = 0, fifteen = 0] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [one, five, fifteen];
}
