import { describe, expect, it } from 'vitest';
import { decideApproval } from '../../../shared/services/rollout-api';
import { expireApproval, promoteStage, requestApproval } from '../../../shared/services/rollout-promotion';
import {
  ALICE,
  approvalAsked,
  BOB,
  caller,
  created,
  MINUTE,
  passedGate,
  rolloutWorld,
  startedStage,
  T0,
  twoStages,
  withRings,
} from '../../fakes/rollout-world';

const ASKED = T0 + 32 * MINUTE;
const PROMOTED = T0 + 33 * MINUTE;
const slot = { kind: 'approval', stageIndex: 0, approval: 'promote' } as const;

/** A two-stage rollout at its canary's gate; `approval`: the canary needs a promote approval. */
async function atGate(approval: boolean, extra: Record<string, unknown> = {}) {
  const w = rolloutWorld();
  withRings(w);
  const rolloutId = await created(
    w,
    twoStages('fw', extra, approval ? { approval: { required: true } } : {}),
  );
  await startedStage(w, rolloutId);
  return { w, rolloutId };
}

async function asked() {
  const { w, rolloutId } = await atGate(true);
  await passedGate(w, rolloutId);
  const token = await approvalAsked(w, rolloutId, 0, ASKED);
  return { w, rolloutId, token };
}

describe('requestApproval', () => {
  it('parks the token, then asks the approvers with a pending record that expires in a day (the default)', async () => {
    // Prepare
    const { w, rolloutId } = await atGate(true);
    await passedGate(w, rolloutId);
    const token = w.sfn.issueToken('approval');

    // Act
    await requestApproval(w.steps, rolloutId, 0, 'promote', token, ASKED);

    // Assess
    expect(w.store.tokenIn(rolloutId, slot)).toBe(token);
    expect(await w.store.getApproval(rolloutId, 0, 'promote')).toMatchObject({
      status: 'PENDING',
      requestedAt: ASKED,
      expiresAt: ASKED + 24 * 60 * MINUTE,
      reason: expect.stringContaining('passed its gate'),
    });
  });

  it('audits the request and tells the approvers the creator cannot approve', async () => {
    // Prepare
    const { w, rolloutId } = await atGate(true);
    await passedGate(w, rolloutId);

    // Act
    await requestApproval(w.steps, rolloutId, 0, 'promote', w.sfn.issueToken(), ASKED);

    // Assess
    expect(w.effects.audited('rollout.approval.requested')).toHaveLength(1);
    expect(w.effects.notices.at(-1)).toMatchObject({
      subject: 'Approval needed: rollout fw',
      message: expect.stringContaining('the creator cannot approve'),
    });
  });

  it('refuses to ask on a gate that did not pass, and writes no approval record', async () => {
    // Prepare
    const { w, rolloutId } = await atGate(true);

    // Act
    const asking = requestApproval(w.steps, rolloutId, 0, 'promote', w.sfn.issueToken(), ASKED);

    // Assess
    await expect(asking).rejects.toMatchObject({ name: 'PromotionRefusedError' });
    expect(await w.store.getApproval(rolloutId, 0, 'promote')).toBeUndefined();
    expect(w.effects.audited('rollout.promotion.refused')[0]?.details).toMatchObject({
      reason: 'gate-not-passed',
    });
  });

  it('refuses an approval kind the stage does not need', async () => {
    // Prepare
    const { w, rolloutId } = await atGate(true);
    await passedGate(w, rolloutId);

    // Act
    const asking = requestApproval(w.steps, rolloutId, 0, 'inconclusive', w.sfn.issueToken(), ASKED);

    // Assess
    await expect(asking).rejects.toMatchObject({ name: 'PromotionRefusedError' });
    expect(w.effects.audited('rollout.promotion.refused')[0]?.details).toMatchObject({
      reason: 'approval-not-needed',
    });
  });

  it('fails the wait at once when an abort landed before the token was parked', async () => {
    // Prepare
    const { w, rolloutId } = await atGate(true);
    await passedGate(w, rolloutId);
    await w.store.updateRollout(rolloutId, { abortRequested: true, updatedAt: ASKED });
    const token = w.sfn.issueToken('approval');

    // Act
    await requestApproval(w.steps, rolloutId, 0, 'promote', token, ASKED);

    // Assess
    expect(w.sfn.sent).toContainEqual({
      token,
      kind: 'failure',
      error: 'RolloutAborted',
      cause: 'abort requested',
    });
    expect(w.store.tokenIn(rolloutId, slot)).toBeUndefined();
  });

  it('never reopens a decided approval when the request is repeated', async () => {
    // Prepare
    const { w, rolloutId } = await asked();
    await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, ASKED + MINUTE));

    // Act
    const again = requestApproval(w.steps, rolloutId, 0, 'promote', w.sfn.issueToken(), ASKED + 2 * MINUTE);

    // Assess
    await expect(again).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((await w.store.getApproval(rolloutId, 0, 'promote'))?.status).toBe('APPROVED');
  });
});

describe('expireApproval', () => {
  it('expires the pending approval, drops its token and audits it', async () => {
    // Prepare
    const { w, rolloutId } = await asked();

    // Act
    await expireApproval(w.steps, rolloutId, 0, ASKED + 61 * MINUTE);

    // Assess
    expect(await w.store.getApproval(rolloutId, 0, 'promote')).toMatchObject({
      status: 'EXPIRED',
      decidedBy: 'state-machine',
    });
    expect(w.store.tokenIn(rolloutId, slot)).toBeUndefined();
    expect(w.effects.audited('rollout.approval.expired')).toHaveLength(1);
  });

  it('expires once: a retry records nothing more', async () => {
    // Prepare
    const { w, rolloutId } = await asked();
    await expireApproval(w.steps, rolloutId, 0, ASKED + 61 * MINUTE);

    // Act
    await expireApproval(w.steps, rolloutId, 0, ASKED + 62 * MINUTE);

    // Assess
    expect(w.effects.audited('rollout.approval.expired')).toHaveLength(1);
    expect((await w.store.getApproval(rolloutId, 0, 'promote'))?.decidedAt).toBe(ASKED + 61 * MINUTE);
  });

  it('leaves an approval that was decided in time as it was', async () => {
    // Prepare
    const { w, rolloutId } = await asked();
    await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, ASKED + MINUTE));

    // Act
    await expireApproval(w.steps, rolloutId, 0, ASKED + 61 * MINUTE);

    // Assess
    expect((await w.store.getApproval(rolloutId, 0, 'promote'))?.status).toBe('APPROVED');
    expect(w.effects.audited('rollout.approval.expired')).toEqual([]);
  });
});

describe('promoteStage', () => {
  it('promotes a stage approved by another person: the next stage becomes current', async () => {
    // Prepare
    const { w, rolloutId } = await asked();
    await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, ASKED + MINUTE));

    // Act
    const result = await promoteStage(w.steps, rolloutId, 0, PROMOTED);

    // Assess
    expect(result).toEqual({ nextStageIndex: 1 });
    expect((await w.store.getRollout(rolloutId))?.currentStage).toBe(1);
    expect((await w.store.getStage(rolloutId, 0))?.status).toBe('PROMOTED');
    expect(w.effects.audited('rollout.stage.promoted')).toHaveLength(1);
  });

  it('drops every token the promoted stage’s waits left', async () => {
    // Prepare
    const { w, rolloutId } = await asked();
    await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, ASKED + MINUTE));
    await w.store.storeToken(rolloutId, { kind: 'gate', stageIndex: 0 }, w.sfn.issueToken('stale-gate'));

    // Act
    await promoteStage(w.steps, rolloutId, 0, PROMOTED);

    // Assess
    expect([...w.store.tokens.keys()].filter((k) => k.startsWith(rolloutId))).toEqual([]);
  });

  it('finds its own promotion done when the same visit is retried', async () => {
    // Prepare
    const { w, rolloutId } = await asked();
    await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, ASKED + MINUTE));
    await promoteStage(w.steps, rolloutId, 0, PROMOTED);

    // Act
    const again = await promoteStage(w.steps, rolloutId, 0, PROMOTED);

    // Assess
    expect(again).toEqual({ nextStageIndex: 1 });
    expect((await w.store.getRollout(rolloutId))?.currentStage).toBe(1);
    expect(w.effects.audited('rollout.stage.promoted')).toHaveLength(1);
  });

  it('promotes a stage that needs no approval on its gate alone', async () => {
    // Prepare
    const { w, rolloutId } = await atGate(false);
    await passedGate(w, rolloutId);

    // Act
    const result = await promoteStage(w.steps, rolloutId, 0, PROMOTED);

    // Assess
    expect(result).toEqual({ nextStageIndex: 1 });
  });

  it('refuses the approval token sent while the approval is pending (the creator’s self-approval)', async () => {
    // Prepare
    const { w, rolloutId } = await asked();
    const claimed = { approval: { decision: 'approved', by: ALICE } };

    // Act
    const promoting = promoteStage(w.steps, rolloutId, 0, PROMOTED, claimed);

    // Assess
    await expect(promoting).rejects.toMatchObject({ name: 'PromotionRefusedError' });
    expect(await w.store.getRollout(rolloutId)).toMatchObject({ currentStage: 0, status: 'RUNNING' });
    expect((await w.store.getStage(rolloutId, 0))?.status).toBe('RUNNING');
    expect((await w.store.getApproval(rolloutId, 0, 'promote'))?.status).toBe('PENDING');
  });

  it('audits a refusal with what the sender claimed, and tells the operators', async () => {
    // Prepare
    const { w, rolloutId } = await asked();
    const claimed = { approval: { decision: 'approved', by: ALICE } };

    // Act
    await promoteStage(w.steps, rolloutId, 0, PROMOTED, claimed).catch(() => undefined);

    // Assess
    expect(w.effects.audited('rollout.promotion.refused')[0]).toMatchObject({
      outcome: 'rejected',
      details: { reason: 'not-approved', claimed: { decision: 'approved', by: ALICE } },
    });
    expect(w.effects.notices.at(-1)?.subject).toMatch(/promotion refused/);
  });

  it('refuses a stage that needs an approval and has no record of one', async () => {
    // Prepare
    const { w, rolloutId } = await atGate(true);
    await passedGate(w, rolloutId);

    // Act
    const promoting = promoteStage(w.steps, rolloutId, 0, PROMOTED);

    // Assess
    await expect(promoting).rejects.toMatchObject({ name: 'PromotionRefusedError' });
  });

  it('refuses a stage whose gate has not decided to promote', async () => {
    // Prepare
    const { w, rolloutId } = await atGate(false);

    // Act
    const promoting = promoteStage(w.steps, rolloutId, 0, T0 + MINUTE);

    // Assess
    await expect(promoting).rejects.toMatchObject({ name: 'PromotionRefusedError' });
    expect(w.effects.audited('rollout.promotion.refused')[0]?.details).toMatchObject({
      reason: 'gate-not-passed',
    });
  });

  it('refuses an approval whose record names the creator as its approver', async () => {
    // Prepare
    const { w, rolloutId } = await asked();
    await w.store.decideApproval(rolloutId, 0, 'promote', {
      status: 'APPROVED',
      by: ALICE,
      byIdentity: 'person:alice',
      at: ASKED + MINUTE,
    });

    // Act
    const promoting = promoteStage(w.steps, rolloutId, 0, PROMOTED);

    // Assess
    await expect(promoting).rejects.toMatchObject({ name: 'PromotionRefusedError' });
    expect(w.effects.audited('rollout.promotion.refused')[0]?.details).toMatchObject({
      reason: 'approver-not-another-person',
    });
  });

  it('pauses instead of promoting when a plan alarm fired during the approval wait', async () => {
    // Prepare
    const { w, rolloutId } = await atGate(false, {
      defaults: { health: { alarms: { names: ['crash-rate'] } } },
    });
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'OK' });
    await passedGate(w, rolloutId);
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'ALARM', reason: 'crashes' });

    // Act
    const promoting = promoteStage(w.steps, rolloutId, 0, PROMOTED);

    // Assess
    await expect(promoting).rejects.toMatchObject({ name: 'FleetAlarmPausedError' });
    expect(await w.store.getRollout(rolloutId)).toMatchObject({ status: 'PAUSED', reason: 'fleet-alarm' });
    expect((await w.store.getStage(rolloutId, 0))?.status).toBe('RUNNING');
  });

  it('promotes once the alarm is clear again', async () => {
    // Prepare
    const { w, rolloutId } = await atGate(false, {
      defaults: { health: { alarms: { names: ['crash-rate'] } } },
    });
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'OK' });
    await passedGate(w, rolloutId);
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'ALARM', reason: 'crashes' });
    await promoteStage(w.steps, rolloutId, 0, PROMOTED).catch(() => undefined);
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'OK' });

    // Act
    const result = await promoteStage(w.steps, rolloutId, 0, PROMOTED + 10 * MINUTE);

    // Assess
    expect(result).toEqual({ nextStageIndex: 1 });
  });

  it('is a FleetAlarmHaltError when the plan halts on its alarms', async () => {
    // Prepare
    const alarms = { defaults: { health: { alarms: { names: ['crash-rate'], action: 'halt' } } } };
    const { w, rolloutId } = await atGate(false, alarms);
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'OK' });
    await passedGate(w, rolloutId);
    w.alarms.alarms.set('crash-rate', { name: 'crash-rate', state: 'ALARM', reason: 'crashes' });

    // Act
    const promoting = promoteStage(w.steps, rolloutId, 0, PROMOTED);

    // Assess
    await expect(promoting).rejects.toMatchObject({ name: 'FleetAlarmHaltError' });
  });
});
