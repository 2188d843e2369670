import { FINAL_STATUSES, type Rollout } from './model';
import type { Verdict } from './promotion';

/**
 * Executions of the staged-rollout state machine act on a rollout only if the rollout API started
 * them: `states:StartExecution` is open to more principals than the API (PowerUserAccess has it), and
 * an execution's input is whatever its starter wrote.
 */

/** `arn:<p>:states:<region>:<account>:execution:<machine>:<name>`: known before StartExecution answers. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  if (!/^arn:[\w-]+:states:[\w-]+:\d{12}:stateMachine:[\w-]{1,80}$/.test(stateMachineArn))
    throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Steps that move a rollout on (or wait to); the terminal ones (halt, abort, complete, fail) only close it. */
const MOVING_STEPS = new Set([
  'checkpoint',
  'awaitResume',
  'startStage',
  'awaitGate',
  'reconcile',
  'requestApproval',
  'expireApproval',
  'promote',
]);

/** Steps that roll a stopped rollout back: only on a HALTED or ABORTED one. */
const ROLLBACK_STEPS = new Set(['startRollback', 'reconcileRollback', 'failRollback']);

/** May this execution run `action` for stage `stageIndex` of the rollout? */
export function executionVerdict(
  rollout: Rollout | undefined,
  executionId: string,
  action: string,
  stageIndex: number,
): Verdict {
  if (!rollout) return { ok: false, reason: 'no-such-rollout', explanation: 'there is no such rollout' };
  if (rollout.executionArn !== executionId)
    return {
      ok: false,
      reason: 'foreign-execution',
      explanation: rollout.executionArn
        ? 'the rollout API did not start this execution'
        : 'the rollout has no recorded execution (created before executions were recorded)',
    };
  if (ROLLBACK_STEPS.has(action) && rollout.status !== 'HALTED' && rollout.status !== 'ABORTED')
    return {
      ok: false,
      reason: 'rollout-not-stopped',
      explanation: `rollout ${rollout.rolloutId} is ${rollout.status}: only a halted or aborted rollout rolls back`,
    };
  if (!MOVING_STEPS.has(action)) return { ok: true };
  if (FINAL_STATUSES.includes(rollout.status))
    return {
      ok: false,
      reason: 'rollout-closed',
      explanation: `rollout ${rollout.rolloutId} is ${rollout.status}: only an explicit, audited resume could move it`,
    };
  // A retried promote may find its own promotion done: the rollout is one stage further.
  const retriedPromote = action === 'promote' && stageIndex === rollout.currentStage - 1;
  if (stageIndex !== rollout.currentStage && !retriedPromote)
    return {
      ok: false,
      reason: 'stage-mismatch',
      explanation: `the execution is at stage ${stageIndex}, the rollout at stage ${rollout.currentStage}`,
    };
  return { ok: true };
}
