import { PACKAGE_SETTLE_MS } from '../domain/rollout/health-package';
import { disconnectedInWindow } from '../domain/rollout/health-presence';
import { selfCheckFailure } from '../domain/rollout/health-self-check';
import type { ExecutionTerminal } from '../domain/rollout/job-event';
import type { ResolvedHealth } from '../domain/rollout/plan';
import type { HealthStore } from './health-ports';

export type HealthDeps = { health: HealthStore };

/**
 * A success in a stage with health signals: a failed self-check makes the device a suspect at once; a
 * package version check makes every success one, judged on its `$package` shadow once it has settled
 * (AWS IoT writes the shadow after the success, asynchronously); a reconnect window puts a watch on it
 * (which the presence consumer finds) and, when its disconnect arrived first (lifecycle events are
 * unordered), makes it a suspect here. Every write is idempotent.
 */
export async function watchSuccess(
  deps: HealthDeps,
  rolloutId: string,
  stageIndex: number,
  health: ResolvedHealth,
  event: ExecutionTerminal,
): Promise<void> {
  const base = {
    rolloutId,
    stageIndex,
    thingName: event.thingName,
    jobId: event.jobId,
    succeededAt: event.at,
  };
  if (health.selfCheck) {
    const failure = selfCheckFailure(health.selfCheck, event.statusDetails);
    if (failure)
      await deps.health.putSuspect({ ...base, reason: 'selfCheck', windowMs: 0, explanation: failure });
  }
  if (health.packageVersion)
    await deps.health.putSuspect({ ...base, reason: 'package', windowMs: PACKAGE_SETTLE_MS });
  if (health.reconnectMinutes === undefined) return;
  const windowMs = health.reconnectMinutes * 60_000;
  // The watch is written before presence is read, and the presence consumer writes presence before
  // it reads watches: whichever runs second sees the other's write.
  await deps.health.putWatch({ ...base, windowMs });
  const history = (await deps.health.presenceOf([event.thingName])).get(event.thingName) ?? [];
  if (disconnectedInWindow(history, event.at, windowMs))
    await deps.health.putSuspect({ ...base, reason: 'reconnect', windowMs });
}
