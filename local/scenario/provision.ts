import { CreateThingCommand, CreateThingTypeCommand, IoTClient } from '@aws-sdk/client-iot';
import type { Device } from '../fleet/population';
import type { LocalStack } from '../stack';

export type ProvisionResult = { created: number; failed: number; startedAt: number; finishedAt: number };

/**
 * CreateThing through the real IoT SDK against the stack, paced on virtual time: `ratePerSecond`
 * things per virtual second (CreateThing's quota is 100 TPS). Resolves when the last call returns.
 */
export async function provision(
  stack: LocalStack,
  devices: readonly Device[],
  ratePerSecond: number,
): Promise<ProvisionResult> {
  const batch = Math.max(1, Math.floor(ratePerSecond));
  // One socket per call of a batch, and a batch starts only once the one before has answered: the
  // calls in flight never exceed the batch, so none queue in the SDK's agent (whose default 50
  // sockets, with batches piling up faster than the stack answers, queued hundreds and warned).
  const iot = new IoTClient({
    ...stack.clientConfig('iot'),
    maxAttempts: 10,
    retryMode: 'standard',
    requestHandler: { httpAgent: { keepAlive: true, maxSockets: batch } },
  });
  const types = [...new Set(devices.flatMap((d) => (d.thingTypeName ? [d.thingTypeName] : [])))];
  for (const thingTypeName of types) {
    if (stack.services.iot.state.thingTypes.has(thingTypeName)) continue;
    await iot.send(new CreateThingTypeCommand({ thingTypeName }));
  }
  const startedAt = stack.clock.now();
  const result: ProvisionResult = { created: 0, failed: 0, startedAt, finishedAt: startedAt };
  const runBatch = async (slice: readonly Device[]) => {
    const outcomes = await Promise.allSettled(
      slice.map((d) =>
        iot.send(
          new CreateThingCommand({
            thingName: d.thingName,
            thingTypeName: d.thingTypeName,
            attributePayload: { attributes: d.attributes },
          }),
        ),
      ),
    );
    for (const o of outcomes) {
      if (o.status === 'fulfilled') result.created += 1;
      else result.failed += 1;
    }
    result.finishedAt = stack.clock.now();
  };
  // Batch k is due at start + k s (the rate), or when batch k − 1 has answered, whichever is later.
  await new Promise<void>((resolve) => {
    const next = (k: number) => {
      const slice = devices.slice(k * batch, (k + 1) * batch);
      if (slice.length === 0) return resolve();
      const due = Math.max(startedAt + k * 1000, stack.clock.now());
      stack.timeline.at(due, `provision batch ${k}`, () => runBatch(slice).then(() => next(k + 1)));
    };
    next(0);
  });
  iot.destroy();
  return result;
}

/** Resolves once every registry event is through: queues empty, no batch running, no delayed copy due. */
export function groupingSettled(stack: LocalStack, checkEveryMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      const busy = stack.pollers.some((p) => p.active > 0 || p.queue.depth() > 0);
      const deliveries =
        stack.delivery.stats.published + stack.delivery.stats.duplicated - stack.delivery.stats.delivered;
      if (!busy && deliveries <= 0) resolve();
      else stack.timeline.at(stack.clock.now() + checkEveryMs, 'wait for grouping', check);
    };
    check();
  });
}
