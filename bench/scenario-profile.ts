import { readdirSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';
import { loadScenario } from '../local/scenario/load';
import { Progress } from '../local/scenario/progress';
import { ScenarioRun } from '../local/scenario/runner';
import { startLocalStack } from '../local/stack';
import { loadAverage } from './baseline';
import { option, printTable, round, writeResult } from './common';
import { type CpuProfile, profileByComponent } from './cpu-profile';

// A step-by-step profile of a scenario (default scenarios/default.yml): wall time and CPU per thread
// between consecutive progress lines, and with `--cpu` the stack thread's CPU profile by component
// (`--threads 0` puts the function containers in that thread too).
const FILE = option('scenario') ?? 'scenarios/default.yml';
const THREADS = option('threads') === undefined ? undefined : Number(option('threads'));
const CPU = process.argv.includes('--cpu');
const TICK_MS = 10; // USER_HZ = 100

// Container threads are named by the OS task that appears when each worker starts.
const roles = new Map<number, string>([[process.pid, 'stack thread']]);
const threads = createRequire(import.meta.url)('node:worker_threads') as typeof WorkerThreads;
const Original = threads.Worker;
let workers = 0;
class Tagged extends Original {
  constructor(file: string | URL, options?: WorkerThreads.WorkerOptions) {
    const before = new Set(readdirSync('/proc/self/task'));
    super(file, options);
    const role = `container thread ${++workers}`;
    this.once('online', () => {
      for (const t of readdirSync('/proc/self/task')) if (!before.has(t)) roles.set(Number(t), role);
    });
  }
}
(threads as { Worker: unknown }).Worker = Tagged;
syncBuiltinESMExports();

function cpuByRole(): Map<string, number> {
  const cpu = new Map<string, number>();
  for (const t of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const role = roles.get(Number(t)) ?? 'V8 and libuv helpers';
    cpu.set(role, (cpu.get(role) ?? 0) + (Number(f[11]) + Number(f[12])) * TICK_MS);
  }
  return cpu;
}

type Phase = { step: string; virtual: string; wallMs: number; cpuMs: Record<string, number> };
const phases: Phase[] = [];
let lastWall = performance.now();
let lastCpu = cpuByRole();
const mark = (step: string, virtual: string) => {
  const cpu = cpuByRole();
  const delta: Record<string, number> = {};
  for (const [k, v] of cpu)
    if (v - (lastCpu.get(k) ?? 0) > 0) delta[k] = Math.round(v - (lastCpu.get(k) ?? 0));
  const now = performance.now();
  phases.push({ step, virtual, wallMs: Math.round(now - lastWall), cpuMs: delta });
  lastWall = now;
  lastCpu = cpu;
};

const session = new Session();
if (CPU) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const load = { before: loadAverage(), after: [] as number[] };
const wallStart = performance.now();
const scenario = loadScenario(FILE);
const stack = await startLocalStack({
  seed: scenario.seed,
  faults: scenario.faults,
  delivery: {
    duplicateRate: scenario.delivery.duplicateRate,
    reorderWindowMs: scenario.delivery.reorderWindowSeconds * 1000,
  },
  functionEnv: { AWS_RETRY_MODE: 'standard' },
  ...(THREADS === undefined ? {} : { threads: THREADS }),
});
mark('stack started', '');
await stack.deployCustomResources();
mark('custom resources deployed', '');
const progress = new Progress(
  stack.clock.now(),
  () => stack.clock.now(),
  (line) => {
    const m = /^\[([^\]]+)\] (.*)$/.exec(line);
    mark(m?.[2] ?? line, m?.[1] ?? '');
  },
);
const run = new ScenarioRun(stack, scenario, progress, path.dirname(path.resolve(FILE)));
run.schedule();
await stack.runUntilIdle();
mark('idle: nothing left to happen', '');
const wallMs = performance.now() - wallStart;
load.after = loadAverage();
const components = CPU
  ? profileByComponent(((await session.post('Profiler.stop')) as { profile: CpuProfile }).profile)
  : undefined;
const hosts = Object.fromEntries(Object.entries(stack.endpoints).map(([k, v]) => [new URL(v).host, k]));
const exchanges = Object.fromEntries([...stack.network.stats].map(([h, n]) => [hosts[h] ?? h, n]));
const invocations = Object.fromEntries([...stack.host.stats].map(([f, s]) => [f, s.invocations]));
const driver = { ...stack.driver.stats, threadTurns: stack.threads?.turns ?? 0 };
await stack.close();

const total: Record<string, number> = {};
for (const p of phases) for (const [k, v] of Object.entries(p.cpuMs)) total[k] = (total[k] ?? 0) + v;
const s = (ms: number | undefined) => (ms === undefined ? '–' : round(ms / 1000, 1));
const roleNames = Object.keys(total).sort();
printTable(
  `${FILE}: wall and CPU seconds per step (load ${load.before[0]} → ${load.after[0]})`,
  phases.map((p) => ({
    step: `${p.virtual ? `[${p.virtual}] ` : ''}${p.step}`.slice(0, 90),
    wall: s(p.wallMs),
    ...Object.fromEntries(roleNames.map((r) => [r, s(p.cpuMs[r])])),
  })),
);
console.log(`\nwall ${s(wallMs)} s; CPU s: ${roleNames.map((r) => `${r} ${s(total[r])}`).join(', ')}`);
if (components)
  printTable(
    'Stack thread CPU by component (s)',
    components.map((c) => ({ component: c.name, seconds: c.seconds })),
  );
writeResult('scenario-profile', {
  scenario: FILE,
  threads: THREADS ?? 'default',
  wallMs: Math.round(wallMs),
  loadAverage: load,
  cpuMsByThread: total,
  exchanges,
  invocations,
  driver,
  components: components ?? null,
  phases,
});
