import { describe, expect, it } from 'vitest';
import { causeMessage, haltReason, haltStage } from '../../../shared/services/rollout-outcomes';
import { runStep, type StepInput } from '../../../shared/services/rollout-steps';
import type { FakeRolloutStore } from '../../fakes/rollout-store';
import {
  created,
  executionOf,
  HOUR,
  MINUTE,
  rolloutWorld,
  startedStage,
  step,
  T0,
  twoStages,
  withRings,
} from '../../fakes/rollout-world';

const HALT = { gate: { outcome: 'HALT' } };
const ROLLBACK = { rollback: { document: { op: 'install', version: '2.3' } } };

async function running(extra: Record<string, unknown> = {}, canary: Record<string, unknown> = {}) {
  const w = rolloutWorld();
  withRings(w);
  const rolloutId = await created(w, twoStages('fw', extra, canary));
  const { jobId, token } = await startedStage(w, rolloutId);
  return { w, rolloutId, jobId, gateToken: token };
}

describe('halt', () => {
  it('halts the rollout and its stage with the reason the state machine gave', async () => {
    // Prepare
    const { w, rolloutId } = await running();

    // Act
    const result = await step(w, rolloutId, 'halt', 0, T0 + HOUR, { state: HALT });

    // Assess
    expect(result).toEqual({ rollback: false });
    expect(await w.store.getRollout(rolloutId)).toMatchObject({ status: 'HALTED', reason: 'gate-halt' });
    expect((await w.store.getStage(rolloutId, 0))?.status).toBe('HALTED');
  });

  it('cancels the stage’s job without force, letting started devices finish, and audits it', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await running();

    // Act
    await step(w, rolloutId, 'halt', 0, T0 + HOUR, { state: HALT });

    // Assess
    expect(w.iot.cancels).toEqual([
      expect.objectContaining({ jobId, force: false, reasonCode: 'ROLLOUT_HALTED' }),
    ]);
    expect(w.effects.audited('rollout.job.cancelled')[0]?.details).toMatchObject({ jobId, force: false });
  });

  it('cancels with force when the plan says so', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await running({}, { cancel: { force: true } });

    // Act
    await step(w, rolloutId, 'halt', 0, T0 + HOUR, { state: HALT });

    // Assess
    expect(w.iot.cancels).toEqual([expect.objectContaining({ jobId, force: true })]);
  });

  it('reports the exposure the last read of the job showed, and tells the operators', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await running();
    w.iot.progress(jobId, { FAILED: 8, SUCCEEDED: 2, IN_PROGRESS: 10 });
    await step(w, rolloutId, 'reconcile', 0, T0 + 2 * MINUTE);

    // Act
    await step(w, rolloutId, 'halt', 0, T0 + 2 * MINUTE, { state: HALT });

    // Assess
    expect(w.effects.audited('rollout.halted')[0]?.details).toMatchObject({
      reason: 'gate-halt',
      exposure: { started: 20, stillRunning: 10, stillRunningAfterCancel: 10, neverStarted: 80 },
      decision: expect.objectContaining({ outcome: 'HALT' }),
    });
    expect(w.effects.notices.at(-1)?.subject).toBe('Rollout halted: fw');
  });

  it('drops the tokens the stage’s waits left', async () => {
    // Prepare
    const { w, rolloutId } = await running();

    // Act
    await step(w, rolloutId, 'halt', 0, T0 + HOUR, { state: HALT });

    // Assess
    expect(w.store.tokenIn(rolloutId, { kind: 'gate', stageIndex: 0 })).toBeUndefined();
  });

  it('asks for the plan’s rollback after a halt', async () => {
    // Prepare
    const { w, rolloutId } = await running(ROLLBACK);

    // Act
    const result = await step(w, rolloutId, 'halt', 0, T0 + HOUR, { state: HALT });

    // Assess
    expect(result).toEqual({ rollback: true });
  });

  it('cancels once and records once when the halt is retried', async () => {
    // Prepare
    const { w, rolloutId } = await running();
    await step(w, rolloutId, 'halt', 0, T0 + HOUR, { state: HALT });

    // Act
    await step(w, rolloutId, 'halt', 0, T0 + HOUR, { state: HALT });

    // Assess
    expect(w.iot.cancels).toHaveLength(1);
    expect(w.effects.audited('rollout.job.cancelled')).toHaveLength(1);
    expect(w.effects.audited('rollout.halted')).toHaveLength(1);
  });

  it('leaves a rollout alone that another execution took over (a resume recorded meanwhile)', async () => {
    // Prepare
    const { w, rolloutId } = await running();
    const resumed = executionOf(`${rolloutId}--r1-0badcafe`);
    await w.store.updateRollout(rolloutId, {
      status: 'RUNNING',
      executionArn: resumed,
      attempt: 1,
      updatedAt: T0,
    });

    // Act
    const result = await haltStage(w.steps, rolloutId, 0, HALT, T0 + HOUR, executionOf(rolloutId));

    // Assess
    expect(result).toEqual({ fenced: true });
    expect(await w.store.getRollout(rolloutId)).toMatchObject({ status: 'RUNNING', executionArn: resumed });
    expect(w.iot.cancels).toEqual([]);
    expect(w.effects.audited('rollout.halted')).toEqual([]);
  });

  it('answers the state machine with no rollback when it was fenced off', async () => {
    // Prepare
    const { w, rolloutId } = await running(ROLLBACK);
    const own = executionOf(rolloutId);
    // A resume is recorded after the step's execution check passed, before its halt is written.
    const racing: FakeRolloutStore = Object.assign(Object.create(w.store), {
      getStage: async (id: string, i: number) => {
        await w.store.updateRollout(rolloutId, { executionArn: executionOf('resumed'), updatedAt: T0 });
        return w.store.getStage(id, i);
      },
    });
    const input = { action: 'halt', rolloutId, stageIndex: 0, now: T0 + HOUR, executionId: own, state: HALT };

    // Act
    const result = await runStep(input as StepInput, { ...w.steps, store: racing });

    // Assess
    expect(result).toEqual({ rollback: false });
    expect((await w.store.getRollout(rolloutId))?.status).toBe('RUNNING');
  });
});

describe('haltReason', () => {
  it.each([
    [{ error: { Error: 'ApprovalRejected' } }, 'approval-rejected'],
    [{ error: { Error: 'PromotionRefusedError' } }, 'promotion-refused'],
    [{ error: { Error: 'FleetAlarmHaltError' } }, 'fleet-alarm'],
    [{ error: { Error: 'States.Timeout' } }, 'approval-expired'],
    [{ gate: { outcome: 'HALT', reason: 'JOB_STOPPED_OUTSIDE' } }, 'job-stopped-outside'],
    [{ gate: { outcome: 'HALT', reason: 'FLEET_ALARM' } }, 'fleet-alarm'],
    [{ gate: { outcome: 'HALT', reason: 'RATE_ABOVE_THRESHOLD' } }, 'gate-halt'],
    [{ gate: { outcome: 'INCONCLUSIVE_AT_DEADLINE' } }, 'inconclusive-halt'],
  ])('names %j as %s', (state, reason) => {
    // Act
    const named = haltReason(state);

    // Assess
    expect(named).toBe(reason);
  });
});

describe('abort', () => {
  it('cancels the running stage’s job and ends the rollout ABORTED', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await running();
    await w.store.updateRollout(rolloutId, { abortRequested: true, updatedAt: T0 });

    // Act
    const result = await step(w, rolloutId, 'abort', 0, T0 + HOUR);

    // Assess
    expect(result).toEqual({ rollback: false });
    expect(await w.store.getRollout(rolloutId)).toMatchObject({
      status: 'ABORTED',
      reason: 'aborted',
      paused: false,
    });
    expect((await w.store.getStage(rolloutId, 0))?.status).toBe('ABORTED');
    expect(w.iot.cancels).toEqual([expect.objectContaining({ jobId, reasonCode: 'ROLLOUT_HALTED' })]);
    expect(w.effects.audited('rollout.aborted')[0]?.details).toMatchObject({
      jobCancel: { result: 'cancelled', force: false },
    });
  });

  it('cancels nothing when it lands between stages', async () => {
    // Prepare
    const { w, rolloutId } = await running();
    await w.store.setStageStatus(rolloutId, 0, 'PROMOTED');

    // Act
    await step(w, rolloutId, 'abort', 0, T0 + HOUR);

    // Assess
    expect(w.iot.cancels).toEqual([]);
    expect((await w.store.getRollout(rolloutId))?.status).toBe('ABORTED');
  });

  it('rolls back when the abort asked for it', async () => {
    // Prepare
    const { w, rolloutId } = await running(ROLLBACK);
    await w.store.updateRollout(rolloutId, { abortRequested: true, rollbackRequested: true, updatedAt: T0 });

    // Act
    const result = await step(w, rolloutId, 'abort', 0, T0 + HOUR);

    // Assess
    expect(result).toEqual({ rollback: true });
  });

  it('rolls back when the plan rolls back on every abort', async () => {
    // Prepare
    const { w, rolloutId } = await running({ rollback: { ...ROLLBACK.rollback, onAbort: true } });

    // Act
    const result = await step(w, rolloutId, 'abort', 0, T0 + HOUR);

    // Assess
    expect(result).toEqual({ rollback: true });
  });

  it('does not roll back an abort that did not ask, when the plan does not say so', async () => {
    // Prepare
    const { w, rolloutId } = await running(ROLLBACK);

    // Act
    const result = await step(w, rolloutId, 'abort', 0, T0 + HOUR);

    // Assess
    expect(result).toEqual({ rollback: false });
  });
});

describe('complete and fail', () => {
  it('completes the rollout after its last stage, audited', async () => {
    // Prepare
    const { w, rolloutId } = await running();
    await w.store.updateRollout(rolloutId, { currentStage: 2, updatedAt: T0 });

    // Act
    await step(w, rolloutId, 'complete', 2, T0 + HOUR);

    // Assess
    expect((await w.store.getRollout(rolloutId))?.status).toBe('COMPLETED');
    expect(w.effects.published()).toContain('RolloutCompleted');
  });

  it('fails the rollout with the first line of the error’s message, and tells the operators', async () => {
    // Prepare
    const { w, rolloutId } = await running();
    const error = {
      Error: 'TargetGroupNotFoundError',
      Cause: JSON.stringify({ errorMessage: 'thing group ring-x does not exist\n    at stack' }),
    };

    // Act
    await step(w, rolloutId, 'fail', 0, T0 + HOUR, { state: { error } });

    // Assess
    expect(await w.store.getRollout(rolloutId)).toMatchObject({
      status: 'FAILED',
      reason: 'error TargetGroupNotFoundError: thing group ring-x does not exist',
    });
    expect(w.effects.notices.at(-1)?.subject).toBe(`Rollout failed: ${rolloutId}`);
    expect(w.store.tokenIn(rolloutId, { kind: 'gate', stageIndex: 0 })).toBeUndefined();
  });

  it('reads a cause that is not JSON as the message itself', () => {
    // Act
    const message = causeMessage('plain words\nsecond line');

    // Assess
    expect(message).toBe('plain words');
  });
});
