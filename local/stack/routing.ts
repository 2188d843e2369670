import { listen } from '../emulators/common/http';
import { seededRandom } from '../emulators/common/random';
import { EventDelivery } from '../runtime/delivery';
import type { FunctionHost } from '../runtime/function-host';
import { httpApiHandler } from '../runtime/http-api';
import { Router } from '../runtime/router';
import type { Services } from '../runtime/services';
import { SqsPoller } from '../runtime/sqs-poller';
import { eventRules, eventSourceMappings, httpRoutes, topicRules } from '../runtime/wiring';
import { LOCAL_ACCOUNT, type StackOptions } from './options';
import type { Deployment } from './resources';
import type { Simulation } from './simulation';

/**
 * What carries messages to the functions, as the template declares it: IoT topic rules and
 * EventBridge rules (Router), AWS IoT's at-least-once event delivery, the SQS event source
 * mappings, and the operator HTTP API's routes on their own port.
 */
export async function startRouting(
  sim: Simulation,
  { template, resolve, region }: Deployment,
  services: Services,
  host: FunctionHost,
  endpoints: Record<string, string>,
  delivery: StackOptions['delivery'],
) {
  const { clock, timeline, network, track, driver } = sim;
  const now = () => clock.now();
  const router = new Router(
    topicRules(template, resolve),
    eventRules(template, resolve),
    services,
    host,
    timeline,
    now,
    track,
  );
  const events = new EventDelivery(
    {
      duplicateRate: delivery?.duplicateRate ?? 0,
      reorderWindowMs: delivery?.reorderWindowMs ?? 0,
    },
    seededRandom(sim.seed ^ 0x5eed),
    timeline,
    now,
    (topic, payload) => router.publishMqtt(topic, payload),
  );
  const pollers = eventSourceMappings(template, resolve).flatMap((m) => {
    const queue = services.sqs.queue(m.queueArn);
    const fn = host.resolve(m.functionArn);
    if (!queue || !fn) return [];
    const maxConcurrency = Math.min(m.maxConcurrency ?? 1000, fn.reservedConcurrency ?? 4);
    const settings = {
      batchSize: m.batchSize,
      batchingWindowMs: m.batchingWindowSeconds * 1000,
      maxConcurrency,
      reportBatchItemFailures: m.reportBatchItemFailures,
      region,
    };
    return [new SqsPoller(queue, fn.name, host, settings, track, now)];
  });

  // An API call from outside a run (the CLI) drives the stack until its function has answered.
  const apiFunctions = { invoke: (ref: string, event: unknown) => driver.drive(host.invoke(ref, event)) };
  const apiHandler = httpApiHandler(httpRoutes(template, resolve), apiFunctions, LOCAL_ACCOUNT, now);
  const api = await listen(apiHandler);
  network.serve(api.url, apiHandler);
  endpoints.api = api.url;
  return { router, delivery: events, pollers, api };
}

export type Routing = Awaited<ReturnType<typeof startRouting>>;
