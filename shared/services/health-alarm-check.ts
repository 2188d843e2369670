import { alarmEvidence, alarmVerdict } from '../domain/rollout/health-alarms';
import type { Rollout, Stage } from '../domain/rollout/model';
import { record } from './rollout-effects';
import type { RolloutDeps } from './rollout-ports';

export type AlarmCheck = { kind: 'clear' } | { kind: 'paused' | 'halt'; explanation: string };

/**
 * The plan's fleet alarms, read from CloudWatch while the stage runs: one in ALARM pauses the rollout
 * for a human (or halts it, per plan). An alarm that does not exist also pauses: a renamed or deleted
 * alarm must not silently turn the guard off.
 */
export async function checkAlarms(
  deps: RolloutDeps,
  rollout: Rollout,
  stage: Stage,
  now: number,
): Promise<AlarmCheck> {
  const alarms = rollout.plan.stages[stage.index]?.health?.alarms;
  if (!alarms) return { kind: 'clear' };
  const { firing, missing } = alarmVerdict(alarms.names, await deps.alarms.alarmStates(alarms.names));
  if (firing.length === 0 && missing.length === 0) return { kind: 'clear' };
  const halt = alarms.action === 'halt' && firing.length > 0;
  const explanation = [
    firing.length > 0 ? `in ALARM: ${firing.map((a) => a.name).join(', ')}` : '',
    missing.length > 0 ? `not found: ${missing.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  const id = rollout.rolloutId;
  if (!halt && !(await pause(deps, id, now))) {
    // An abort or an operator's pause got there first: nothing to add, but the stage is not judged with
    // its alarm firing either (the waiting gate then sees the pause or the abort).
    return { kind: 'paused', explanation };
  }
  await record(deps, {
    rolloutId: id,
    action: halt ? 'rollout.alarm.halting' : 'rollout.alarm.paused',
    outcome: 'decided',
    actor: deps.actor,
    cause: { type: 'execution', id: `${id}:s${stage.index}:alarm:${now}` },
    at: now,
    detailType: halt ? 'RolloutAlarmHalting' : 'RolloutAlarmPaused',
    details: {
      stageIndex: stage.index,
      action: halt ? 'halt' : 'pause',
      firing: alarmEvidence(firing),
      missing,
    },
    notify: {
      subject: `Rollout ${halt ? 'halting' : 'paused'} on a fleet alarm: ${rollout.name}`,
      message: `Rollout ${id}, stage ${stage.index} (${stage.name}): ${explanation}. ${halt ? 'The plan halts on its alarms.' : 'Resume (POST /rollouts/{id}/resume) once the alarm is understood; it is read again then.'}`,
    },
  });
  return { kind: halt ? 'halt' : 'paused', explanation };
}

/**
 * Pauses a running rollout for the alarm; true also when this very state visit paused it already (a
 * retried Reconcile has the same `now`), whose audit record and notification may still be due.
 */
async function pause(deps: RolloutDeps, id: string, now: number): Promise<boolean> {
  const reason = 'fleet-alarm';
  const paused = await deps.store.updateRollout(
    id,
    { status: 'PAUSED', paused: true, reason, updatedAt: now },
    { status: 'RUNNING', abortRequested: false },
  );
  if (paused) return true;
  const current = await deps.store.getRollout(id);
  return (
    current?.status === 'PAUSED' &&
    current.reason === reason &&
    current.updatedAt === now &&
    !current.abortRequested
  );
}
