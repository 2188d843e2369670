import { describe, expect, it, vi } from 'vitest';
import type { JobSnapshot } from '../../../shared/domain/rollout/job-snapshot';
import { judgeStageOnJob } from '../../../shared/domain/rollout/stage-gate';
import { MAX_CLOCK_SKEW_MS, trackExecution } from '../../../shared/services/rollout-tracker';
import { throttled } from '../../fakes/faults';
import {
  created,
  HOUR,
  MINUTE,
  rolloutOf,
  rolloutWorld,
  stageOf,
  startedStage,
  T0,
  terminal,
  twoStages,
  type World,
  withRings,
} from '../../fakes/rollout-world';

const AT = T0 + 30_000;
const NOW = T0 + MINUTE;

/** A rollout whose canary (200 things) runs its job, its gate token parked; events arrive at NOW. */
async function tracking(name = 'fw') {
  const w = rolloutWorld();
  withRings(w, 200);
  const rolloutId = await created(w, twoStages(name, { defaults: { gate: { bakeMinutes: 0 } } }));
  const { jobId, token } = await startedStage(w, rolloutId);
  w.setNow(NOW);
  return { w, rolloutId, jobId, token };
}

const counts = async (w: World, rolloutId: string) => {
  const s = await w.store.getStage(rolloutId, 0);
  return {
    succeeded: s?.succeeded,
    failed: s?.failed,
    rejected: s?.rejected,
    timedOut: s?.timedOut,
    excluded: s?.excluded,
  };
};
const thing = (n: number) => `ring-canary-t${n}`;

describe('trackExecution: the stage’s counters', () => {
  it('counts a terminal execution into its stage', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();

    // Act
    const result = await trackExecution(terminal(jobId, thing(1), 'REJECTED', AT), w.tracker);

    // Assess
    expect(result).toBe('applied');
    expect(await counts(w, rolloutId)).toMatchObject({ rejected: 1, succeeded: 0, failed: 0 });
  });

  it('gives the same counters whatever the order, duplicates included', async () => {
    // Prepare
    const a = await tracking('ordered');
    const b = await tracking('shuffled');
    const script = (jobId: string) => [
      terminal(jobId, thing(1), 'FAILED', T0 + 1000),
      terminal(jobId, thing(1), 'SUCCEEDED', T0 + 5000), // retried, then succeeded
      terminal(jobId, thing(2), 'REJECTED', T0 + 2000),
      terminal(jobId, thing(3), 'CANCELED', T0 + 3000),
      terminal(jobId, thing(4), 'SUCCEEDED', T0 + 4000),
    ];
    for (const e of script(a.jobId)) await trackExecution(e, a.w.tracker);
    const shuffled = script(b.jobId);

    // Act
    for (const e of [...shuffled].reverse().concat(shuffled)) await trackExecution(e, b.w.tracker);

    // Assess
    const expected = { succeeded: 2, failed: 0, rejected: 1, timedOut: 0, excluded: 1 };
    expect(await counts(a.w, a.rolloutId)).toEqual(expected);
    expect(await counts(b.w, b.rolloutId)).toEqual(expected);
  });

  it('answers a redelivered event as stale and counts it once', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    const event = terminal(jobId, thing(1), 'FAILED', AT);
    await trackExecution(event, w.tracker);

    // Act
    const again = await trackExecution(event, w.tracker);

    // Assess
    expect(again).toBe('stale');
    expect((await counts(w, rolloutId)).failed).toBe(1);
  });

  it('ignores an event older than the thing’s newest', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    await trackExecution(terminal(jobId, thing(1), 'SUCCEEDED', AT), w.tracker);

    // Act
    const older = await trackExecution(terminal(jobId, thing(1), 'FAILED', AT - 10_000), w.tracker);

    // Assess
    expect(older).toBe('stale');
    expect(await counts(w, rolloutId)).toMatchObject({ succeeded: 1, failed: 0 });
  });

  it('ignores a job the bridge named no stage for (not one this project created)', async () => {
    // Prepare
    const { w } = await tracking();

    // Act
    const result = await trackExecution(terminal('someone-elses-job', thing(1), 'FAILED', AT), w.tracker);

    // Assess
    expect(result).toBe('not-ours');
    expect(w.store.executionMarks.size).toBe(0);
  });

  it('counts nothing for a stage that was not recorded yet', async () => {
    // Prepare
    const { w, rolloutId } = await tracking();

    // Act
    const result = await trackExecution(terminal(`${rolloutId}-s1`, thing(1), 'FAILED', AT), w.tracker);

    // Assess
    expect(result).toBe('unknown-stage');
    expect(await w.store.getStage(rolloutId, 1)).toBeUndefined();
  });

  it('counts nothing for a job its stage no longer runs (a resumed stage’s halted attempt)', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    const stage = await stageOf(w, rolloutId);
    await w.store.setStageStatus(rolloutId, 0, 'HALTED');
    await w.store.restartStage({ ...stage, jobId: `${rolloutId}-s0-a1`, attempt: 1, status: 'RUNNING' }, NOW);

    // Act
    const result = await trackExecution(terminal(jobId, thing(1), 'FAILED', AT), w.tracker);

    // Assess
    expect(result).toBe('unknown-stage');
    expect((await counts(w, rolloutId)).failed).toBe(0);
  });

  it('throws when the store is throttled, and the redelivered event then counts once', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    const event = terminal(jobId, thing(1), 'FAILED', AT);
    w.store.faults.inject('counters', throttled());
    await expect(trackExecution(event, w.tracker)).rejects.toMatchObject({ name: 'ThrottlingException' });

    // Act
    const redelivered = await trackExecution(event, w.tracker);

    // Assess
    expect(redelivered).toBe('applied');
    expect((await counts(w, rolloutId)).failed).toBe(1);
  });

  it('reads the thing again when a concurrent event for it won the race, and keeps the newest', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    w.store.race('counters', async () => {
      await w.store.counters(rolloutId, 0, terminal(jobId, thing(1), 'SUCCEEDED', AT + 1_000));
    });

    // Act
    const result = await trackExecution(terminal(jobId, thing(1), 'FAILED', AT), w.tracker);

    // Assess
    expect(result).toBe('stale');
    expect(await counts(w, rolloutId)).toMatchObject({ succeeded: 1, failed: 0 });
  });

  it('gives up with a retryable RolloutStoreBusyError when the thing keeps changing', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    for (let i = 0; i < 5; i++)
      w.store.race('counters', () => {
        w.store.executionMarks.set(`${jobId}#${thing(1)}`, {
          at: AT - 1,
          eventId: `other-${i}`,
          outcome: 'failed',
        });
      });

    // Act
    const tracked = trackExecution(terminal(jobId, thing(1), 'SUCCEEDED', AT), w.tracker);

    // Assess
    await expect(tracked).rejects.toMatchObject({ name: 'RolloutStoreBusyError', retryable: true });
    expect((await counts(w, rolloutId)).succeeded).toBe(0);
  });
});

describe('trackExecution: time', () => {
  it('refuses an event stamped more than five minutes ahead, audits it and counts nothing', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    const forged = terminal(jobId, thing(1), 'SUCCEEDED', NOW + MAX_CLOCK_SKEW_MS + HOUR);

    // Act
    const result = await trackExecution(forged, w.tracker);

    // Assess
    expect(result).toBe('future');
    expect((await counts(w, rolloutId)).succeeded).toBe(0);
    expect(w.effects.audited('rollout.event.refused')).toEqual([
      expect.objectContaining({ outcome: 'rejected', details: expect.objectContaining({ jobId }) }),
    ]);
  });

  it('still counts the thing’s real event after a refused one from the future', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    await trackExecution(terminal(jobId, thing(1), 'SUCCEEDED', NOW + MAX_CLOCK_SKEW_MS + HOUR), w.tracker);

    // Act
    const real = await trackExecution(terminal(jobId, thing(1), 'FAILED', AT), w.tracker);

    // Assess
    expect(real).toBe('applied');
    expect((await counts(w, rolloutId)).failed).toBe(1);
  });
});

describe('trackExecution: waking the gate', () => {
  it('wakes the waiting execution once when the job confirms a conclusive estimate', async () => {
    // Prepare
    const { w, jobId, token } = await tracking();
    w.iot.progress(jobId, { FAILED: 8 });

    // Act
    const results: string[] = [];
    for (let i = 0; i < 8; i++)
      results.push(await trackExecution(terminal(jobId, thing(i), 'FAILED', AT), w.tracker));

    // Assess
    expect(results).toContain('woke');
    expect(w.sfn.sent).toEqual([
      { token, kind: 'success', output: { wake: 'gate-estimate-conclusive', eventId: expect.any(String) } },
    ]);
  });

  it('reads the job at most every 30 seconds while events arrive', async () => {
    // Prepare
    const { w, jobId } = await tracking();
    w.iot.progress(jobId, { FAILED: 8 });

    // Act
    for (let i = 0; i < 8; i++) await trackExecution(terminal(jobId, thing(i), 'FAILED', AT + i), w.tracker);

    // Assess
    expect(w.iot.reads).toHaveLength(1);
  });

  it('wakes nobody for a duplicate of the deciding event: the token is gone', async () => {
    // Prepare
    const { w, jobId } = await tracking();
    w.iot.progress(jobId, { FAILED: 8 });
    for (let i = 0; i < 8; i++) await trackExecution(terminal(jobId, thing(i), 'FAILED', AT), w.tracker);

    // Act
    const again = await trackExecution(terminal(jobId, thing(7), 'FAILED', AT), w.tracker);

    // Assess
    expect(again).toBe('stale');
    expect(w.sfn.sent).toHaveLength(1);
  });

  it('does not wake when the job shows nothing conclusive, however the events look', async () => {
    // Prepare
    const { w, jobId } = await tracking();
    w.iot.progress(jobId, { IN_PROGRESS: 100 });

    // Act
    for (let i = 0; i < 3; i++) await trackExecution(terminal(jobId, thing(i), 'FAILED', AT), w.tracker);

    // Assess
    expect(w.sfn.sent).toEqual([]);
  });

  it('cannot make a decision with forged successes: the job’s decision stays where the job is', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    w.iot.progress(jobId, { IN_PROGRESS: 100 });

    // Act
    for (let i = 0; i < 100; i++) await trackExecution(terminal(jobId, thing(i), 'SUCCEEDED', AT), w.tracker);

    // Assess
    const stage = await stageOf(w, rolloutId);
    expect(stage.succeeded).toBe(100);
    const onJob = judgeStageOnJob(await rolloutOf(w, rolloutId), stage, stage.job as JobSnapshot, NOW);
    expect(onJob.outcome).toBe('CONTINUE');
    expect(onJob.evidence).toMatchObject({ succeeded: 0 });
  });

  it('reads the rollout and the stage in one read per event, the plan once per container', async () => {
    // Prepare
    const { w, jobId } = await tracking();
    w.iot.progress(jobId, { IN_PROGRESS: 100 });
    const getRollout = vi.spyOn(w.store, 'getRollout');
    const getStage = vi.spyOn(w.store, 'getStage');
    const both = vi.spyOn(w.store, 'getRolloutAndStage');

    // Act
    for (let i = 0; i < 3; i++)
      expect(await trackExecution(terminal(jobId, thing(i), 'FAILED', AT + i), w.tracker)).toBe('applied');

    // Assess
    expect(getRollout).toHaveBeenCalledTimes(1);
    expect(getStage).not.toHaveBeenCalled();
    expect(both).toHaveBeenCalledTimes(3);
  });

  it('wakes nobody when a pause lands while the event is counted: the pause takes the token', async () => {
    // Prepare
    const { w, rolloutId, jobId, token } = await tracking();
    w.iot.progress(jobId, { FAILED: 8 });
    // After the first event's rollout read, before its counters: the pause API's two writes.
    w.store.race('counters', async () => {
      await w.store.updateRollout(rolloutId, { status: 'PAUSED', paused: true, updatedAt: NOW });
      expect(await w.store.claimToken(rolloutId, { kind: 'gate', stageIndex: 0 })).toBe(token);
    });

    // Act
    const results: string[] = [];
    for (let i = 0; i < 8; i++)
      results.push(await trackExecution(terminal(jobId, thing(i), 'FAILED', AT), w.tracker));

    // Assess
    expect(results).toEqual(Array(8).fill('applied'));
    expect(w.sfn.sent).toEqual([]);
  });

  it('does not wake a paused rollout', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    w.iot.progress(jobId, { FAILED: 8 });
    await w.store.updateRollout(rolloutId, { status: 'PAUSED', paused: true, updatedAt: T0 });

    // Act
    for (let i = 0; i < 8; i++) await trackExecution(terminal(jobId, thing(i), 'FAILED', AT), w.tracker);

    // Assess
    expect(w.sfn.sent).toEqual([]);
    expect((await counts(w, rolloutId)).failed).toBe(8);
  });

  it('does not wake a rollout that is aborting', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    w.iot.progress(jobId, { FAILED: 8 });
    await w.store.updateRollout(rolloutId, { abortRequested: true, updatedAt: T0 });

    // Act
    for (let i = 0; i < 8; i++) await trackExecution(terminal(jobId, thing(i), 'FAILED', AT), w.tracker);

    // Assess
    expect(w.sfn.sent).toEqual([]);
  });

  it('wakes a watched continuous stage only for a halt, not for a conclusive promote', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await tracking();
    w.iot.progress(jobId, { SUCCEEDED: 200 });
    await w.store.markWatching(rolloutId, 0, T0);

    // Act
    for (let i = 0; i < 200; i++) await trackExecution(terminal(jobId, thing(i), 'SUCCEEDED', AT), w.tracker);

    // Assess
    expect(w.sfn.sent).toEqual([]);
  });

  it('wakes a stage still at its gate for a conclusive promote', async () => {
    // Prepare
    const { w, jobId, token } = await tracking();
    w.iot.progress(jobId, { SUCCEEDED: 200 });

    // Act
    for (let i = 0; i < 200; i++) await trackExecution(terminal(jobId, thing(i), 'SUCCEEDED', AT), w.tracker);

    // Assess
    expect(w.sfn.tokensSent()).toEqual([token]);
  });

  it('wakes a watched stage when late joiners fail and the job agrees', async () => {
    // Prepare
    const { w, rolloutId, jobId, token } = await tracking();
    w.iot.progress(jobId, { SUCCEEDED: 150, FAILED: 30 });
    await w.store.markWatching(rolloutId, 0, T0);

    // Act
    for (let i = 0; i < 30; i++) await trackExecution(terminal(jobId, thing(i), 'FAILED', AT), w.tracker);

    // Assess
    expect(w.sfn.tokensSent()).toEqual([token]);
  });
});

describe('trackExecution: the halt rule on the first starters', () => {
  /** 600 started, 12 timed out, all 12 among the first 40 starters: the whole stage does not halt yet. */
  async function earlyFailures() {
    const world = await tracking();
    const { w, rolloutId, jobId } = world;
    w.iot.progress(jobId, { TIMED_OUT: 12, SUCCEEDED: 28, IN_PROGRESS: 560 }, (n) => T0 + 1_000 + n * 1_000);
    const early = (await w.iot.describeJob(jobId, T0 + MINUTE)) as JobSnapshot;
    await w.store.putJobSnapshot(rolloutId, 0, { ...early, at: T0 - 1 }, [{ at: T0 + MINUTE, exposed: 40 }]);
    w.setNow(T0 + HOUR);
    return world;
  }

  it('wakes the execution when the first starters failed', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await earlyFailures();

    // Act
    const result = await trackExecution(
      terminal(jobId, thing(1), 'TIMED_OUT', T0 + HOUR - 10_000),
      w.tracker,
    );

    // Assess
    expect(result).toBe('woke');
    expect((await w.store.getStage(rolloutId, 0))?.starts?.at(-1)).toMatchObject({ exposed: 600 });
  });

  it('does not list executions for a success', async () => {
    // Prepare
    const { w, jobId } = await earlyFailures();

    // Act
    const result = await trackExecution(
      terminal(jobId, thing(1), 'SUCCEEDED', T0 + HOUR - 10_000),
      w.tracker,
    );

    // Assess
    expect(result).toBe('applied');
    expect(w.sfn.sent).toEqual([]);
  });
});
