import {
  CreateEventBusCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { listen } from '../../local/emulators/common/http';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import { createEventBridgeEmulator } from '../../local/emulators/eventbridge/emulator';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start() {
  const clock = new VirtualClock();
  const emulator = createEventBridgeEmulator({
    clock,
    limiter: new RateLimiter(clock, {}),
    faults: new FaultInjector(seededRandom(1)),
  });
  const server = await listen(emulator.handler);
  open.push(server);
  return new EventBridgeClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
}

describe('EventBridge: what is not emulated is refused, by name', () => {
  it('refuses a bus setting it does not have and creates nothing', async () => {
    const client = await start();
    await expect(
      client.send(new CreateEventBusCommand({ Name: 'fleet', KmsKeyIdentifier: 'alias/mine' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^Parameter KmsKeyIdentifier of CreateEventBus is not emulated/),
    });
    await client.send(new CreateEventBusCommand({ Name: 'fleet' }));
  });

  it('names an operation it does not emulate', async () => {
    const client = await start();
    await expect(
      client.send(new PutPermissionCommand({ EventBusName: 'default', Policy: '{}' })),
    ).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringMatching(/^Operation PutPermission is not emulated/),
    });
  });

  it('pages ListTargetsByRule with Limit and NextToken', async () => {
    const client = await start();
    await client.send(new PutRuleCommand({ Name: 'r', EventPattern: '{"source":["x"]}' }));
    const Targets = ['a', 'b', 'c'].map((Id) => ({ Id, Arn: `arn:aws:sqs:us-east-1:000000000000:${Id}` }));
    await client.send(new PutTargetsCommand({ Rule: 'r', Targets }));
    const first = await client.send(new ListTargetsByRuleCommand({ Rule: 'r', Limit: 2 }));
    expect(first.Targets?.map((t) => t.Id)).toEqual(['a', 'b']);
    const rest = await client.send(
      new ListTargetsByRuleCommand({ Rule: 'r', Limit: 2, NextToken: first.NextToken }),
    );
    expect(rest.Targets?.map((t) => t.Id)).toEqual(['c']);
    expect(rest.NextToken).toBeUndefined();
  });
});
