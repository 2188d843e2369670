import { seedIds } from '../emulators/common/ids';
import { Driver, type DriverHooks } from '../runtime/driver';
import { LocalClock } from '../runtime/local-clock';
import { VirtualNetwork } from '../runtime/net/network';
import { Timeline } from '../runtime/timeline';
import type { StackOptions } from './options';

/** Nothing to run yet: the parts the driver steps have not started. */
const NOTHING: DriverHooks = {
  step: () => undefined,
  dueNow: () => false,
  nextDeadline: () => undefined,
  busy: () => false,
  threadsPending: () => false,
  settleThreads: () => Promise.resolve(0),
};

/**
 * What every part of the stack shares: one virtual clock, one seeded agenda, one virtual network,
 * and the driver that runs them. The driver steps parts that start later: `schedule` hands it them.
 */
export function createSimulation(options: Pick<StackOptions, 'seed' | 'startTime' | 'speed'>) {
  const seed = options.seed ?? 1;
  seedIds(seed);
  const clock = new LocalClock(options.startTime ?? Date.UTC(2026, 0, 5, 8), options.speed ?? 20);
  const timeline = new Timeline(seed);
  const network = new VirtualNetwork();
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  let hooks = NOTHING;
  const driver = new Driver(clock, timeline, {
    step: () => hooks.step(),
    dueNow: () => hooks.dueNow(),
    nextDeadline: () => hooks.nextDeadline(),
    busy: () => hooks.busy(),
    threadsPending: () => hooks.threadsPending(),
    settleThreads: () => hooks.settleThreads(),
  });
  return {
    seed,
    clock,
    timeline,
    network,
    driver,
    /** Work started outside the agenda (a rule's delivery, a poller's batch) that the stack runs to its end. */
    track,
    schedule: (stepped: DriverHooks) => {
      hooks = stepped;
    },
  };
}

export type Simulation = ReturnType<typeof createSimulation>;
