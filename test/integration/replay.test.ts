import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The same scenario, seed and code replay exactly, whatever the machine's load: `npm start` twice,
// the second time next to busy loops on every core, then run.json and the audit trail compared.
// Twice more on two container threads (`--threads 2`), whose turns must not let timing in either.
const dir = mkdtempSync(path.join(os.tmpdir(), 'replay-'));
const SCENARIO = `name: replay
seed: 23
devices:
  count: 80
  namePrefix: dev-
  thingTypes: { sensor: 0.8, gateway: 0.2 }
  attributes:
    region: { eu-west-1: 0.5, us-east-1: 0.5 }
    site: { plant-1: 0.5, plant-7: 0.5 }
    model: { th200: 0.5, th300: 0.5 }
    firmware: { 2.4.1: 1 }
cohorts:
  - { name: bad, match: { model: [th300] }, rollouts: [fw-bad], outcomes: { succeed: 0.4, fail: 0.6 }, latency: { min: 30, max: 300 } }
  - { name: fleet, outcomes: { succeed: 0.97, fail: 0.02, neverAnswer: 0.01 }, latency: { min: 20, max: 400 } }
faults: { throttleRate: 0.05, serverErrorRate: 0.01 }
delivery: { duplicateRate: 0.2, reorderWindowSeconds: 20 }
timeline:
  - { at: 0s, provision: { count: all, ratePerSecond: 40 } }
  - { at: 5m, startRollout: { ref: G, plan: good.yml, principal: alice } }
  - { at: 5m, approve: { rollout: G, principal: bob, comment: ok, when: pending, delay: 3m } }
  - { at: 6m, startRollout: { ref: B, plan: bad.yml, principal: carol } }
  - { at: 10m, fireAlarm: { thing: dev-00007, duplicateAfter: 1m } }
  - { at: 40m, recoverAlarm: { thing: dev-00007 } }
`;
const plan = (name: string, stages: string) => `name: ${name}
document: { operation: update, version: "${name}" }
defaults:
  gate: { failureThreshold: 0.05, confidence: 0.95, minFinished: 3, bakeMinutes: 20, deadlineMinutes: 300 }
  job: { inProgressTimeoutMinutes: 15 }
stages:
${stages}`;

type Run = { run: Record<string, unknown>; audit: string[]; code: number | null };

function play(report: string, threads?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        'scripts/start.mjs',
        '--scenario',
        path.join(dir, 'replay.yml'),
        '--report',
        report,
        ...(threads === undefined ? [] : ['--threads', String(threads)]),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (code) => {
      const run = JSON.parse(readFileSync(path.join(report, 'run.json'), 'utf8')) as Record<string, unknown>;
      const audit = readFileSync(path.join(report, 'audit.jsonl'), 'utf8').trim().split('\n');
      resolve({ run, audit, code });
    });
  });
}

/** Busy loops on every core, in their own processes, until stopped. */
function load(): () => void {
  const hogs: ChildProcess[] = Array.from({ length: os.availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
  return () => {
    for (const hog of hogs) hog.kill();
  };
}

let quiet: Run;
let loaded: Run;
let threadsQuiet: Run;
let threadsLoaded: Run;

beforeAll(async () => {
  writeFileSync(path.join(dir, 'replay.yml'), SCENARIO);
  writeFileSync(
    path.join(dir, 'good.yml'),
    plan(
      'fw-good',
      '  - { name: canary, targets: [ring-early], approval: { required: true } }\n  - { name: all, targets: [sites] }\n',
    ),
  );
  writeFileSync(path.join(dir, 'bad.yml'), plan('fw-bad', '  - { name: early, targets: [sites] }\n'));
  quiet = await play(path.join(dir, 'quiet'));
  threadsQuiet = await play(path.join(dir, 'threads-quiet'), 2);
  const stop = load();
  try {
    loaded = await play(path.join(dir, 'loaded'));
    threadsLoaded = await play(path.join(dir, 'threads-loaded'), 2);
  } finally {
    stop();
  }
}, 900_000);

afterAll(() => undefined);

describe('a scenario replayed from its seed', () => {
  it('ran to the end both times, and did something worth comparing', () => {
    expect(quiet.code).toBe(0);
    expect(loaded.code).toBe(0);
    const actions = quiet.audit.map((line) => (JSON.parse(line) as { action: string }).action);
    expect(actions.filter((a) => a === 'thing.groups.assigned').length).toBe(80);
    expect(actions).toContain('rollout.halted');
    expect(actions).toContain('rollout.approval.decided');
    expect(actions).toContain('tunnel.opened');
  });

  it('gives the same decisions, counts and step times under load (run.json but its wall time)', () => {
    // Wall times (the run's and its phases', which list only phases of 5 ms or more) are the only
    // figures the load may change.
    const virtual = ({ wallMs: _w, phases: _p, ...rest }: typeof quiet.run) => rest;
    expect(virtual(loaded.run)).toEqual(virtual(quiet.run));
  });

  it('writes the same audit trail: every record, id, time and action', () => {
    expect(loaded.audit).toEqual(quiet.audit);
  });

  it('replays the same on two container threads, whatever the load', () => {
    expect(threadsQuiet.code).toBe(0);
    expect(threadsLoaded.code).toBe(0);
    expect(threadsQuiet.audit.length).toBeGreaterThan(80);
    const virtual = ({ wallMs: _w, phases: _p, ...rest }: typeof quiet.run) => rest;
    expect(virtual(threadsLoaded.run)).toEqual(virtual(threadsQuiet.run));
    expect(threadsLoaded.audit).toEqual(threadsQuiet.audit);
  });
});
