import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../shared/domain/rollout/job-snapshot';
import {
  created,
  MINUTE,
  rolloutWorld,
  startedStage,
  step,
  T0,
  twoStages,
  withRings,
} from '../../fakes/rollout-world';

const BAKED = T0 + 31 * MINUTE;

async function started(extra: Record<string, unknown> = {}) {
  const w = rolloutWorld();
  withRings(w);
  const rolloutId = await created(w, twoStages('fw', extra));
  const { jobId } = await startedStage(w, rolloutId);
  return { w, rolloutId, jobId };
}

const alarms = (names: string[], action: 'pause' | 'halt') => ({
  defaults: { health: { alarms: { names, action } } },
});

describe('reconcile: the gate on the job as AWS IoT reports it', () => {
  it('promotes a stage whose every execution succeeded, once the bake is over', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await started();
    w.iot.progress(jobId, { SUCCEEDED: 100 });

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, BAKED);

    // Assess
    expect(decision).toMatchObject({ outcome: 'PROMOTE', action: 'none' });
    expect(await w.store.getStage(rolloutId, 0)).toMatchObject({
      lastOutcome: 'PROMOTE',
      job: { succeeded: 100, at: BAKED },
    });
  });

  it('keeps going while the bake runs, and says when to look again', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await started();
    w.iot.progress(jobId, { SUCCEEDED: 100 });

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, T0 + 5 * MINUTE);

    // Assess
    expect(decision).toMatchObject({ outcome: 'CONTINUE' });
    expect(decision.waitSeconds).toBeGreaterThanOrEqual(1);
  });

  it('halts a stage whose job shows too many failures', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await started();
    w.iot.progress(jobId, { FAILED: 8, SUCCEEDED: 2, IN_PROGRESS: 10 });

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, T0 + 2 * MINUTE);

    // Assess
    expect(decision).toMatchObject({ outcome: 'HALT', reason: 'RATE_ABOVE_THRESHOLD' });
  });

  it('decides on the job, not on the events the tracker counted', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await started();
    const forged = { succeeded: 100 };
    w.store.stages.set(`${rolloutId}#000`, { ...w.store.stages.get(`${rolloutId}#000`), ...forged });
    w.iot.progress(jobId, { IN_PROGRESS: 100 });

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, BAKED);

    // Assess
    expect(decision.outcome).toBe('CONTINUE');
  });

  it('audits a changed decision with its evidence, once however often it is reached again', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await started();
    w.iot.progress(jobId, { SUCCEEDED: 100 });
    await step(w, rolloutId, 'reconcile', 0, BAKED);

    // Act
    await step(w, rolloutId, 'reconcile', 0, BAKED + MINUTE);

    // Assess
    expect(w.effects.audited('rollout.gate.changed')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({
          previous: null,
          outcome: 'PROMOTE',
          evidence: expect.any(Object),
        }),
      }),
    ]);
  });

  it('uses when failed executions started for the halt rule on the first starters', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await started();
    // 12 of the first 40 starters timed out; 560 more run: the whole stage does not halt yet.
    w.iot.progress(jobId, { TIMED_OUT: 12, SUCCEEDED: 28, IN_PROGRESS: 560 }, (n) => T0 + 1_000 + n * 1_000);
    const early = (await w.iot.describeJob(jobId, T0 + MINUTE)) as JobSnapshot;
    await w.store.putJobSnapshot(rolloutId, 0, early, [{ at: T0 + MINUTE, exposed: 40 }]);

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, T0 + 60 * MINUTE);

    // Assess
    expect(decision.outcome).toBe('HALT');
  });

  it('throws IotThrottledError, which the state machine retries, when DescribeJob is throttled', async () => {
    // Prepare
    const { w, rolloutId } = await started();
    w.iot.throttle('describeJob');

    // Act
    const reconciling = step(w, rolloutId, 'reconcile', 0, BAKED);

    // Assess
    await expect(reconciling).rejects.toMatchObject({ name: 'IotThrottledError' });
  });
});

describe('reconcile: a job stopped outside the rollout', () => {
  it.each(['cancel', 'delete'] as const)(
    'halts when someone else did %s the job, and audits it',
    async (how) => {
      // Prepare
      const { w, rolloutId, jobId } = await started();
      w.iot.stopOutside(jobId, how, 'BACKSTOP');

      // Act
      const decision = await step(w, rolloutId, 'reconcile', 0, T0 + 5 * MINUTE);

      // Assess
      expect(decision).toMatchObject({ outcome: 'HALT', reason: 'JOB_STOPPED_OUTSIDE' });
      expect(w.effects.audited('rollout.job.stopped-outside')).toEqual([
        expect.objectContaining({ details: expect.objectContaining({ stageIndex: 0, jobId }) }),
      ]);
    },
  );

  it('explains a cancel with the job’s own reason code', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await started();
    w.iot.stopOutside(jobId, 'cancel', 'BACKSTOP');

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, T0 + 5 * MINUTE);

    // Assess
    expect(decision.explanation).toContain('reasonCode BACKSTOP');
  });
});

describe('reconcile: the plan’s fleet alarms', () => {
  it('halts when an alarm the plan halts on is in ALARM', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await started(alarms(['crash-rate'], 'halt'));
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'ALARM', reason: 'crashes' });
    w.iot.progress(jobId, { SUCCEEDED: 100 });

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, BAKED);

    // Assess
    expect(decision).toMatchObject({ outcome: 'HALT', reason: 'FLEET_ALARM' });
    expect(w.effects.actions()).toContain('rollout.alarm.halting');
  });

  it('pauses the rollout and waits, recording no promotion, when an alarm the plan pauses on fires', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await started(alarms(['crash-rate'], 'pause'));
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'ALARM', reason: 'crashes' });
    w.iot.progress(jobId, { SUCCEEDED: 100 });

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, BAKED);

    // Assess
    expect(decision).toMatchObject({ outcome: 'CONTINUE', reason: 'FLEET_ALARM', waitSeconds: 1 });
    expect(await w.store.getRollout(rolloutId)).toMatchObject({ status: 'PAUSED', reason: 'fleet-alarm' });
    expect((await w.store.getStage(rolloutId, 0))?.lastOutcome).toBeUndefined();
  });

  it('still halts on the job while paused on an alarm', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await started(alarms(['crash-rate'], 'pause'));
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'ALARM', reason: 'crashes' });
    w.iot.progress(jobId, { FAILED: 8, SUCCEEDED: 2, IN_PROGRESS: 10 });

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, T0 + 2 * MINUTE);

    // Assess
    expect(decision).toMatchObject({ outcome: 'HALT', reason: 'RATE_ABOVE_THRESHOLD' });
  });

  it('treats an alarm that does not exist as firing: the guard is never silently off', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await started(alarms(['renamed'], 'pause'));
    w.iot.progress(jobId, { SUCCEEDED: 100 });

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, BAKED);

    // Assess
    expect(decision).toMatchObject({ outcome: 'CONTINUE', reason: 'FLEET_ALARM' });
    expect(decision.explanation).toContain('not found: renamed');
  });
});
