import { CreateThingCommand, CreateThingTypeCommand, IoTClient } from '@aws-sdk/client-iot';
import PQueue from 'p-queue';
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
  // At most one batch of calls in flight: when the stack answers slower than the rate, later calls
  // wait here in order.
  const inFlight = new PQueue({ concurrency: batch });
  const iot = new IoTClient(stack.clientConfig('iot', { maxAttempts: 10 }));
  const types = [...new Set(devices.flatMap((d) => (d.thingTypeName ? [d.thingTypeName] : [])))];
  for (const thingTypeName of types) {
    if (stack.services.iot.state.thingTypes.has(thingTypeName)) continue;
    await iot.send(new CreateThingTypeCommand({ thingTypeName }));
  }
  const startedAt = stack.clock.now();
  const result: ProvisionResult = { created: 0, failed: 0, startedAt, finishedAt: startedAt };
  const batches: Promise<void>[] = [];
  for (let i = 0, k = 0; i < devices.length; i += batch, k += 1) {
    const slice = devices.slice(i, i + batch);
    batches.push(
      new Promise<void>((resolve) => {
        stack.timeline.at(startedAt + k * 1000, `provision batch ${k}`, async () => {
          const outcomes = await Promise.allSettled(
            slice.map((d) =>
              inFlight.add(() =>
                iot.send(
                  new CreateThingCommand({
                    thingName: d.thingName,
                    thingTypeName: d.thingTypeName,
                    attributePayload: { attributes: d.attributes },
                  }),
                ),
              ),
            ),
          );
          outcomes.forEach((o, i) => {
            if (o.status !== 'fulfilled') {
              result.failed += 1;
              return;
            }
            result.created += 1;
            // The device comes online (its MQTT connect): connectivity the fleet index shows; a device
            // that knows its firmware reports it in the `$package` shadow, as package-aware agents do.
            const device = slice[i];
            if (!device) return;
            stack.services.iot.devices.connect(device.thingName);
            const firmware = device.attributes.firmware;
            if (firmware) reportFirmware(stack, device.thingName, firmware);
          });
          result.finishedAt = stack.clock.now();
          resolve();
        });
      }),
    );
  }
  await Promise.all(batches);
  iot.destroy();
  return result;
}

/** The device's reported firmware version in its `$package` named shadow (Device Shadow REST API). */
export function reportFirmware(stack: LocalStack, thingName: string, version: string): void {
  stack.services.iot.shadows.update(
    thingName,
    '$package',
    JSON.stringify({ state: { reported: { firmware: { version } } } }),
  );
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
