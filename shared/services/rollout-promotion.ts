import {
  FleetAlarmHaltError,
  FleetAlarmPausedError,
  PromotionRefusedError,
  TASK_FAILURES,
} from '../domain/rollout/errors';
import { callerIdentity } from '../domain/rollout/identity';
import { stageRef } from '../domain/rollout/ids';
import { APPROVAL_KINDS, type ApprovalKind, type Rollout, type Stage } from '../domain/rollout/model';
import { approvalRequestVerdict, promotionVerdict, type Verdict } from '../domain/rollout/promotion';
import { authorsOf } from '../domain/rollout/resume';
import { judgeStageOnJob } from '../domain/rollout/stage-gate';
import { checkAlarms } from './health-alarm-check';
import { mustGetRollout, record } from './rollout-effects';
import type { RolloutDeps } from './rollout-ports';

/**
 * Approvals and promotion: the steps that move a rollout to its next stage. Each re-derives its
 * decision from the state table (the gate decision the stage recorded, the approval records), never
 * from the execution's data, which anyone holding a task token could have written.
 */

const cause = (id: string, what: string) => ({ type: 'execution' as const, id: `${id}:${what}` });

/** The gate's outcome at `now` on the last read of the stage's job (never on execution events). */
const gateAt = (rollout: Rollout, stage: Stage | undefined, now: number) =>
  stage?.job ? judgeStageOnJob(rollout, stage, stage.job, now).outcome : undefined;

/** Only the short, printable parts of what a task's sender claimed: it is attacker-writable text. */
function claimedBy(state: Record<string, unknown>): Record<string, string> | null {
  const approval = state.approval;
  if (!approval || typeof approval !== 'object') return null;
  const pick = (k: string) => {
    const v = (approval as Record<string, unknown>)[k];
    return typeof v === 'string' ? v.replace(/[^\x20-\x7e]/g, '?').slice(0, 200) : undefined;
  };
  return Object.fromEntries(
    ['decision', 'by'].flatMap((k) => (pick(k) === undefined ? [] : [[k, pick(k) as string]])),
  );
}

/**
 * A step found no grounds in the source of truth to do what the execution asked: audit it (with what
 * the task's sender claimed; who sent a task token is in CloudTrail, `SendTaskSuccess`, not visible
 * to the execution), tell the operators, and throw PromotionRefusedError: the state machine halts.
 */
async function refusePromotion(
  deps: RolloutDeps,
  rollout: Rollout,
  i: number,
  step: string,
  verdict: Extract<Verdict, { ok: false }>,
  state: Record<string, unknown>,
  now: number,
  attempt = 0,
): Promise<never> {
  const id = rollout.rolloutId;
  await record(deps, {
    rolloutId: id,
    action: 'rollout.promotion.refused',
    outcome: 'rejected',
    actor: deps.actor,
    cause: cause(id, `${stageRef(i, attempt)}:${step}:refused`),
    at: now,
    detailType: 'RolloutPromotionRefused',
    details: {
      stageIndex: i,
      step,
      reason: verdict.reason,
      explanation: verdict.explanation,
      claimed: claimedBy(state),
      sender: 'not visible to the execution: see CloudTrail SendTaskSuccess for this execution',
    },
    notify: {
      subject: `Rollout promotion refused: ${rollout.name}`,
      message: `Rollout ${id}, stage ${i}: the state machine asked to ${step}, but ${verdict.explanation}. Nothing was promoted; the rollout halts. A task token may have been used by someone other than the rollout functions.`,
    },
  });
  throw new PromotionRefusedError(`${step} refused: ${verdict.explanation}`);
}

/**
 * Asks the approvers, after checking the gate really decided what the request tells them. The token
 * is parked before the record exists, so an approver who sees the record always finds the token.
 */
export async function requestApproval(
  deps: RolloutDeps,
  id: string,
  i: number,
  kind: ApprovalKind,
  token: string,
  now: number,
) {
  const rollout = await mustGetRollout(deps.store, id);
  const stage = rollout.plan.stages[i];
  const stageItem = await deps.store.getStage(id, i);
  const attempt = stageItem?.attempt ?? 0;
  const verdict = approvalRequestVerdict(rollout, stageItem, i, kind, gateAt(rollout, stageItem, now));
  if (!verdict.ok)
    return refusePromotion(deps, rollout, i, `request a ${kind} approval`, verdict, {}, now, attempt);
  const reason =
    kind === 'promote'
      ? `stage ${stage?.name} passed its gate; approve to start stage ${rollout.plan.stages[i + 1]?.name}`
      : `the gate of stage ${stage?.name} is inconclusive at its deadline (${stageItem?.lastDecision?.explanation ?? 'no evidence'}); approve to promote, reject to halt`;
  const expiresAt = now + (stage?.approval.timeoutMinutes ?? 1) * 60_000;
  await deps.store.storeToken(id, { kind: 'approval', stageIndex: i, approval: kind }, token, now);
  await deps.store.putApproval({
    rolloutId: id,
    stageIndex: i,
    kind,
    status: 'PENDING',
    requestedAt: now,
    expiresAt,
    reason,
    ...(attempt > 0 ? { attempt } : {}),
  });
  await record(deps, {
    rolloutId: id,
    action: 'rollout.approval.requested',
    outcome: 'requested',
    actor: deps.actor,
    cause: cause(id, `${stageRef(i, attempt)}:approval:${kind}`),
    at: now,
    detailType: 'RolloutApprovalRequested',
    details: {
      stageIndex: i,
      ...(attempt > 0 ? { attempt } : {}),
      kind,
      reason,
      expiresAt: new Date(expiresAt).toISOString(),
    },
    notify: {
      subject: `Approval needed: rollout ${rollout.name}`,
      message: `Rollout ${id}: ${reason}. Approve or reject before ${new Date(expiresAt).toISOString()} (POST /rollouts/${id}/approve or /reject); the creator cannot approve.`,
    },
  });
  // An abort that landed before the token was stored could not reach it: honour it now.
  const after = await mustGetRollout(deps.store, id);
  if (after.abortRequested) {
    const claimed = await deps.store.claimToken(id, { kind: 'approval', stageIndex: i, approval: kind });
    if (claimed) await deps.tasks.fail(claimed, TASK_FAILURES.ABORTED, 'abort requested');
  }
  return {};
}

export async function expireApproval(deps: RolloutDeps, id: string, i: number, now: number) {
  const attempt = (await deps.store.getStage(id, i))?.attempt ?? 0;
  for (const kind of APPROVAL_KINDS) {
    // The wait timed out: its token can never be used again.
    await deps.store.claimToken(id, { kind: 'approval', stageIndex: i, approval: kind });
    const decided = await deps.store.decideApproval(id, i, kind, { status: 'EXPIRED', at: now }, attempt);
    if (!decided) continue;
    await record(deps, {
      rolloutId: id,
      action: 'rollout.approval.expired',
      outcome: 'decided',
      actor: deps.actor,
      cause: cause(id, `${stageRef(i, attempt)}:approval:${kind}:expired`),
      at: now,
      detailType: 'RolloutApprovalExpired',
      details: { stageIndex: i, kind },
    });
  }
  return {};
}

/**
 * Promotes stage `i` only if the source of truth says so (promotion.ts): the stage's recorded gate
 * decision and, when the stage needs one, an APPROVED approval by a person other than the creator.
 * `state` is the execution's data, read only to audit what a refused wake-up claimed.
 */
export async function promoteStage(
  deps: RolloutDeps,
  id: string,
  i: number,
  now: number,
  state: Record<string, unknown> = {},
) {
  const details = await deps.store.details(id);
  if (!details) throw new Error(`rollout ${id} not found`);
  const { rollout } = details;
  const stage = details.stages.find((s) => s.index === i);
  // PROMOTED is written only after the checks below passed: a retry of this visit finishes the job.
  if (stage?.status !== 'PROMOTED') {
    const creatorKey =
      rollout.creatorIdentity ?? callerIdentity(rollout.creator, { sessionNameRoles: [] }).key;
    const gateNow = gateAt(rollout, stage, now);
    const authors = authorsOf(rollout, creatorKey);
    const verdict = promotionVerdict(rollout, stage, i, details.approvals, authors, gateNow);
    if (!verdict.ok)
      return refusePromotion(deps, rollout, i, 'promote', verdict, state, now, stage?.attempt ?? 0);
    // The plan's alarms can fire while an approval is pending: they are read again before promoting.
    const alarm = stage ? await checkAlarms(deps, rollout, stage, now) : { kind: 'clear' as const };
    if (alarm.kind === 'halt') throw new FleetAlarmHaltError(`not promoted: ${alarm.explanation}`);
    if (alarm.kind === 'paused') throw new FleetAlarmPausedError(`not promoted: ${alarm.explanation}`);
    await deps.store.setStageStatus(id, i, 'PROMOTED');
  }
  await deps.store.updateRollout(id, { currentStage: i + 1, updatedAt: now });
  await deps.store.discardTokens(id, i);
  await record(deps, {
    rolloutId: id,
    action: 'rollout.stage.promoted',
    outcome: 'applied',
    actor: deps.actor,
    cause: cause(id, `s${i}:promote`),
    at: now,
    detailType: 'RolloutStagePromoted',
    details: { stageIndex: i, jobId: stage?.jobId, decision: stage?.lastDecision ?? null },
  });
  return { nextStageIndex: i + 1 };
}
