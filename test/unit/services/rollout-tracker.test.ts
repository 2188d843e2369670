import { describe, expect, it } from 'vitest';
import type { AuditInput } from '../../../shared/audit/audit-record';
import { counterDelta, type ExecutionTerminal, supersedes } from '../../../shared/domain/rollout/job-event';
import type { JobSnapshot } from '../../../shared/domain/rollout/job-snapshot';
import type { Rollout, Stage } from '../../../shared/domain/rollout/model';
import { planDigest, resolvePlan } from '../../../shared/domain/rollout/plan';
import { judgeStageOnJob } from '../../../shared/domain/rollout/stage-gate';
import { type TrackerDeps, trackExecution } from '../../../shared/services/rollout-tracker';

const T0 = Date.parse('2027-01-01T00:00:00Z');
const plan = resolvePlan({
  name: 'fw',
  document: { op: 'x' },
  targets: ['ring-canary'],
  defaults: { gate: { bakeMinutes: 0 } },
});
const rollout: Rollout = {
  rolloutId: 'fw-12345678',
  name: 'fw',
  digest: planDigest(plan),
  plan,
  creator: 'arn:aws:iam::1:user/alice',
  createdAt: T0,
  status: 'RUNNING',
  currentStage: 0,
  paused: false,
  abortRequested: false,
  updatedAt: T0,
};

const job = (over: Partial<JobSnapshot>): JobSnapshot => ({
  at: T0,
  status: 'IN_PROGRESS',
  targetsOpen: false,
  queued: 0,
  inProgress: 0,
  succeeded: 0,
  failed: 0,
  rejected: 0,
  timedOut: 0,
  canceled: 0,
  removed: 0,
  ...over,
});

/** In-memory stage state with the store's rules: newest event per thing wins, the token is claimed once. */
function harness(truth: JobSnapshot, now = T0 + 60_000, failureStarts: number[] = []) {
  const stage: Stage = {
    rolloutId: rollout.rolloutId,
    index: 0,
    name: 'fleet',
    jobId: `${rollout.rolloutId}-s0`,
    startedAt: T0,
    targets: 200,
    succeeded: 0,
    failed: 0,
    rejected: 0,
    timedOut: 0,
    excluded: 0,
    status: 'RUNNING',
  };
  const marks = new Map<string, ExecutionTerminal>();
  let token: string | undefined = 'task-token';
  const woken: unknown[] = [];
  const audits: AuditInput[] = [];
  const reads: number[] = [];
  const deps = {
    clock: { now: () => now },
    actor: 'function:rollout-tracker',
    audit: async (a: AuditInput) => {
      audits.push(a);
      return 'written';
    },
    counters: async (_id: string, _i: number, e: ExecutionTerminal) => {
      const current = marks.get(e.thingName);
      if (!supersedes(e, current)) return 'stale';
      const delta = counterDelta(current?.outcome, e.outcome);
      const counters = stage as unknown as Record<string, number>;
      for (const [k, v] of Object.entries(delta)) counters[k] = (counters[k] ?? 0) + v;
      marks.set(e.thingName, e);
      return 'applied';
    },
    store: {
      getRollout: async () => rollout,
      getStage: async () => ({ ...stage }),
      putJobSnapshot: async (_id: string, _i: number, j: JobSnapshot, starts: Stage['starts']) => {
        stage.job = j;
        stage.starts = starts;
        return true;
      },
      claimToken: async () => {
        const t = token;
        token = undefined;
        return t;
      },
    },
    jobs: {
      describeJob: async (_jobId: string, at: number) => {
        reads.push(at);
        return { ...truth, at };
      },
      failureStarts: async () => failureStarts,
    },
    tasks: {
      succeed: async (_t: string, output: unknown) => {
        woken.push(output);
        return 'sent';
      },
    },
  } as unknown as TrackerDeps;
  return { deps, stage, woken, audits, reads };
}

const event = (thing: number, status: 'SUCCEEDED' | 'FAILED', at = T0 + 30_000): ExecutionTerminal => ({
  eventId: `e-${thing}-${status}-${at}`,
  jobId: `${rollout.rolloutId}-s0`,
  thingName: `t-${thing}`,
  thingArn: `arn:aws:iot:us-east-1:123456789012:thing/t-${thing}`,
  status,
  outcome: status === 'SUCCEEDED' ? 'succeeded' : 'failed',
  at,
  rolloutId: rollout.rolloutId,
  stageIndex: 0,
});

describe('rollout tracker', () => {
  it('forged successes cannot decide: at most they wake the execution, whose decision on the job is unmoved', async () => {
    // IoT: 100 started, none reported. The events: 100 forged successes.
    const h = harness(job({ inProgress: 100, queued: 100 }));
    for (let i = 0; i < 100; i++) await trackExecution(event(i, 'SUCCEEDED'), h.deps);
    expect(h.reads.length).toBeGreaterThan(0);
    expect(h.stage.succeeded).toBe(100);
    const onJob = judgeStageOnJob(rollout, h.stage, h.stage.job as JobSnapshot, T0 + 60_000);
    expect(onJob.outcome).toBe('CONTINUE');
    expect(onJob.evidence).toMatchObject({ succeeded: 0, started: 100, pending: 100 });
  });

  it('a stage whose job shows no conclusive evidence is not woken, however the events look', async () => {
    const h = harness(job({ inProgress: 100, queued: 100 }));
    for (let i = 0; i < 3; i++) await trackExecution(event(i, 'FAILED'), h.deps);
    expect(h.woken).toEqual([]);
  });

  it('wakes the execution once when the job confirms the estimate, reading the job at most every 30 s', async () => {
    const h = harness(job({ succeeded: 0, failed: 8, inProgress: 0, queued: 192 }));
    for (let i = 0; i < 8; i++)
      expect(await trackExecution(event(i, 'FAILED'), h.deps)).toMatch(/applied|woke/);
    expect(h.woken).toHaveLength(1);
    expect(h.woken[0]).toMatchObject({ wake: 'gate-estimate-conclusive' });
    expect(h.reads).toHaveLength(1);
    // A duplicate after the wake-up changes nothing and wakes nobody (the token is gone).
    expect(await trackExecution(event(7, 'FAILED'), h.deps)).toBe('stale');
    expect(h.woken).toHaveLength(1);
  });

  it('refuses an event stamped more than five minutes ahead, audits it, and counts nothing', async () => {
    const h = harness(job({ queued: 199, inProgress: 1 }));
    const forged = event(1, 'SUCCEEDED', T0 + 60_000 + 5 * 3_600_000);
    expect(await trackExecution(forged, h.deps)).toBe('future');
    expect(h.stage.succeeded).toBe(0);
    expect(h.audits).toEqual([
      expect.objectContaining({ action: 'rollout.event.refused', outcome: 'rejected' }),
    ]);
    // The real event for that thing still counts afterwards (it is not "older" than the forged one).
    expect(await trackExecution(event(1, 'FAILED'), h.deps)).toBe('applied');
    expect(h.stage.failed).toBe(1);
  });

  it('wakes a watched continuous stage only for a halt, not for every conclusive promote', async () => {
    // 150 succeeded, none running: a PROMOTE estimate, which wakes a stage still at its gate...
    const healthy = job({ succeeded: 150, targetsOpen: true });
    const atGate = harness(healthy);
    atGate.stage.succeeded = 149;
    await trackExecution(event(1, 'SUCCEEDED'), atGate.deps);
    expect(atGate.woken).toHaveLength(1);
    // ...but not one that passed it and is watched: devices joining and succeeding change nothing.
    const watched = harness(healthy);
    watched.stage.succeeded = 149;
    watched.stage.watchingSince = T0;
    await trackExecution(event(1, 'SUCCEEDED'), watched.deps);
    expect(watched.woken).toEqual([]);
    // Late joiners that fail: the estimate halts, the job agrees, the watch is woken.
    const failing = harness(job({ succeeded: 150, failed: 30, targetsOpen: true }));
    failing.stage.watchingSince = T0;
    failing.stage.succeeded = 150;
    for (let i = 0; i < 30; i++) await trackExecution(event(i + 200, 'FAILED'), failing.deps);
    expect(failing.woken).toHaveLength(1);
  });

  it('ignores jobs it did not create', async () => {
    const h = harness(job({}));
    expect(
      await trackExecution(
        { ...event(1, 'FAILED'), jobId: 'someone-elses-job', rolloutId: undefined, stageIndex: undefined },
        h.deps,
      ),
    ).toBe('not-ours');
  });
});

describe('rollout tracker: the prefix halt rule', () => {
  it('wakes the execution when the first starters failed though the whole stage does not halt yet', async () => {
    // The job at the last read: 600 started, 12 failed (timed out), 28 succeeded, 560 running.
    const truth = job({ inProgress: 560, succeeded: 28, failed: 0, timedOut: 12 });
    // The 12 failures all started in the first minute, when 40 devices had started.
    const starts = Array.from({ length: 12 }, (_, i) => T0 + 1_000 + i * 1_000);
    const h = harness(truth, T0 + 3_600_000, starts);
    h.stage.starts = [{ at: T0 + 60_000, exposed: 40 }];
    h.stage.job = { ...truth, at: T0 - 1 };
    expect(await trackExecution(event(1, 'FAILED', T0 + 3_590_000), h.deps)).toBe('woke');
    expect(h.stage.starts?.at(-1)).toMatchObject({ exposed: 600 });
  });

  it('does not list executions for a success', async () => {
    const truth = job({ inProgress: 560, succeeded: 28, timedOut: 12 });
    const h = harness(truth, T0 + 3_600_000, []);
    h.stage.starts = [{ at: T0 + 60_000, exposed: 40 }];
    expect(await trackExecution(event(1, 'SUCCEEDED', T0 + 3_590_000), h.deps)).toBe('applied');
    expect(h.woken).toEqual([]);
  });
});
