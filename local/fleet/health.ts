import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type PQueue from 'p-queue';
import type { LocalStack } from '../stack';
import type { AfterSuccess } from './after-success';

/** What crashing devices publish: CrashCount 1 a minute, no dimension, for 30 minutes after they are back. */
const CRASH_METRIC = { namespace: 'FleetAutopilot/Devices', name: 'CrashCount' } as const;
const CRASH_EVERY_MS = 60_000;
export const CRASH_FOR_MS = 30 * 60_000;

export type HealthStats = { callFailures: number; crashReports: number };

/**
 * The devices' life after a SUCCEEDED report, on virtual time: presence through the IoT emulator's
 * lifecycle events (a device is connected before it first disconnects; AWS IoT publishes nothing for
 * a repeated state), a reboot's disconnect and reconnect, a bricked device's keep-alive timeout with
 * no return, and a crashing device's CrashCount metrics on CloudWatch (which stop once the device has
 * taken a rollback).
 */
export class DeviceHealth {
  readonly #bricked = new Set<string>();
  readonly #rolledBackAt = new Map<string, number>();
  #cloudWatch: CloudWatchClient | undefined;

  constructor(
    private readonly stack: LocalStack,
    private readonly calls: PQueue,
    private readonly stats: HealthStats,
  ) {}

  /** A bricked device is off the network for good: it answers no job any more. */
  isBricked(thingName: string): boolean {
    return this.#bricked.has(thingName);
  }

  /** The device is online (before a report it will disconnect after). */
  online(thingName: string): void {
    if (!this.isBricked(thingName)) this.stack.services.iot.devices.connect(thingName);
  }

  rolledBack(thingName: string): void {
    this.#rolledBackAt.set(thingName, this.stack.clock.now());
  }

  /** Right after an accepted SUCCEEDED report. */
  follow(thingName: string, after: AfterSuccess): void {
    const { iot } = this.stack.services;
    const now = this.stack.clock.now();
    if (after.kind === 'brick') {
      this.#bricked.add(thingName);
      this.stack.timeline.at(now + after.disconnectMs, `device ${thingName} bricked`, () =>
        iot.devices.disconnect(thingName, 'MQTT_KEEP_ALIVE_TIMEOUT'),
      );
      return;
    }
    iot.devices.disconnect(thingName, 'CLIENT_INITIATED_DISCONNECT');
    const back = now + after.offlineMs;
    this.stack.timeline.at(back, `device ${thingName} back`, () => {
      if (this.isBricked(thingName)) return;
      iot.devices.connect(thingName);
      if (after.crashes) this.#crashAt(thingName, back, back + CRASH_EVERY_MS);
    });
  }

  #crashAt(thingName: string, back: number, at: number): void {
    if (at > back + CRASH_FOR_MS) return;
    this.stack.timeline.at(at, `device ${thingName} crash`, async () => {
      if ((this.#rolledBackAt.get(thingName) ?? Number.NEGATIVE_INFINITY) >= back) return;
      this.#crashAt(thingName, back, at + CRASH_EVERY_MS);
      await this.#publishCrash(at);
    });
  }

  /** A lost datapoint is counted, not retried: a crash loop sends another a minute later. */
  async #publishCrash(at: number): Promise<void> {
    this.#cloudWatch ??= new CloudWatchClient(this.stack.clientConfig('cloudWatch', { maxAttempts: 3 }));
    const client = this.#cloudWatch;
    try {
      await this.calls.add(() =>
        client.send(
          new PutMetricDataCommand({
            Namespace: CRASH_METRIC.namespace,
            MetricData: [{ MetricName: CRASH_METRIC.name, Value: 1, Unit: 'Count', Timestamp: new Date(at) }],
          }),
        ),
      );
      this.stats.crashReports += 1;
    } catch {
      this.stats.callFailures += 1;
    }
  }
}
