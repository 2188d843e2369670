import { describe, expect, it } from 'vitest';
import {
  ARN_PREFIX,
  created,
  executionOf,
  MINUTE,
  rolloutWorld,
  step,
  T0,
  terminal,
  twoStages,
  withRings,
} from '../../fakes/rollout-world';

async function world(extra: Record<string, unknown> = {}, canary: Record<string, unknown> = {}) {
  const w = rolloutWorld();
  withRings(w);
  const rolloutId = await created(w, twoStages('fw', extra, canary));
  return { w, rolloutId, jobId: `${rolloutId}-s0` };
}

describe('checkpoint', () => {
  it('starts the stage and records it as the rollout’s current one', async () => {
    // Prepare
    const { w, rolloutId } = await world({}, { approval: { required: true, timeoutMinutes: 90 } });

    // Act
    const next = await step(w, rolloutId, 'checkpoint', 0, T0);

    // Assess
    expect(next).toEqual({
      next: 'start',
      approvalRequired: true,
      approvalTimeoutSeconds: 5400,
      continuous: false,
    });
    expect(w.store.writes).toContain(`updateRollout:${rolloutId}:currentStage,updatedAt`);
  });

  it('waits when the rollout is paused', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    await w.store.updateRollout(rolloutId, { status: 'PAUSED', paused: true, updatedAt: T0 });

    // Act
    const next = await step(w, rolloutId, 'checkpoint', 0, T0);

    // Assess
    expect(next.next).toBe('pause');
  });

  it('aborts when an abort was requested, even while paused', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    await w.store.updateRollout(rolloutId, { paused: true, abortRequested: true, updatedAt: T0 });

    // Act
    const next = await step(w, rolloutId, 'checkpoint', 0, T0);

    // Assess
    expect(next.next).toBe('abort');
  });

  it('completes after the last stage', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    await w.store.updateRollout(rolloutId, { currentStage: 2, updatedAt: T0 });

    // Act
    const next = await step(w, rolloutId, 'checkpoint', 2, T0);

    // Assess
    expect(next).toMatchObject({ next: 'complete', approvalRequired: false });
  });
});

describe('startStage', () => {
  it('records the stage with the things its groups hold before creating its job', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await world();

    // Act
    await step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    expect(await w.store.getStage(rolloutId, 0)).toMatchObject({
      jobId,
      status: 'RUNNING',
      startedAt: T0,
      targets: 100,
      succeeded: 0,
      failed: 0,
    });
    expect(w.store.writes.indexOf(`putStage:${rolloutId}#000`)).toBeGreaterThanOrEqual(0);
    expect(w.iot.jobs.get(jobId)?.request).toMatchObject({
      targets: [`${ARN_PREFIX}:thinggroup/ring-canary`],
      targetSelection: 'SNAPSHOT',
      document: JSON.stringify({ op: 'update' }),
    });
  });

  it('audits the start with the job and what it targets', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await world();

    // Act
    await step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    expect(w.effects.audited('rollout.stage.started')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ stageIndex: 0, jobId, things: 100, job: 'created' }),
      }),
    ]);
  });

  it('answers a CONTINUE that waits until the gate can decide', async () => {
    // Prepare
    const { w, rolloutId } = await world();

    // Act
    const decision = await step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    expect(decision).toMatchObject({ outcome: 'CONTINUE', action: 'none' });
    expect(decision.waitSeconds).toBeGreaterThan(0);
  });

  it('creates one job and one record when the start is retried', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await world();
    await step(w, rolloutId, 'startStage', 0, T0);

    // Act
    await step(w, rolloutId, 'startStage', 0, T0 + 5_000);

    // Assess
    expect(w.iot.calls.filter((c) => c.startsWith('createJob'))).toEqual([`createJob:${jobId}`]);
    expect((await w.store.getStage(rolloutId, 0))?.startedAt).toBe(T0);
    expect(w.effects.audited('rollout.stage.started')).toHaveLength(1);
  });

  it('fails naming the group when a target group vanished since the rollout began', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    w.iot.groups.delete('ring-canary');

    // Act
    const starting = step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'TargetGroupNotFoundError' });
    expect(w.iot.jobs.size).toBe(0);
  });

  it('throws IotThrottledError, which the state machine retries, when CreateJob is throttled', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    w.iot.throttle('createJob');

    // Act
    const starting = step(w, rolloutId, 'startStage', 0, T0);

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'IotThrottledError', retryable: true });
  });

  it('refuses to restart a HALTED stage the rollout was not resumed at', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    await step(w, rolloutId, 'startStage', 0, T0);
    await w.store.setStageStatus(rolloutId, 0, 'HALTED');

    // Act
    const starting = step(w, rolloutId, 'startStage', 0, T0 + MINUTE);

    // Assess
    await expect(starting).rejects.toThrow(/not resumed there/);
  });
});

describe('awaitGate', () => {
  it('parks the gate token where only the rollout functions read it', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    await step(w, rolloutId, 'startStage', 0, T0);
    const token = w.sfn.issueToken('gate');

    // Act
    await step(w, rolloutId, 'awaitGate', 0, T0, { token });

    // Assess
    expect(w.store.tokenIn(rolloutId, { kind: 'gate', stageIndex: 0 })).toBe(token);
    expect(w.sfn.sent).toEqual([]);
  });

  it('fails the wait at once when an abort landed before the token was parked', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    await step(w, rolloutId, 'startStage', 0, T0);
    await w.store.updateRollout(rolloutId, { abortRequested: true, updatedAt: T0 });
    const token = w.sfn.issueToken('gate');

    // Act
    await step(w, rolloutId, 'awaitGate', 0, T0, { token });

    // Assess
    expect(w.sfn.sent).toEqual([
      { token, kind: 'failure', error: 'RolloutAborted', cause: 'RolloutAborted while waiting on the gate' },
    ]);
  });

  it('fails the wait with RolloutPaused when a pause landed first', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    await step(w, rolloutId, 'startStage', 0, T0);
    await w.store.updateRollout(rolloutId, { status: 'PAUSED', paused: true, updatedAt: T0 });
    const token = w.sfn.issueToken('gate');

    // Act
    await step(w, rolloutId, 'awaitGate', 0, T0, { token });

    // Assess
    expect(w.sfn.sent.map((s) => s.kind === 'failure' && s.error)).toEqual(['RolloutPaused']);
  });

  it('wakes the wait at once when events that came before it already look conclusive', async () => {
    // Prepare
    const { w, rolloutId, jobId } = await world();
    await step(w, rolloutId, 'startStage', 0, T0);
    for (let i = 0; i < 10; i++)
      await w.store.counters(rolloutId, 0, terminal(jobId, `ring-canary-t${i}`, 'FAILED', T0 + i));
    const token = w.sfn.issueToken('gate');

    // Act
    await step(w, rolloutId, 'awaitGate', 0, T0 + MINUTE, { token });

    // Assess
    expect(w.sfn.sent).toEqual([{ token, kind: 'success', output: { wake: 'gate-estimate-conclusive' } }]);
  });
});

describe('awaitResume', () => {
  it('parks the resume token while the rollout is paused', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    await w.store.updateRollout(rolloutId, { status: 'PAUSED', paused: true, updatedAt: T0 });
    const token = w.sfn.issueToken('resume');

    // Act
    await step(w, rolloutId, 'awaitResume', 0, T0, { token });

    // Assess
    expect(w.store.tokenIn(rolloutId, { kind: 'resume' })).toBe(token);
    expect(w.sfn.sent).toEqual([]);
  });

  it('answers at once a resume that landed before the token was parked', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    const token = w.sfn.issueToken('resume');

    // Act
    await step(w, rolloutId, 'awaitResume', 0, T0, { token });

    // Assess
    expect(w.sfn.sent).toEqual([{ token, kind: 'success', output: {} }]);
    expect(w.store.tokenIn(rolloutId, { kind: 'resume' })).toBeUndefined();
  });

  it('fails the wait at once when an abort landed first', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    await w.store.updateRollout(rolloutId, { paused: true, abortRequested: true, updatedAt: T0 });
    const token = w.sfn.issueToken('resume');

    // Act
    await step(w, rolloutId, 'awaitResume', 0, T0, { token });

    // Assess
    expect(w.sfn.sent.map((s) => s.kind === 'failure' && s.error)).toEqual(['RolloutAborted']);
  });
});

describe('steps of an execution the rollout API did not start', () => {
  const foreign = executionOf('restart-1');

  it('are refused and audited, and create no job', async () => {
    // Prepare
    const { w, rolloutId } = await world();

    // Act
    const starting = step(w, rolloutId, 'startStage', 0, T0, { executionId: foreign });

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'ExecutionRefusedError' });
    expect(w.iot.jobs.size).toBe(0);
    expect(await w.store.getStage(rolloutId, 0)).toBeUndefined();
    expect(w.effects.audited('rollout.execution.refused')[0]?.details).toMatchObject({
      reason: 'foreign-execution',
      expected: executionOf(rolloutId),
      executionId: foreign,
    });
  });

  it('cannot move a closed rollout, even its own execution', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    await w.store.updateRollout(rolloutId, { status: 'HALTED', updatedAt: T0 });

    // Act
    const moving = step(w, rolloutId, 'checkpoint', 0, T0);

    // Assess
    await expect(moving).rejects.toMatchObject({ name: 'ExecutionRefusedError' });
    expect(w.effects.audited('rollout.execution.refused')[0]?.details).toMatchObject({
      reason: 'rollout-closed',
    });
  });

  it('cannot act on a stage the rollout is not at', async () => {
    // Prepare
    const { w, rolloutId } = await world();

    // Act
    const skipping = step(w, rolloutId, 'startStage', 1, T0);

    // Assess
    await expect(skipping).rejects.toMatchObject({ name: 'ExecutionRefusedError' });
    expect(w.effects.audited('rollout.execution.refused')[0]?.details).toMatchObject({
      reason: 'stage-mismatch',
    });
  });

  it('cannot name a rollout that does not exist', async () => {
    // Prepare
    const w = rolloutWorld();

    // Act
    const starting = step(w, 'nope-12345678', 'startStage', 0, T0, { executionId: foreign });

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'ExecutionRefusedError' });
    expect(w.effects.audited('rollout.execution.refused')[0]?.details).toMatchObject({
      reason: 'no-such-rollout',
      expected: null,
    });
  });

  it('audit the refusal of one execution once, however often it retries', async () => {
    // Prepare
    const { w, rolloutId } = await world();
    await step(w, rolloutId, 'startStage', 0, T0, { executionId: foreign }).catch(() => undefined);

    // Act
    const again = step(w, rolloutId, 'startStage', 0, T0, { executionId: foreign });

    // Assess
    await expect(again).rejects.toMatchObject({ name: 'ExecutionRefusedError' });
    expect(w.effects.audited('rollout.execution.refused')).toHaveLength(1);
  });

  it('refuse the rollback steps while the rollout runs', async () => {
    // Prepare
    const { w, rolloutId } = await world({ rollback: { document: { op: 'install' } } });
    await step(w, rolloutId, 'startStage', 0, T0);

    // Act
    const rollingBack = step(w, rolloutId, 'startRollback', 0, T0 + MINUTE, {
      cursor: { stage: 0, page: 0 },
    });

    // Assess
    await expect(rollingBack).rejects.toMatchObject({ name: 'ExecutionRefusedError' });
    expect(await w.store.getRollback(rolloutId)).toBeUndefined();
  });
});
