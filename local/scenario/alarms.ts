import { readFileSync } from 'node:fs';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { parse } from 'yaml';
import type { EventEnvelope } from '../emulators/eventbridge/envelope';
import type { LocalStack } from '../stack';

/** The prefix that marks an alarm for tunnels, as the deployment's policy file sets it. */
export function tunnelAlarmPrefix(file = 'config/tunnel-policy.yml'): string {
  const policy = parse(readFileSync(file, 'utf8')) as { alarms?: { namePrefix?: string } };
  return policy.alarms?.namePrefix ?? 'fleet-tunnel-';
}

/** Enrols an alarm for a thing through the operator API (only enrolled alarms open tunnels). */
export type Enrol = (alarmName: string, thingName: string) => Promise<void>;

/**
 * Device alarms on the CloudWatch emulator: a metric alarm per thing (ThingName dimension), enrolled
 * for its thing once (through `enrol`, as an operator would), moved with SetAlarmState as an
 * engineer or a test would. Keeps each alarm's last state-change event so a duplicate delivery can
 * hand the very same event to the rules again.
 */
export class DeviceAlarms {
  readonly #client: CloudWatchClient;
  readonly #last = new Map<string, EventEnvelope>();
  readonly #enrolled = new Set<string>();
  readonly #unsubscribe: () => void;
  duplicatesDelivered = 0;

  constructor(
    private readonly stack: LocalStack,
    readonly prefix = tunnelAlarmPrefix(),
    private readonly enrol?: Enrol,
  ) {
    this.#client = new CloudWatchClient(stack.clientConfig('cloudWatch', { maxAttempts: 5 }));
    this.#unsubscribe = stack.services.eventBridge.subscribe((bus, event) => {
      if (bus !== 'default' || event.source !== 'aws.cloudwatch') return;
      const name = (event.detail as { alarmName?: string } | undefined)?.alarmName;
      if (name) this.#last.set(name, event);
    });
  }

  stop(): void {
    this.#unsubscribe();
  }

  nameFor(thing: string, alarm?: string): string {
    return alarm ?? `${this.prefix}${thing}`;
  }

  /** A metric alarm over the whole fleet; no data means nothing is crashing (notBreaching). */
  async createFleetAlarm(a: {
    name: string;
    namespace: string;
    metric: string;
    statistic: 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'SampleCount';
    periodSeconds: number;
    evaluationPeriods: number;
    threshold: number;
  }): Promise<void> {
    await this.#client.send(
      new PutMetricAlarmCommand({
        AlarmName: a.name,
        AlarmDescription: `Fleet ${a.metric}`,
        Namespace: a.namespace,
        MetricName: a.metric,
        Statistic: a.statistic,
        Period: a.periodSeconds,
        EvaluationPeriods: a.evaluationPeriods,
        Threshold: a.threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
  }

  async fire(thing: string, alarm?: string): Promise<string> {
    const name = this.nameFor(thing, alarm);
    await this.#client.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        AlarmDescription: `Device ${thing} overheating`,
        Namespace: 'FleetAutopilot/Devices',
        MetricName: 'Temperature',
        Dimensions: [{ Name: 'ThingName', Value: thing }],
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 80,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        // The scenario drives the state with SetAlarmState and sends no data: keep the state it set.
        TreatMissingData: 'ignore',
      }),
    );
    if (this.enrol && !this.#enrolled.has(name)) {
      await this.enrol(name, thing);
      this.#enrolled.add(name);
    }
    await this.#setState(name, 'ALARM', 'Threshold Crossed: 1 datapoint [91.5] >= 80.0');
    return name;
  }

  async recover(thing: string, alarm?: string): Promise<string> {
    const name = this.nameFor(thing, alarm);
    await this.#setState(name, 'OK', 'Threshold Crossed: 1 datapoint [45.0] < 80.0');
    return name;
  }

  /** EventBridge at least once: the alarm's last state-change event, delivered to the rules again. */
  redeliverLast(alarmName: string): boolean {
    const event = this.#last.get(alarmName);
    if (!event) return false;
    this.stack.router.redeliver('default', event);
    this.duplicatesDelivered += 1;
    return true;
  }

  #setState(name: string, value: 'ALARM' | 'OK', reason: string) {
    return this.#client.send(
      new SetAlarmStateCommand({ AlarmName: name, StateValue: value, StateReason: reason }),
    );
  }
}
