import { describe, expect, it } from 'vitest';
import { controlRollout, getRollout, listRollouts } from '../../../shared/services/rollout-api';
import {
  BOB,
  caller,
  created,
  MINUTE,
  rolloutWorld,
  startedStage,
  step,
  T0,
  twoStages,
  withRings,
} from '../../fakes/rollout-world';

const AT = T0 + 10 * MINUTE;
const ROLLBACK = { rollback: { document: { op: 'install', version: '2.3' } } };

async function running(extra: Record<string, unknown> = {}) {
  const w = rolloutWorld();
  withRings(w);
  const rolloutId = await created(w, twoStages('fw', extra));
  const { token } = await startedStage(w, rolloutId);
  return { w, rolloutId, gateToken: token };
}

describe('controlRollout: pause', () => {
  it('pauses a running rollout and fails the gate wait with RolloutPaused', async () => {
    // Prepare
    const { w, rolloutId, gateToken } = await running();

    // Act
    const result = await controlRollout(w.api, rolloutId, 'pause', 'investigating', caller(BOB, AT));

    // Assess
    expect(result).toEqual({ rolloutId, command: 'pause', accepted: true });
    expect(await w.store.getRollout(rolloutId)).toMatchObject({ status: 'PAUSED', paused: true });
    expect(w.sfn.sent).toEqual([
      { token: gateToken, kind: 'failure', error: 'RolloutPaused', cause: `pause by ${BOB}: investigating` },
    ]);
  });

  it('audits and publishes the pause with who asked', async () => {
    // Prepare
    const { w, rolloutId } = await running();

    // Act
    await controlRollout(w.api, rolloutId, 'pause', 'investigating', caller(BOB, AT));

    // Assess
    expect(w.effects.audited('rollout.pause.requested')).toEqual([
      expect.objectContaining({ actor: BOB, details: { stageIndex: 0, comment: 'investigating' } }),
    ]);
    expect(w.effects.published()).toContain('RolloutPaused');
  });

  it('refuses to pause a rollout that is already paused', async () => {
    // Prepare
    const { w, rolloutId } = await running();
    await controlRollout(w.api, rolloutId, 'pause', '', caller(BOB, AT));

    // Act
    const again = controlRollout(w.api, rolloutId, 'pause', '', caller(BOB, AT + 1));

    // Assess
    await expect(again).rejects.toMatchObject({ name: 'RolloutConflictError' });
  });
});

describe('controlRollout: resume', () => {
  it('resumes a paused rollout and answers its resume wait', async () => {
    // Prepare
    const { w, rolloutId } = await running();
    await controlRollout(w.api, rolloutId, 'pause', '', caller(BOB, AT));
    const token = w.sfn.issueToken('resume');
    await step(w, rolloutId, 'awaitResume', 0, AT, { token });

    // Act
    await controlRollout(w.api, rolloutId, 'resume', 'go on', caller(BOB, AT + MINUTE));

    // Assess
    expect(await w.store.getRollout(rolloutId)).toMatchObject({ status: 'RUNNING', paused: false });
    expect(w.sfn.sent.at(-1)).toEqual({ token, kind: 'success', output: {} });
  });

  it('refuses to resume a running rollout', async () => {
    // Prepare
    const { w, rolloutId } = await running();

    // Act
    const resuming = controlRollout(w.api, rolloutId, 'resume', '', caller(BOB, AT));

    // Assess
    await expect(resuming).rejects.toMatchObject({ name: 'RolloutConflictError' });
  });

  it('refuses a plain resume of a HALTED rollout and says it needs a fixed document', async () => {
    // Prepare
    const { w, rolloutId } = await running();
    await w.store.updateRollout(rolloutId, { status: 'HALTED', updatedAt: AT });

    // Act
    const resuming = controlRollout(w.api, rolloutId, 'resume', '', caller(BOB, AT));

    // Assess
    await expect(resuming).rejects.toMatchObject({
      name: 'RolloutConflictError',
      message: expect.stringContaining('fixed document'),
    });
  });
});

describe('controlRollout: abort', () => {
  it('flags the abort and fails every wait of the stage with RolloutAborted', async () => {
    // Prepare
    const { w, rolloutId, gateToken } = await running();
    const approvalToken = w.sfn.issueToken('approval');
    await w.store.storeToken(
      rolloutId,
      { kind: 'approval', stageIndex: 0, approval: 'promote' },
      approvalToken,
    );

    // Act
    const result = await controlRollout(w.api, rolloutId, 'abort', 'bad batch', caller(BOB, AT));

    // Assess
    expect(result).toEqual({ rolloutId, command: 'abort', accepted: true, rollback: false });
    expect(await w.store.getRollout(rolloutId)).toMatchObject({ abortRequested: true, status: 'RUNNING' });
    expect(w.sfn.sent.map((s) => [s.token, s.kind === 'failure' && s.error])).toEqual([
      [gateToken, 'RolloutAborted'],
      [approvalToken, 'RolloutAborted'],
    ]);
  });

  it('refuses a second abort', async () => {
    // Prepare
    const { w, rolloutId } = await running();
    await controlRollout(w.api, rolloutId, 'abort', '', caller(BOB, AT));

    // Act
    const again = controlRollout(w.api, rolloutId, 'abort', '', caller(BOB, AT + 1));

    // Assess
    await expect(again).rejects.toMatchObject({
      name: 'RolloutConflictError',
      message: expect.stringContaining('(aborting)'),
    });
  });

  it('refuses to pause a rollout that is aborting', async () => {
    // Prepare
    const { w, rolloutId } = await running();
    await controlRollout(w.api, rolloutId, 'abort', '', caller(BOB, AT));

    // Act
    const pausing = controlRollout(w.api, rolloutId, 'pause', '', caller(BOB, AT + 1));

    // Assess
    await expect(pausing).rejects.toMatchObject({ name: 'RolloutConflictError' });
  });

  it('records a requested rollback, and audits it', async () => {
    // Prepare
    const { w, rolloutId } = await running(ROLLBACK);

    // Act
    const result = await controlRollout(w.api, rolloutId, 'abort', '', caller(BOB, AT), { rollback: true });

    // Assess
    expect(result.rollback).toBe(true);
    expect(await w.store.getRollout(rolloutId)).toMatchObject({
      abortRequested: true,
      rollbackRequested: true,
    });
    expect(w.effects.audited('rollout.abort.requested')[0]?.details).toMatchObject({ rollback: true });
  });

  it('refuses an abort with rollback when the plan names no rollback, and aborts nothing', async () => {
    // Prepare
    const { w, rolloutId, gateToken } = await running();

    // Act
    const aborting = controlRollout(w.api, rolloutId, 'abort', '', caller(BOB, AT), { rollback: true });

    // Assess
    await expect(aborting).rejects.toMatchObject({
      name: 'RolloutConflictError',
      message: expect.stringContaining('names no rollback'),
    });
    expect((await w.store.getRollout(rolloutId))?.abortRequested).toBe(false);
    expect(w.sfn.isOpen(gateToken)).toBe(true);
  });
});

describe('controlRollout: a rollout that ended', () => {
  it.each(['pause', 'resume', 'abort'] as const)('refuses to %s it: the status is final', async (command) => {
    // Prepare
    const { w, rolloutId } = await running();
    await w.store.updateRollout(rolloutId, { status: 'COMPLETED', updatedAt: AT });

    // Act
    const controlling = controlRollout(w.api, rolloutId, command, '', caller(BOB, AT));

    // Assess
    await expect(controlling).rejects.toMatchObject({
      name: 'RolloutConflictError',
      message: expect.stringContaining('final'),
    });
  });

  it('is a RolloutNotFoundError for a rollout that does not exist', async () => {
    // Prepare
    const w = rolloutWorld();

    // Act
    const controlling = controlRollout(w.api, 'nope-00000000', 'pause', '', caller(BOB, AT));

    // Assess
    await expect(controlling).rejects.toMatchObject({ name: 'RolloutNotFoundError' });
  });
});

describe('listRollouts and getRollout', () => {
  it('lists rollouts newest first, up to the limit', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    const older = await created(w, twoStages('older'), BOB, T0);
    const newer = await created(w, twoStages('newer'), BOB, T0 + MINUTE);
    await created(w, twoStages('oldest'), BOB, T0 - MINUTE);

    // Act
    const listed = await listRollouts(w.api, 2);

    // Assess
    expect(listed.map((r) => r.rolloutId)).toEqual([newer, older]);
    expect(listed[0]).toMatchObject({ name: 'newer', status: 'RUNNING', stages: 2, creator: BOB });
  });

  it('shows a rollout with its stages and approvals, and no task token', async () => {
    // Prepare
    const { w, rolloutId } = await running();

    // Act
    const view = await getRollout(w.api, rolloutId, AT);

    // Assess
    expect(view).toMatchObject({ rolloutId, status: 'RUNNING', stages: [{ jobId: `${rolloutId}-s0` }, {}] });
    expect(JSON.stringify(view)).not.toContain('TOKEN-SECRET');
  });

  it('is a RolloutNotFoundError for a rollout that does not exist', async () => {
    // Prepare
    const w = rolloutWorld();

    // Act
    const reading = getRollout(w.api, 'nope-00000000', AT);

    // Assess
    await expect(reading).rejects.toMatchObject({ name: 'RolloutNotFoundError' });
  });
});
