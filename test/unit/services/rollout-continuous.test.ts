import { describe, expect, it } from 'vitest';
import {
  awaitWatch,
  completeContinuous,
  reconcileWatch,
  startWatch,
} from '../../../shared/services/rollout-continuous';
import { BOB, created, MINUTE, rolloutWorld, step, T0, terminal, withRings } from '../../fakes/rollout-world';

const PASSED = T0 + 40 * MINUTE;
const WATCHED = T0 + 2 * 60 * MINUTE;
const alarms = (action: 'pause' | 'halt') => ({ health: { alarms: { names: ['crash-rate'], action } } });

/** A one-stage rollout whose stage is continuous; the stage started and its gate passed. */
async function passed(defaults: Record<string, unknown> = {}) {
  const w = rolloutWorld();
  withRings(w, 100, ['ring-canary']);
  const plan = {
    name: 'watched',
    document: { op: 'update' },
    defaults,
    stages: [{ name: 'everyone', targets: ['ring-canary'], job: { targetSelection: 'CONTINUOUS' } }],
  };
  const rolloutId = await created(w, plan);
  await step(w, rolloutId, 'checkpoint', 0, T0);
  await step(w, rolloutId, 'startStage', 0, T0);
  const jobId = `${rolloutId}-s0`;
  w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'OK' });
  w.iot.progress(jobId, { SUCCEEDED: 150 });
  const gate = await step(w, rolloutId, 'reconcile', 0, PASSED);
  if (gate.outcome !== 'PROMOTE') throw new Error(`the gate did not pass: ${JSON.stringify(gate)}`);
  return { w, rolloutId, jobId };
}

async function watched(defaults: Record<string, unknown> = {}) {
  const world = await passed(defaults);
  await startWatch(world.w.steps, world.rolloutId, 0, PASSED);
  return world;
}

describe('checkpoint of a continuous last stage', () => {
  it('says the stage is continuous', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w, 10, ['ring-canary']);
    const rolloutId = await created(w, {
      name: 'watched',
      document: { op: 'update' },
      stages: [{ name: 'everyone', targets: ['ring-canary'], job: { targetSelection: 'CONTINUOUS' } }],
    });

    // Act
    const next = await step(w, rolloutId, 'checkpoint', 0, T0);

    // Assess
    expect(next).toMatchObject({ next: 'start', continuous: true });
  });
});

describe('startWatch', () => {
  it('marks the stage watched and audits it once', async () => {
    // Prepare
    const { w, rolloutId } = await passed();

    // Act
    const decision = await startWatch(w.steps, rolloutId, 0, PASSED);

    // Assess
    expect(decision).toMatchObject({ outcome: 'PROMOTE', reason: 'WATCHING', next: 'watch' });
    expect((await w.store.getStage(rolloutId, 0))?.watchingSince).toBe(PASSED);
    expect(w.effects.audited('rollout.stage.watching')).toHaveLength(1);
  });

  it('keeps the first time it was watched when the step is retried', async () => {
    // Prepare
    const { w, rolloutId } = await passed();
    await startWatch(w.steps, rolloutId, 0, PASSED);

    // Act
    await startWatch(w.steps, rolloutId, 0, PASSED + MINUTE);

    // Assess
    expect((await w.store.getStage(rolloutId, 0))?.watchingSince).toBe(PASSED);
  });
});

describe('reconcile of a watched stage (a resume after a pause)', () => {
  it('keeps it watched, with no new gate decision', async () => {
    // Prepare
    const { w, rolloutId } = await watched();

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, WATCHED);

    // Assess
    expect(decision).toMatchObject({ outcome: 'PROMOTE', reason: 'WATCHING' });
    expect(w.effects.audited('rollout.gate.changed')).toHaveLength(1);
  });
});

describe('awaitWatch', () => {
  it('parks the watch token in the gate’s slot, where pause and abort find it', async () => {
    // Prepare
    const { w, rolloutId } = await watched();
    const token = w.sfn.issueToken('watch');

    // Act
    await awaitWatch(w.steps, rolloutId, 0, token, WATCHED);

    // Assess
    expect(w.store.tokenIn(rolloutId, { kind: 'gate', stageIndex: 0 })).toBe(token);
    expect(w.sfn.sent).toEqual([]);
  });

  it('wakes at once for a completion that was asked before it parked', async () => {
    // Prepare
    const { w, rolloutId } = await watched();
    await w.store.updateRollout(rolloutId, {
      completeRequested: true,
      completeRequestedBy: BOB,
      updatedAt: T0,
    });
    const token = w.sfn.issueToken('watch');

    // Act
    await awaitWatch(w.steps, rolloutId, 0, token, WATCHED);

    // Assess
    expect(w.sfn.sent).toEqual([{ token, kind: 'success', output: { wake: 'complete' } }]);
  });

  it('fails the wait at once for an abort that landed first', async () => {
    // Prepare
    const { w, rolloutId } = await watched();
    await w.store.updateRollout(rolloutId, { abortRequested: true, updatedAt: T0 });
    const token = w.sfn.issueToken('watch');

    // Act
    await awaitWatch(w.steps, rolloutId, 0, token, WATCHED);

    // Assess
    expect(w.sfn.sent.map((s) => s.kind === 'failure' && s.error)).toEqual(['RolloutAborted']);
  });

  it('wakes for failures seen while nobody waited, when the job confirms a halt', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await watched();
    for (let i = 0; i < 40; i++)
      await w.store.counters(rolloutId, 0, terminal(jobId, `late-${i}`, 'FAILED', WATCHED - MINUTE + i));
    w.iot.progress(jobId, { SUCCEEDED: 150, FAILED: 40 });
    const token = w.sfn.issueToken('watch');

    // Act
    await awaitWatch(w.steps, rolloutId, 0, token, WATCHED);

    // Assess
    expect(w.sfn.sent).toEqual([{ token, kind: 'success', output: { wake: 'gate-estimate-halt' } }]);
  });

  it('does not wake for failures the job does not confirm (no wake-up loop on forged events)', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await watched();
    for (let i = 0; i < 40; i++)
      await w.store.counters(rolloutId, 0, terminal(jobId, `forged-${i}`, 'FAILED', WATCHED - MINUTE + i));
    const token = w.sfn.issueToken('watch');

    // Act
    await awaitWatch(w.steps, rolloutId, 0, token, WATCHED);

    // Assess
    expect(w.sfn.sent).toEqual([]);
    expect(w.store.tokenIn(rolloutId, { kind: 'gate', stageIndex: 0 })).toBe(token);
  });
});

describe('reconcileWatch', () => {
  it('watches on while the job stays healthy', async () => {
    // Prepare
    const { w, rolloutId } = await watched();

    // Act
    const decision = await reconcileWatch(w.steps, rolloutId, 0, WATCHED);

    // Assess
    expect(decision).toMatchObject({ outcome: 'PROMOTE', reason: 'WATCHING', next: 'watch' });
  });

  it('completes once an operator asked', async () => {
    // Prepare
    const { w, rolloutId } = await watched();
    await w.store.updateRollout(rolloutId, { completeRequested: true, updatedAt: T0 });

    // Act
    const decision = await reconcileWatch(w.steps, rolloutId, 0, WATCHED);

    // Assess
    expect(decision.next).toBe('complete');
  });

  it('still halts when devices that joined late fail, and audits that decision', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await watched();
    w.iot.progress(jobId, { SUCCEEDED: 150, FAILED: 40 });

    // Act
    const decision = await reconcileWatch(w.steps, rolloutId, 0, WATCHED);

    // Assess
    expect(decision).toMatchObject({ outcome: 'HALT', next: 'halt' });
    expect(w.effects.audited('rollout.gate.changed').at(-1)?.details).toMatchObject({
      previous: 'PROMOTE',
      outcome: 'HALT',
    });
  });

  it('halts when someone else cancelled the job', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await watched();
    w.iot.stopOutside(jobId, 'cancel');

    // Act
    const decision = await reconcileWatch(w.steps, rolloutId, 0, WATCHED);

    // Assess
    expect(decision).toMatchObject({ outcome: 'HALT', reason: 'JOB_STOPPED_OUTSIDE', next: 'halt' });
  });

  it('halts on a plan alarm that halts', async () => {
    // Prepare
    const { w, rolloutId } = await watched(alarms('halt'));
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'ALARM', reason: 'crashes' });

    // Act
    const decision = await reconcileWatch(w.steps, rolloutId, 0, WATCHED);

    // Assess
    expect(decision).toMatchObject({ next: 'halt', outcome: 'HALT', reason: 'FLEET_ALARM' });
    expect(w.effects.actions()).toContain('rollout.alarm.halting');
  });

  it('pauses on a plan alarm that pauses, and looks again in a second', async () => {
    // Prepare
    const { w, rolloutId } = await watched(alarms('pause'));
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'ALARM', reason: 'crashes' });

    // Act
    const decision = await reconcileWatch(w.steps, rolloutId, 0, WATCHED);

    // Assess
    expect(decision).toMatchObject({ next: 'watch', reason: 'FLEET_ALARM', waitSeconds: 1 });
    expect((await w.store.getRollout(rolloutId))?.status).toBe('PAUSED');
  });
});

describe('completeContinuous', () => {
  it('cancels the job without force, as a completion, and audits who completed it', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await watched();
    await w.store.updateRollout(rolloutId, {
      completeRequested: true,
      completeRequestedBy: BOB,
      updatedAt: T0,
    });

    // Act
    const result = await completeContinuous(w.steps, rolloutId, 0, WATCHED);

    // Assess
    expect(result).toEqual({ nextStageIndex: 1 });
    expect(w.iot.cancels).toEqual([
      expect.objectContaining({ jobId, force: false, reasonCode: 'ROLLOUT_COMPLETED' }),
    ]);
    expect(w.effects.audited('rollout.job.cancelled')[0]?.details).toMatchObject({
      why: 'completed',
      completedBy: BOB,
      result: 'cancelled',
    });
  });

  it('keeps the stage’s outcome with the job’s final counts, late joiners included', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await watched();
    w.iot.progress(jobId, { SUCCEEDED: 180 });

    // Act
    await completeContinuous(w.steps, rolloutId, 0, WATCHED);

    // Assess
    expect(await w.store.getStage(rolloutId, 0)).toMatchObject({
      status: 'PROMOTED',
      lastDecision: {
        outcome: 'PROMOTE',
        reason: 'COMPLETED',
        evidence: expect.objectContaining({ succeeded: 180 }),
      },
    });
    expect((await w.store.getRollout(rolloutId))?.currentStage).toBe(1);
  });

  it('says completeAt completed it when no operator asked', async () => {
    // Prepare
    const { w, rolloutId } = await watched();

    // Act
    await completeContinuous(w.steps, rolloutId, 0, WATCHED);

    // Assess
    expect(w.effects.audited('rollout.job.cancelled')[0]?.details).toMatchObject({
      completedBy: 'completeAt',
    });
  });
});
