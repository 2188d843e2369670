import { deployCustomResources } from './runtime/custom-resources';
import { stackClients } from './stack/clients';
import { stackEnv } from './stack/env';
import { startFleetEdge } from './stack/fleet';
import { type Functions, startFunctions } from './stack/functions';
import { LOCAL_ACCOUNT, type StackOptions } from './stack/options';
import { createResources, localDeployment } from './stack/resources';
import { type Routing, startRouting } from './stack/routing';
import { stackSchedule } from './stack/schedule';
import { scratchFiles } from './stack/scratch';
import { startEmulators } from './stack/services';
import { createSimulation } from './stack/simulation';
import { loadPackagedTemplate } from './template';

export type { StackOptions } from './stack/options';
export { LOCAL_ACCOUNT, LOCAL_CREDENTIALS } from './stack/options';

/**
 * The whole backend in one process: AWS emulators, DynamoDB, the deployed function bundles and the
 * routing that the packaged CloudFormation template declares, on one discrete-event clock. It
 * leaves the process's environment alone: clients take `clientConfig(service)`, child processes
 * and the CLI take `env`.
 */
export async function startLocalStack(options: StackOptions = {}) {
  const region = options.region ?? 'us-east-1';
  const template = loadPackagedTemplate();
  const sim = createSimulation(options);
  const files = scratchFiles(options.logDir);
  const clients = stackClients(sim, region);

  // The emulators call into the functions and the routing, which start after them.
  const later: { functions?: Functions; routing?: Routing } = {};
  const emulators = await startEmulators(sim, clients, files.iotCalls, options, {
    invokeFunction: (name, payload) => started(later.functions).host.invoke(name, payload),
    iotEvents: (topic, payload) => later.routing?.delivery.publish(topic, payload),
  });
  const { dynamo, services } = emulators;
  sim.schedule(stackSchedule(sim, dynamo, services, later));
  const env = stackEnv(region, clients.endpoints);

  const deployment = localDeployment(template, region, clients.endpoints.sqs ?? '');
  const access = await createResources(deployment, emulators, clients.clientConfig);
  const functions = await startFunctions(sim, deployment, env, files.logs, services.sfn, options);
  later.functions = functions;
  const routing = await startRouting(
    sim,
    deployment,
    services,
    functions.host,
    clients.endpoints,
    options.delivery,
  );
  later.routing = routing;
  const fleet = await startFleetEdge(sim, routing.router, services.iot, clients.endpoints, env);

  return {
    clock: sim.clock,
    timeline: sim.timeline,
    network: sim.network,
    driver: sim.driver,
    threads: functions.threads,
    env,
    /** The template's Outputs, resolved to their local values (bucket names, role ARNs, ...). */
    outputs: deployment.resolve(template.Outputs ?? {}) as Record<string, { Value?: unknown }>,
    endpoints: clients.endpoints,
    services,
    host: functions.host,
    router: routing.router,
    delivery: routing.delivery,
    pollers: routing.pollers,
    deviceMessages: emulators.deviceMessages,
    logs: files.logs,
    /** Every accepted IoT call, in a file: stream it with `forEach` (services.iot.calls reads it all). */
    iotCalls: files.iotCalls,
    /** Every function log line so far, read back from the log files. */
    get logLines(): { fn: string; line: string }[] {
      return [...files.logs.entries()];
    },
    chaosStats: emulators.chaosStats,
    access,
    clientConfig: clients.clientConfig,
    /** WHATWG fetch on the virtual network (the operator API client). */
    fetch: sim.network.fetch,
    runUntilIdle: (o: { until?: number } = {}) => sim.driver.runUntilIdle(o),
    /** Answers `work` once done, running the stack meanwhile if nothing else is driving it. */
    drive: <T>(work: Promise<T>) => sim.driver.drive(work),
    deployCustomResources: () =>
      sim.driver.drive(
        deployCustomResources({
          ...deployment,
          host: functions.host,
          network: sim.network,
          account: LOCAL_ACCOUNT,
        }),
      ),
    track: sim.track,
    async close() {
      await functions.host.close();
      await functions.threads?.close();
      await routing.api.close();
      await fleet.iotData.close();
      await services.close();
      await dynamo.close();
      files.close();
    },
  };
}

export type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

function started<T>(part: T | undefined): T {
  if (!part) throw new Error('the local stack is still starting');
  return part;
}
