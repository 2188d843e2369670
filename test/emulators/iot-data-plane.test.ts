import {
  GetThingShadowCommand,
  IoTDataPlaneClient,
  PublishCommand,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../local/emulators/common/http';
import { createIotDataHandler } from '../../local/emulators/iot/data-plane';
import { expectAwsError } from './iot-harness';

const published: { topic: string; payload: Record<string, unknown> }[] = [];
let server: Awaited<ReturnType<typeof listen>>;
let client: IoTDataPlaneClient;

beforeAll(async () => {
  server = await listen(createIotDataHandler((topic, payload) => published.push({ topic, payload })));
  client = new IoTDataPlaneClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});
afterAll(() => server.close());

const publish = (topic: string, payload: object, extra: Record<string, unknown> = {}) =>
  client.send(new PublishCommand({ topic, payload: Buffer.from(JSON.stringify(payload)), ...extra }));

describe('IoT data plane Publish', () => {
  it('delivers a client message on an ordinary topic to the rules engine', async () => {
    await publish('fleet/pump-1/telemetry', { t: 21 }, { qos: 1 });
    expect(published.at(-1)).toEqual({ topic: 'fleet/pump-1/telemetry', payload: { t: 21 } });
  });

  it('refuses client publishes to the $aws/events topics that AWS IoT itself publishes', async () => {
    const before = published.length;
    const forged = { eventType: 'THING_EVENT', operation: 'UPDATED', thingName: 'pump-1', versionNumber: 99 };
    for (const topic of [
      '$aws/events/thing/pump-1/updated',
      '$aws/events/jobExecution/j1/succeeded',
      '$mine/x',
    ]) {
      const e = await expectAwsError(publish(topic, forged), 'ForbiddenException', 403);
      expect(e.message).toMatch(/reserved for AWS IoT/);
    }
    expect(published).toHaveLength(before);
  });

  it('names the reserved request topics and options it does not emulate', async () => {
    const shadow = await expectAwsError(
      publish('$aws/things/pump-1/shadow/update', { state: {} }),
      'InvalidRequestException',
      400,
    );
    expect(shadow.message).toMatch(/reserved topic \$aws\/things\/pump-1\/shadow\/update is not emulated/);
    const retain = await expectAwsError(publish('a/b', {}, { retain: true }), 'InvalidRequestException', 400);
    expect(retain.message).toMatch(/^Parameter retain of Publish is not emulated/);
    await expectAwsError(publish('a/+', {}), 'InvalidRequestException', 400);
    const op = await expectAwsError(
      client.send(new GetThingShadowCommand({ thingName: 'pump-1' })),
      'UnknownOperationException',
      404,
    );
    expect(op.message).toMatch(/^Operation GetThingShadow is not emulated/);
    await expectAwsError(
      client.send(new UpdateThingShadowCommand({ thingName: 'pump-1', payload: Buffer.from('{}') })),
      'UnknownOperationException',
      404,
    );
  });
});
