import type { LocalDynamoDb } from '../emulators/dynamodb/server';
import type { DriverHooks } from '../runtime/driver';
import type { Services } from '../runtime/services';
import type { SqsPoller } from '../runtime/sqs-poller';
import type { ContainerThreads } from '../runtime/threads/pool';
import type { Simulation } from './simulation';

/** Parts the driver steps that start after the emulators; absent until then. */
export type Stepped = {
  functions?: { threads: ContainerThreads | undefined };
  routing?: { pollers: readonly SqsPoller[] };
};

/**
 * What the driver runs at each instant and how it learns when something happens next: the
 * emulators' sweeps, the agenda, the SQS pollers, the container threads.
 */
export function stackSchedule(
  { clock, timeline, track }: Simulation,
  dynamo: LocalDynamoDb,
  services: Services,
  parts: Stepped,
): DriverHooks {
  const pollers = () => parts.routing?.pollers ?? [];
  return {
    step() {
      services.iot.sweep();
      services.tunnels.sweep();
      services.cloudWatch.sweep();
      services.sfn.sweep();
      timeline.runDue(clock.now(), (result) => {
        if (result instanceof Promise) track(result);
      });
      for (const p of pollers()) p.poll();
    },
    dueNow() {
      const now = clock.now();
      return (
        timeline.hasDue(now) ||
        (services.sfn.nextDue() ?? Number.POSITIVE_INFINITY) <= now ||
        pollers().some((p) => p.canStart())
      );
    },
    /** The next time something changes by itself; what is already due waits for a free slot instead. */
    nextDeadline() {
      const now = clock.now();
      let next = Number.POSITIVE_INFINITY;
      const consider = (t: number | undefined) => {
        if (t !== undefined && t > now && t < next) next = t;
      };
      consider(timeline.nextDue());
      consider(services.sfn.nextDue());
      consider(services.iot.nextDue());
      consider(services.cloudWatch.nextDue());
      for (const q of services.sqs.queues()) consider(q.nextVisibleAt());
      for (const p of pollers()) consider(p.windowEnd());
      return Number.isFinite(next) ? next : undefined;
    },
    busy: () => dynamo.inFlight > 0,
    threadsPending: () => parts.functions?.threads?.pending ?? false,
    settleThreads: () => parts.functions?.threads?.settle() ?? Promise.resolve(0),
  };
}
