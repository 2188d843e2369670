import type { Approval, Rollout, Stage } from './model';

/** What GET /rollouts/{id} shows: no task token, ever (the items never reach here with one). */
export type RolloutStatusView = ReturnType<typeof rolloutStatusView>;

export function rolloutStatusView(rollout: Rollout, stages: Stage[], approvals: Approval[]) {
  return {
    rolloutId: rollout.rolloutId,
    name: rollout.name,
    status: rollout.status,
    paused: rollout.paused,
    abortRequested: rollout.abortRequested,
    reason: rollout.reason,
    digest: rollout.digest,
    creator: rollout.creator,
    createdAt: new Date(rollout.createdAt).toISOString(),
    currentStage: rollout.currentStage,
    stages: rollout.plan.stages.map((planned) => {
      const stage = stages.find((s) => s.index === planned.index);
      const finished = (stage?.succeeded ?? 0) + (stage?.failed ?? 0);
      const evidence = stage?.lastDecision?.evidence;
      return {
        index: planned.index,
        name: planned.name,
        targets: planned.targets,
        status: stage?.status ?? 'NOT_STARTED',
        jobId: stage?.jobId,
        startedAt: stage ? new Date(stage.startedAt).toISOString() : undefined,
        counts: stage
          ? {
              targets: stage.targets,
              succeeded: stage.succeeded,
              failed: stage.failed,
              excluded: stage.excluded,
              finished,
            }
          : undefined,
        failureRate: finished > 0 && stage ? stage.failed / finished : null,
        gate: {
          failureThreshold: planned.gate.failureThreshold,
          confidence: planned.gate.confidence,
          decision: stage?.lastDecision?.outcome,
          reason: stage?.lastDecision?.reason,
          explanation: stage?.lastDecision?.explanation,
          lowerBound: evidence?.lowerBound ?? null,
          upperBound: evidence?.upperBound ?? null,
        },
        approvals: approvals
          .filter((a) => a.stageIndex === planned.index)
          .map((a) => ({
            kind: a.kind,
            status: a.status,
            reason: a.reason,
            requestedAt: new Date(a.requestedAt).toISOString(),
            expiresAt: new Date(a.expiresAt).toISOString(),
            decidedBy: a.decidedBy,
            decidedAt: a.decidedAt === undefined ? undefined : new Date(a.decidedAt).toISOString(),
            comment: a.comment,
          })),
      };
    }),
  };
}
