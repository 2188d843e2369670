import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudWatchClient,
  type PutMetricAlarmCommandInput,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterEach } from 'vitest';
import { createCloudWatchEmulator } from '../../local/emulators/cloudwatch/emulator';
import { VirtualClock } from '../../local/emulators/common/clock';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import { createEventBridgeEmulator } from '../../local/emulators/eventbridge/emulator';
import type { EventEnvelope } from '../../local/emulators/eventbridge/envelope';

/** Shared set-up for the CloudWatch emulator tests: CloudWatch wired to an EventBridge emulator. */
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

export const T0 = Date.UTC(2022, 6, 22, 15, 57, 45, 394);

export async function start(faults = new FaultInjector(seededRandom(1))) {
  const clock = new VirtualClock(T0);
  const limiter = new RateLimiter(clock, {});
  const bus = createEventBridgeEmulator({
    clock,
    limiter,
    faults: new FaultInjector(seededRandom(2)),
    accountId: '123456789012',
  });
  const events: EventEnvelope[] = [];
  bus.subscribe((name, e) => name === 'default' && events.push(e));
  const emulator = createCloudWatchEmulator({
    clock,
    limiter,
    faults,
    events: bus,
    accountId: '123456789012',
  });
  const server = createServer(emulator.handler).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  const client = new CloudWatchClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  return { clock, client, events, emulator };
}

export const cpuAlarm: PutMetricAlarmCommandInput = {
  AlarmName: 'ServerCpuTooHigh',
  AlarmDescription: 'Goes into alarm when server CPU utilization is too high!',
  Namespace: 'AWS/EC2',
  MetricName: 'CPUUtilization',
  Dimensions: [{ Name: 'InstanceId', Value: 'i-12345678901234567' }],
  Period: 300,
  Statistic: 'Average',
  EvaluationPeriods: 1,
  Threshold: 50,
  ComparisonOperator: 'GreaterThanThreshold',
};

export const alarmOn = (name: string, value: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', reason = 'test') =>
  new SetAlarmStateCommand({ AlarmName: name, StateValue: value, StateReason: reason });
