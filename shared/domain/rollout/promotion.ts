import type { GateOutcome } from '../gate';
import type { Approval, ApprovalKind, Rollout, Stage } from './model';
import { FINAL_STATUSES } from './model';

/**
 * Whether the source of truth (the stage's recorded gate decision, the approval records) allows a
 * step to act. The state machine's own data (a task's output, which anyone holding the task token
 * could have written) is never evidence.
 */
export type Verdict = { ok: true } | { ok: false; reason: string; explanation: string };

const refuse = (reason: string, explanation: string): Verdict => ({ ok: false, reason, explanation });

/** The approvals of the stage's current attempt: an earlier attempt's (before a resume) never counts. */
export function approvalsOf(stage: Pick<Stage, 'index' | 'attempt'>, approvals: readonly Approval[]) {
  return approvals.filter((a) => a.stageIndex === stage.index && (a.attempt ?? 0) === (stage.attempt ?? 0));
}

/**
 * The approval a stage needs before it promotes, or undefined when it needs none. An inconclusive
 * approval, once asked (only on a verified INCONCLUSIVE-ask gate), stays the one that counts.
 */
function approvalNeeded(
  rollout: Rollout,
  stage: Stage,
  approvals: readonly Approval[] = [],
): ApprovalKind | undefined {
  const planned = rollout.plan.stages[stage.index];
  const asked = approvalsOf(stage, approvals).some((a) => a.kind === 'inconclusive');
  // The gate asks when the plan says so, and instead of 'promote' while executions are still running.
  const asks =
    stage.lastOutcome === 'INCONCLUSIVE_AT_DEADLINE' &&
    (stage.lastDecision?.action ?? planned?.gate.onInconclusive) === 'ask';
  if (asked || asks) return 'inconclusive';
  const hasNext = stage.index < rollout.plan.stages.length - 1;
  return planned?.approval.required && hasNext ? 'promote' : undefined;
}

/**
 * The gate allows asking for (or acting on) a promotion: PROMOTE, or inconclusive with promote/ask,
 * either as the stage last recorded it or as the gate decides now on the stage's counters (the
 * recorded outcome follows the last event evaluated, which can be an older, reordered one). A HALT
 * either way refuses.
 */
function gateVerdict(rollout: Rollout, stage: Stage, gateNow: GateOutcome | undefined): Verdict {
  const action = rollout.plan.stages[stage.index]?.gate.onInconclusive;
  const passes = (o: GateOutcome | undefined) =>
    o === 'PROMOTE' || (o === 'INCONCLUSIVE_AT_DEADLINE' && action !== 'halt');
  if (stage.lastOutcome === 'HALT' || gateNow === 'HALT')
    return refuse('gate-halt', `stage ${stage.index}'s gate decided HALT`);
  if (passes(stage.lastOutcome) || passes(gateNow)) return { ok: true };
  return refuse(
    'gate-not-passed',
    `stage ${stage.index} has no gate decision that promotes (recorded: ${stage.lastOutcome ?? 'none'}, now: ${gateNow ?? 'unknown'}${action ? `, onInconclusive ${action}` : ''})`,
  );
}

function closedVerdict(rollout: Rollout, stage: Stage | undefined, index: number): Verdict | undefined {
  if (FINAL_STATUSES.includes(rollout.status))
    return refuse('rollout-closed', `rollout ${rollout.rolloutId} is ${rollout.status}`);
  if (stage?.status !== 'RUNNING')
    return refuse('stage-not-running', `stage ${index} is ${stage?.status ?? 'not started'}`);
  return undefined;
}

/** Before asking the approvers: the gate must really have decided what the request tells them. */
export function approvalRequestVerdict(
  rollout: Rollout,
  stage: Stage | undefined,
  index: number,
  kind: ApprovalKind,
  gateNow?: GateOutcome,
): Verdict {
  const closed = closedVerdict(rollout, stage, index);
  if (closed || !stage) return closed ?? refuse('stage-not-running', `stage ${index} is not started`);
  const gate = gateVerdict(rollout, stage, gateNow);
  if (!gate.ok) return gate;
  const needed = approvalNeeded(rollout, stage);
  return needed === kind
    ? { ok: true }
    : refuse('approval-not-needed', `stage ${index} needs ${needed ?? 'no'} approval, not ${kind}`);
}

/**
 * Before promoting: the gate passed, and when the stage needs an approval, its record (of the stage's
 * current attempt) says APPROVED, by a person other than the creator and other than anyone who resumed
 * the rollout with a document. A gate that turned to HALT while the approvers thought it over is not
 * promoted either.
 * @param authors the creator's identity, or every author's (resume.ts authorsOf)
 * @param gateNow the gate's outcome now, on the stage's counters (the caller evaluates it)
 */
export function promotionVerdict(
  rollout: Rollout,
  stage: Stage | undefined,
  index: number,
  approvals: readonly Approval[],
  authors: string | readonly string[],
  gateNow?: GateOutcome,
): Verdict {
  const closed = closedVerdict(rollout, stage, index);
  if (closed || !stage) return closed ?? refuse('stage-not-running', `stage ${index} is not started`);
  const needed = approvalNeeded(rollout, stage, approvals);
  if (!needed) return gateVerdict(rollout, stage, gateNow);
  if (stage.lastOutcome === 'HALT' || gateNow === 'HALT')
    return refuse('gate-halt', `stage ${index}'s gate decided HALT while its approval was pending`);
  const approval = approvalsOf(stage, approvals).find((a) => a.kind === needed);
  if (approval?.status !== 'APPROVED')
    return refuse(
      'not-approved',
      `stage ${index} needs a ${needed} approval and its record is ${approval?.status ?? 'missing'}`,
    );
  const excluded: readonly string[] = typeof authors === 'string' ? [authors] : authors;
  if (!approval.decidedByIdentity?.startsWith('person:') || excluded.includes(approval.decidedByIdentity))
    return refuse(
      'approver-not-another-person',
      `the ${needed} approval of stage ${index} was not decided by a person other than the creator${excluded.length > 1 ? ' and those who resumed it with a document' : ''}`,
    );
  return { ok: true };
}
