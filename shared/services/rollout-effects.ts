import type { AuditCause, AuditOutcome } from '../audit/audit-record';
import type { GateDecision } from '../domain/gate';
import { RolloutNotFoundError } from '../domain/rollout/errors';
import { type Rollout, type Stage, storedDecision } from '../domain/rollout/model';
import type { RolloutDeps } from './rollout-ports';
import type { RolloutStore } from './rollout-store-port';

type Effect = {
  rolloutId: string;
  action: string;
  outcome: AuditOutcome;
  actor: string;
  cause: AuditCause;
  at: number;
  details: Record<string, unknown>;
  /** Domain event detail-type on the bus. */
  detailType: string;
  /** SNS, when a human is needed or a rollout stops. */
  notify?: { subject: string; message: string };
};

/** Audit record, then domain event, then (if asked) an operator notification. Never a token in any of them. */
export async function record(deps: Pick<RolloutDeps, 'audit' | 'publish' | 'notify'>, e: Effect) {
  await deps.audit({
    subject: { type: 'rollout', id: e.rolloutId },
    action: e.action,
    outcome: e.outcome,
    actor: e.actor,
    cause: e.cause,
    at: e.at,
    details: e.details,
  });
  await deps.publish([
    {
      detailType: e.detailType,
      detail: { rolloutId: e.rolloutId, actor: e.actor, ...e.details },
      resources: [],
      time: e.at,
    },
  ]);
  if (e.notify) {
    await deps.notify({ ...e.notify, attributes: { rolloutId: e.rolloutId, action: e.action } });
  }
}

export async function mustGetRollout(store: Pick<RolloutStore, 'getRollout'>, id: string): Promise<Rollout> {
  const rollout = await store.getRollout(id);
  if (!rollout) throw new RolloutNotFoundError(`rollout ${id} not found`);
  return rollout;
}

/** Stores a changed outcome once (conditional on the previous one) and audits it with its inputs. */
export async function noteOutcome(
  deps: Pick<RolloutDeps, 'store' | 'audit' | 'publish' | 'notify' | 'actor'>,
  stage: Stage,
  decision: GateDecision,
  at: number,
  cause: AuditCause,
): Promise<boolean> {
  if (decision.outcome === stage.lastOutcome) return false;
  const changed = await deps.store.recordOutcome(
    stage.rolloutId,
    stage.index,
    stage.lastOutcome,
    storedDecision(decision, at),
  );
  if (!changed) return false;
  await record(deps, {
    rolloutId: stage.rolloutId,
    action: 'rollout.gate.changed',
    outcome: 'decided',
    actor: deps.actor,
    cause,
    at,
    detailType: 'RolloutGateChanged',
    details: {
      stageIndex: stage.index,
      jobId: stage.jobId,
      previous: stage.lastOutcome ?? null,
      outcome: decision.outcome,
      reason: decision.reason,
      rule: decision.rule,
      ruleConfidence: decision.ruleConfidence,
      explanation: decision.explanation,
      evidence: decision.evidence,
    },
  });
  return true;
}
