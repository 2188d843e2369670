import path from 'node:path';
import { withLocalPrincipal } from '../access-control';
import { FunctionHost } from '../runtime/function-host';
import type { LogFiles } from '../runtime/logs';
import type { Services } from '../runtime/services';
import { containerWorkerFile } from '../runtime/threads/build';
import { ContainerThreads } from '../runtime/threads/pool';
import { functionSpecs, stateMachines } from '../runtime/wiring';
import type { StackOptions } from './options';
import type { Deployment } from './resources';
import type { Simulation } from './simulation';

/**
 * Containers in the stack's thread by default. An instant rarely has work for two threads at once
 * (events reach the functions one chain at a time), so on two cores the turns' messages cost more
 * than they overlap: the default scenario took 53 s on two threads and 42 s on none (BENCHMARKS §5).
 */
const DEFAULT_THREADS = 0;

/**
 * The deployed function bundles in Lambda-like containers (on container threads unless
 * `threads: 0`), each with the stack's environment, its own and its role's credentials; and the
 * state machines that call them.
 */
export async function startFunctions(
  sim: Simulation,
  { template, resolve }: Deployment,
  env: Record<string, string>,
  logs: LogFiles,
  sfn: Services['sfn'],
  options: StackOptions,
) {
  const { clock, timeline, network, seed } = sim;
  const threadCount = options.threads ?? DEFAULT_THREADS;
  const threads =
    threadCount > 0
      ? new ContainerThreads(threadCount, await containerWorkerFile(), {
          clock,
          timeline,
          network,
          events: {
            log: (container, line) => host.threadEvents.log(container, line),
            result: (inv, outcome) => host.threadEvents.result(inv, outcome),
            crash: (container, reason) => host.threadEvents.crash(container, reason),
          },
        })
      : undefined;
  const host: FunctionHost = new FunctionHost(
    path.resolve('.local/functions'),
    env,
    (fn, line) => logs.write(fn, line),
    { clock, timeline, network, seed, ...(threads ? { threads } : {}) },
    options.functionEnv,
    options.chaos?.crashes,
  );
  for (const spec of functionSpecs(template, resolve, path.resolve(options.packageDir ?? '.serverless')))
    await host.register(withLocalPrincipal(spec, template, resolve));
  for (const machine of stateMachines(template, resolve))
    sfn.registerStateMachine(machine.name, machine.definition);
  return { host, threads };
}

export type Functions = Awaited<ReturnType<typeof startFunctions>>;
