import { describe, expect, it } from 'vitest';
import { decideApproval } from '../../../shared/services/rollout-api';
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

const AT = T0 + 40 * MINUTE;
const session = (role: string, name: string) => `arn:aws:sts::123456789012:assumed-role/${role}/${name}`;

/** A rollout whose canary passed its gate and waits on a promote approval. */
async function waiting() {
  const w = rolloutWorld();
  withRings(w);
  const rolloutId = await created(w, twoStages('fw', {}, { approval: { required: true } }));
  await startedStage(w, rolloutId);
  await passedGate(w, rolloutId);
  const token = await approvalAsked(w, rolloutId);
  return { w, rolloutId, token };
}

const approval = (w: ReturnType<typeof rolloutWorld>, rolloutId: string) =>
  w.store.getApproval(rolloutId, 0, 'promote');

describe('decideApproval', () => {
  it('approves: the record is decided by the approver, then the parked token is sent', async () => {
    // Prepare
    const { w, rolloutId, token } = await waiting();

    // Act
    const result = await decideApproval(w.api, rolloutId, 'approve', 'canary looks good', caller(BOB, AT));

    // Assess
    expect(result).toEqual({ rolloutId, stageIndex: 0, kind: 'promote', decision: 'APPROVED' });
    expect(await approval(w, rolloutId)).toMatchObject({
      status: 'APPROVED',
      decidedBy: BOB,
      decidedByIdentity: 'person:bob',
      comment: 'canary looks good',
      decidedAt: AT,
    });
    expect(w.sfn.sent.at(-1)).toMatchObject({
      token,
      kind: 'success',
      output: { decision: 'approved', by: BOB },
    });
    expect(
      w.store.tokenIn(rolloutId, { kind: 'approval', stageIndex: 0, approval: 'promote' }),
    ).toBeUndefined();
  });

  it('rejects: the token is failed with the name the state machine catches', async () => {
    // Prepare
    const { w, rolloutId, token } = await waiting();

    // Act
    await decideApproval(w.api, rolloutId, 'reject', 'bad batch', caller(BOB, AT));

    // Assess
    expect(w.sfn.sent.at(-1)).toEqual({
      token,
      kind: 'failure',
      error: 'ApprovalRejected',
      cause: 'bad batch',
    });
    expect((await approval(w, rolloutId))?.status).toBe('REJECTED');
  });

  it('audits the decision with the approver, once', async () => {
    // Prepare
    const { w, rolloutId } = await waiting();

    // Act
    await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, AT));

    // Assess
    expect(w.effects.audited('rollout.approval.decided')).toEqual([
      expect.objectContaining({
        actor: BOB,
        outcome: 'decided',
        details: expect.objectContaining({ decision: 'APPROVED', approver: 'person:bob', delivered: true }),
      }),
    ]);
  });

  it('refuses the creator, sends nothing and leaves the approval pending', async () => {
    // Prepare
    const { w, rolloutId, token } = await waiting();

    // Act
    const deciding = decideApproval(w.api, rolloutId, 'approve', 'lgtm', caller(ALICE, AT));

    // Assess
    await expect(deciding).rejects.toMatchObject({ name: 'ForbiddenActionError' });
    expect((await approval(w, rolloutId))?.status).toBe('PENDING');
    expect(w.sfn.tokensSent()).not.toContain(token);
  });

  it('refuses the creator under another spelling of the same user', async () => {
    // Prepare
    const { w, rolloutId } = await waiting();

    // Act
    const deciding = decideApproval(
      w.api,
      rolloutId,
      'approve',
      '',
      caller('arn:aws:iam::123456789012:user/Alice', AT),
    );

    // Assess
    await expect(deciding).rejects.toMatchObject({ message: expect.stringMatching(/same|creator/) });
  });

  it('refuses a session of a role whose session name is not tied to a person', async () => {
    // Prepare
    const { w, rolloutId } = await waiting();

    // Act
    const deciding = decideApproval(
      w.api,
      rolloutId,
      'approve',
      '',
      caller(session('FleetOperator', 'alice-second-session'), AT),
    );

    // Assess
    await expect(deciding).rejects.toMatchObject({
      name: 'ForbiddenActionError',
      message: expect.stringMatching(/sessionNameRoles.*RoleSessionName/),
    });
  });

  it('refuses a principal of another account', async () => {
    // Prepare
    const { w, rolloutId } = await waiting();

    // Act
    const deciding = decideApproval(
      w.api,
      rolloutId,
      'approve',
      '',
      caller('arn:aws:iam::999999999999:user/bob', AT),
    );

    // Assess
    await expect(deciding).rejects.toMatchObject({ name: 'ForbiddenActionError' });
  });

  it('decides once: a second decision is a conflict and sends nothing', async () => {
    // Prepare
    const { w, rolloutId } = await waiting();
    await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, AT));
    const sent = w.sfn.sent.length;

    // Act
    const twice = decideApproval(w.api, rolloutId, 'reject', 'oops', caller(BOB, AT + 1));

    // Assess
    await expect(twice).rejects.toMatchObject({ name: 'RolloutConflictError' });
    expect(w.sfn.sent).toHaveLength(sent);
    expect((await approval(w, rolloutId))?.status).toBe('APPROVED');
  });

  it('is a conflict when no approval was asked', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    const rolloutId = await created(w, twoStages('fw', {}, { approval: { required: true } }));
    await startedStage(w, rolloutId);

    // Act
    const deciding = decideApproval(w.api, rolloutId, 'approve', '', caller(BOB, AT));

    // Assess
    await expect(deciding).rejects.toMatchObject({
      name: 'RolloutConflictError',
      message: expect.stringContaining('no pending approval'),
    });
  });

  it('is a conflict on a rollout that has ended', async () => {
    // Prepare
    const { w, rolloutId } = await waiting();
    await w.store.updateRollout(rolloutId, { status: 'ABORTED', updatedAt: AT });

    // Act
    const deciding = decideApproval(w.api, rolloutId, 'approve', '', caller(BOB, AT));

    // Assess
    await expect(deciding).rejects.toMatchObject({ name: 'RolloutConflictError' });
  });

  it('is a RolloutNotFoundError for a rollout that does not exist', async () => {
    // Prepare
    const w = rolloutWorld();

    // Act
    const deciding = decideApproval(w.api, 'nope-00000000', 'approve', '', caller(BOB, AT));

    // Assess
    await expect(deciding).rejects.toMatchObject({ name: 'RolloutNotFoundError' });
  });

  it('keeps the decision and parks the token again when Step Functions is throttled', async () => {
    // Prepare
    const { w, rolloutId, token } = await waiting();
    w.sfn.throttle('succeed');

    // Act
    const deciding = decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, AT));

    // Assess
    await expect(deciding).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect((await approval(w, rolloutId))?.status).toBe('APPROVED');
    expect(w.store.tokenIn(rolloutId, { kind: 'approval', stageIndex: 0, approval: 'promote' })).toBe(token);
    expect(w.effects.audited('rollout.approval.decided')).toEqual([]);
  });

  it('delivers a decision whose delivery was throttled when the same person retries it', async () => {
    // Prepare
    const { w, rolloutId, token } = await waiting();
    w.sfn.throttle('succeed');
    await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, AT)).catch(() => undefined);

    // Act
    const retried = await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, AT + 1_000));

    // Assess
    expect(retried.decision).toBe('APPROVED');
    expect(w.sfn.tokensSent()).toEqual([token]);
    expect(w.effects.audited('rollout.approval.decided')).toHaveLength(1);
  });

  it('does not let another person deliver a decision someone else made', async () => {
    // Prepare
    const { w, rolloutId } = await waiting();
    w.sfn.throttle('succeed');
    await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, AT)).catch(() => undefined);

    // Act
    const other = decideApproval(
      w.api,
      rolloutId,
      'approve',
      'me too',
      caller('arn:aws:iam::123456789012:user/carol', AT),
    );

    // Assess
    await expect(other).rejects.toMatchObject({ name: 'RolloutConflictError' });
  });

  it('records a decision whose wait had timed out as undelivered, and says it expired', async () => {
    // Prepare
    const { w, rolloutId, token } = await waiting();
    w.sfn.closeToken(token);

    // Act
    const deciding = decideApproval(w.api, rolloutId, 'approve', 'late', caller(BOB, AT));

    // Assess
    await expect(deciding).rejects.toMatchObject({
      name: 'RolloutConflictError',
      message: expect.stringContaining('expired'),
    });
    expect(w.effects.audited('rollout.approval.decided')).toEqual([
      expect.objectContaining({ outcome: 'failed', details: expect.objectContaining({ delivered: false }) }),
    ]);
  });

  it('never puts a task token in an approval record, an audit record, an event or a notice', async () => {
    // Prepare
    const { w, rolloutId } = await waiting();

    // Act
    await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(BOB, AT));

    // Assess
    expect(JSON.stringify([...w.store.approvals.values(), ...w.store.rollouts.values()])).not.toContain(
      'TOKEN-SECRET',
    );
    expect(w.effects.text()).not.toContain('TOKEN-SECRET');
  });
});
