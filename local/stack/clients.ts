import { seededRandom } from '../emulators/common/random';
import { VirtualRequestHandler, virtualRetryStrategy } from '../runtime/net/sdk-client';
import type { ServiceName } from '../runtime/services';
import { LOCAL_CREDENTIALS } from './options';
import type { Simulation } from './simulation';

/**
 * The stack's endpoints, filled in as its parts start, and the SDK client settings for the stack's
 * own clients and its callers': the virtual network, and back-offs on virtual time (a client waiting
 * outside a run drives the stack until its back-off is over). Every client gets its endpoint here:
 * nothing reads it from the process's environment.
 */
export function stackClients(sim: Simulation, region: string) {
  const random = seededRandom(sim.seed ^ 0xc11e);
  const sleep = (ms: number) =>
    sim.driver.drive(
      new Promise<void>((resolve) =>
        sim.timeline.at(sim.clock.now() + ms, 'client back-off', resolve, { source: 'clients' }),
      ),
    );
  const endpoints: Record<string, string> = {};
  const clientConfig = (service: ServiceName | 'dynamodb', o: { maxAttempts?: number } = {}) => ({
    ...(endpoints[service] ? { endpoint: endpoints[service] } : {}),
    region,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new VirtualRequestHandler(sim.network),
    retryStrategy: virtualRetryStrategy(o.maxAttempts ?? 3, sleep, random),
  });
  return { endpoints, clientConfig };
}

export type StackClients = ReturnType<typeof stackClients>;
export type ClientConfig = StackClients['clientConfig'];
