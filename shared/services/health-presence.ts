import type { Clock } from '../clock';
import { disconnectedInWindow } from '../domain/rollout/health-presence';
import { type PresenceLifecycle, THING_NAME } from '../domain/rollout/presence-event';
import type { HealthStore } from './health-ports';

export type PresenceDeps = { health: HealthStore; clock: Clock };
export type PresenceResult = 'not-a-thing' | 'future' | 'recorded' | 'suspect';

/** A lifecycle event stamped further ahead than this is not recorded: AWS stamps it when it happens. */
export const PRESENCE_MAX_SKEW_MS = 5 * 60_000;

/**
 * One lifecycle event: merged into the thing's presence history, then, for a disconnect, every watch on
 * a success of the thing whose window it falls in makes the device a suspect. Reconcile judges suspects
 * when their window ends, on the history as it is then, so duplicates and any arrival order agree.
 */
export async function trackPresence(event: PresenceLifecycle, deps: PresenceDeps): Promise<PresenceResult> {
  if (!THING_NAME.test(event.clientId)) return 'not-a-thing';
  const receivedAt = deps.clock.now();
  if (event.timestamp > receivedAt + PRESENCE_MAX_SKEW_MS) return 'future';
  const connected = event.eventType === 'connected';
  const history = await deps.health.recordPresence(
    event.clientId,
    {
      at: event.timestamp,
      connected,
      ...(event.versionNumber === undefined ? {} : { version: event.versionNumber }),
    },
    receivedAt,
  );
  if (connected) return 'recorded';
  let suspect = false;
  for (const watch of await deps.health.watchesOf(event.clientId)) {
    if (!disconnectedInWindow(history, watch.succeededAt, watch.windowMs)) continue;
    await deps.health.putSuspect({ ...watch, reason: 'reconnect' });
    suspect = true;
  }
  return suspect ? 'suspect' : 'recorded';
}
