import path from 'node:path';
import { loadScenario } from '../local/scenario/load';
import { Progress } from '../local/scenario/progress';
import { ScenarioRun } from '../local/scenario/runner';
import { startLocalStack } from '../local/stack';
import { loadAverage } from './baseline';
import { option, printTable, round, writeResult } from './common';

// Rollback time and devices restored: plays a scenario (default scenarios/default.yml) and, for each
// rollback job, reads from the IoT emulator when each device's rollback execution succeeded, against
// the halt that started it. Virtual minutes: the same seed gives the same figures on any machine.
const FILE = option('scenario') ?? 'scenarios/default.yml';
const wallStart = performance.now();
const load = { before: loadAverage(), after: [] as number[] };
const scenario = loadScenario(FILE);
const stack = await startLocalStack({
  seed: scenario.seed,
  faults: scenario.faults,
  delivery: {
    duplicateRate: scenario.delivery.duplicateRate,
    reorderWindowMs: scenario.delivery.reorderWindowSeconds * 1000,
  },
  functionEnv: { AWS_RETRY_MODE: 'standard' },
});
await stack.deployCustomResources();
const progress = new Progress(
  stack.clock.now(),
  () => stack.clock.now(),
  () => undefined,
);
const run = new ScenarioRun(stack, scenario, progress, path.dirname(path.resolve(FILE)));
run.schedule();
await stack.runUntilIdle();
run.stop();

const minutes = (ms: number) => round(ms / 60_000, 1);
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const rows = [];
for (const started of run.rollouts.values()) {
  const view = (await run.api.rollout('dave', started.rolloutId)).body as {
    name: string;
    stages: { index: number; gate: { lastDecision?: { at: string } }; status: string }[];
    rollback?: { jobId?: string; devices: number; excluded: number; counts?: Record<string, number> };
  };
  const rollback = view.rollback;
  if (!rollback?.jobId) continue;
  const job = stack.services.iot.state.jobs.get(rollback.jobId);
  if (!job) continue;
  const halted = view.stages.find((s) => s.status === 'HALTED')?.gate.lastDecision?.at;
  const haltAt = halted ? Date.parse(halted) : job.createdAt;
  const done = [...job.executions.values()]
    .filter((e) => e.status === 'SUCCEEDED')
    .map((e) => e.lastUpdatedAt - haltAt)
    .sort((a, b) => a - b);
  rows.push({
    rollout: view.name,
    'devices in the rollback': rollback.devices,
    restored: done.length,
    'not reached': rollback.counts?.notReached ?? 0,
    'job created (min after halt)': minutes(job.createdAt - haltAt),
    'half restored (min)': done.length ? minutes(quantile(done, 0.5) ?? 0) : '–',
    '95 % restored (min)': done.length ? minutes(quantile(done, 0.95) ?? 0) : '–',
    'all restored (min)': done.length ? minutes(done.at(-1) ?? 0) : '–',
  });
}
await stack.close();
load.after = loadAverage();
printTable(`${FILE}: rollback after a halt (virtual minutes after the halt decision)`, rows);
const wallMs = Math.round(performance.now() - wallStart);
console.log(`\nwall ${round(wallMs / 1000, 1)} s (load ${load.before[0]} → ${load.after[0]})`);
writeResult('rollback', { scenario: FILE, wallMs, loadAverage: load, rollbacks: rows });
