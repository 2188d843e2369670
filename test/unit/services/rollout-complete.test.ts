import { describe, expect, it } from 'vitest';
import { completeRolloutRequest } from '../../../shared/services/rollout-complete';
import { awaitWatch, startWatch } from '../../../shared/services/rollout-continuous';
import {
  BOB,
  caller,
  created,
  MINUTE,
  rolloutWorld,
  step,
  T0,
  twoStages,
  withRings,
} from '../../fakes/rollout-world';

const PASSED = T0 + 40 * MINUTE;
const AT = T0 + 2 * 60 * MINUTE;
const PLAN = {
  name: 'watched',
  document: { op: 'update' },
  stages: [{ name: 'everyone', targets: ['ring-canary'], job: { targetSelection: 'CONTINUOUS' } }],
};

/** A continuous last stage, started; `watch`: its gate passed and it is watched. */
async function continuous(watch: boolean) {
  const w = rolloutWorld();
  withRings(w, 100, ['ring-canary']);
  const rolloutId = await created(w, PLAN);
  await step(w, rolloutId, 'checkpoint', 0, T0);
  await step(w, rolloutId, 'startStage', 0, T0);
  if (watch) {
    w.iot.progress(`${rolloutId}-s0`, { SUCCEEDED: 150 });
    await step(w, rolloutId, 'reconcile', 0, PASSED);
    await startWatch(w.steps, rolloutId, 0, PASSED);
  }
  return { w, rolloutId };
}

describe('completeRolloutRequest', () => {
  it('asks the watched stage to complete and wakes its wait', async () => {
    // Prepare
    const { w, rolloutId } = await continuous(true);
    const token = w.sfn.issueToken('watch');
    await awaitWatch(w.steps, rolloutId, 0, token, PASSED);

    // Act
    const result = await completeRolloutRequest(w.api, rolloutId, 'done', caller(BOB, AT));

    // Assess
    expect(result).toEqual({ rolloutId, command: 'complete', accepted: true });
    expect(await w.store.getRollout(rolloutId)).toMatchObject({
      completeRequested: true,
      completeRequestedBy: BOB,
    });
    expect(w.sfn.sent).toEqual([{ token, kind: 'success', output: { wake: 'complete' } }]);
  });

  it('audits the request, saying whether a wait was woken', async () => {
    // Prepare
    const { w, rolloutId } = await continuous(true);

    // Act
    await completeRolloutRequest(w.api, rolloutId, 'done', caller(BOB, AT));

    // Assess
    expect(w.effects.audited('rollout.complete.requested')).toEqual([
      expect.objectContaining({ actor: BOB, details: { stageIndex: 0, comment: 'done', woke: false } }),
    ]);
  });

  it('is a conflict before the stage passed its gate', async () => {
    // Prepare
    const { w, rolloutId } = await continuous(false);

    // Act
    const completing = completeRolloutRequest(w.api, rolloutId, '', caller(BOB, AT));

    // Assess
    await expect(completing).rejects.toMatchObject({
      name: 'RolloutConflictError',
      message: expect.stringContaining('has not passed its gate'),
    });
  });

  it('is a conflict the second time', async () => {
    // Prepare
    const { w, rolloutId } = await continuous(true);
    await completeRolloutRequest(w.api, rolloutId, '', caller(BOB, AT));

    // Act
    const again = completeRolloutRequest(w.api, rolloutId, '', caller(BOB, AT + 1));

    // Assess
    await expect(again).rejects.toMatchObject({
      name: 'RolloutConflictError',
      message: expect.stringContaining('completion already requested'),
    });
  });

  it('is a conflict while the rollout is paused', async () => {
    // Prepare
    const { w, rolloutId } = await continuous(true);
    await w.store.updateRollout(rolloutId, { status: 'PAUSED', paused: true, updatedAt: AT });

    // Act
    const completing = completeRolloutRequest(w.api, rolloutId, '', caller(BOB, AT));

    // Assess
    await expect(completing).rejects.toMatchObject({
      message: expect.stringContaining('paused: resume it first'),
    });
  });

  it('is a conflict for a stage that is not the last, continuous one', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    const rolloutId = await created(w, twoStages('staged'));

    // Act
    const completing = completeRolloutRequest(w.api, rolloutId, '', caller(BOB, AT));

    // Assess
    await expect(completing).rejects.toMatchObject({
      name: 'RolloutConflictError',
      message: expect.stringContaining('not its last, CONTINUOUS stage'),
    });
  });

  it('is a conflict once the rollout has ended', async () => {
    // Prepare
    const { w, rolloutId } = await continuous(true);
    await w.store.updateRollout(rolloutId, { status: 'HALTED', updatedAt: AT });

    // Act
    const completing = completeRolloutRequest(w.api, rolloutId, '', caller(BOB, AT));

    // Assess
    await expect(completing).rejects.toMatchObject({ name: 'RolloutConflictError' });
  });
});
