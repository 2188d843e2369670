import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import { createEventBridgeEmulator } from '../../local/emulators/eventbridge/emulator';
import type { EventEnvelope } from '../../local/emulators/eventbridge/envelope';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function start(faults = new FaultInjector(seededRandom(1))) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12, 0, 0, 250));
  const emulator = createEventBridgeEmulator({ clock, limiter: new RateLimiter(clock, {}), faults });
  const server = createServer(emulator.handler).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  const client = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  const delivered: [string, EventEnvelope][] = [];
  emulator.subscribe((bus, e) => delivered.push([bus, e]));
  return { clock, emulator, client, delivered };
}

const entry = (over: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'fleet-autopilot',
  DetailType: 'RolloutStageStarted',
  Detail: JSON.stringify({ rolloutId: 'r1', stage: 1 }),
  EventBusName: 'fleet',
  ...over,
});

describe('eventbridge emulator', () => {
  it('creates and describes a bus', async () => {
    const { client } = await start();
    const made = await client.send(new CreateEventBusCommand({ Name: 'fleet' }));
    expect(made.EventBusArn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/fleet');
    const bus = await client.send(new DescribeEventBusCommand({ Name: 'fleet' }));
    expect(bus).toMatchObject({
      Name: 'fleet',
      Arn: made.EventBusArn,
      CreationTime: new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 250)),
    });
    await expect(client.send(new CreateEventBusCommand({ Name: 'fleet' }))).rejects.toMatchObject({
      name: 'ResourceAlreadyExistsException',
    });
    await expect(client.send(new DescribeEventBusCommand({ Name: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('accepts events, delivers the full envelope to subscribers and archives them', async () => {
    const { client, delivered, emulator } = await start();
    await client.send(new CreateEventBusCommand({ Name: 'fleet' }));
    const out = await client.send(new PutEventsCommand({ Entries: [entry({ Resources: ['arn:x'] })] }));
    expect(out.FailedEntryCount).toBe(0);
    const id = out.Entries?.[0]?.EventId;
    expect(delivered).toEqual([
      [
        'fleet',
        {
          version: '0',
          id,
          'detail-type': 'RolloutStageStarted',
          source: 'fleet-autopilot',
          account: '000000000000',
          time: '2026-01-01T12:00:00Z',
          region: 'us-east-1',
          resources: ['arn:x'],
          detail: { rolloutId: 'r1', stage: 1 },
        },
      ],
    ]);
    expect(emulator.archive('fleet').map((e) => e.id)).toEqual([id]);
    expect(emulator.archive('default')).toEqual([]);
  });

  it('reports per-entry failures the way AWS does and keeps the good entries', async () => {
    const { client, delivered } = await start();
    await client.send(new CreateEventBusCommand({ Name: 'fleet' }));
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          entry(),
          entry({ Detail: '{not json' }),
          entry({ DetailType: undefined }),
          entry({ Source: 'aws.cloudwatch' }),
          entry({ EventBusName: 'missing' }),
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(4);
    expect(out.Entries?.map((e) => e.ErrorCode)).toEqual([
      undefined,
      'MalformedDetail',
      'InvalidArgument',
      'NotAuthorizedForSourceException',
      'ResourceNotFoundException',
    ]);
    expect(out.Entries?.[0]?.EventId).toBeTruthy();
    expect(delivered).toHaveLength(1);
  });

  it('rejects more than 10 entries, none, and over 256 KB with ValidationException', async () => {
    const { client, delivered } = await start();
    const eleven = Array.from({ length: 11 }, () => entry({ EventBusName: undefined }));
    await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(client.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const big = entry({ EventBusName: undefined, Detail: JSON.stringify({ s: 'x'.repeat(256 * 1024) }) });
    await expect(client.send(new PutEventsCommand({ Entries: [big] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const ten = Array.from({ length: 10 }, () => entry({ EventBusName: undefined }));
    const ok = await client.send(new PutEventsCommand({ Entries: ten }));
    expect(ok.FailedEntryCount).toBe(0);
    expect(delivered).toHaveLength(10);
  });

  it('manages rules and their targets: put, list, describe, delete', async () => {
    const { client } = await start();
    await client.send(new CreateEventBusCommand({ Name: 'fleet' }));
    const pattern = JSON.stringify({
      source: ['fleet-autopilot'],
      detail: { stage: [{ numeric: ['>=', 1] }] },
    });
    const put = await client.send(
      new PutRuleCommand({ Name: 'stages', EventBusName: 'fleet', EventPattern: pattern }),
    );
    expect(put.RuleArn).toBe('arn:aws:events:us-east-1:000000000000:rule/fleet/stages');
    await client.send(
      new PutRuleCommand({ Name: 'off', EventBusName: 'fleet', EventPattern: pattern, State: 'DISABLED' }),
    );
    await client.send(
      new PutTargetsCommand({
        Rule: 'stages',
        EventBusName: 'fleet',
        Targets: [{ Id: 't1', Arn: 'arn:aws:lambda:x' }],
      }),
    );
    const listed = await client.send(new ListRulesCommand({ EventBusName: 'fleet', Limit: 1 }));
    expect(listed.Rules?.map((r) => [r.Name, r.State])).toEqual([['off', 'DISABLED']]);
    const page2 = await client.send(
      new ListRulesCommand({ EventBusName: 'fleet', NextToken: listed.NextToken }),
    );
    expect(page2.Rules?.map((r) => r.Name)).toEqual(['stages']);
    const targets = await client.send(
      new ListTargetsByRuleCommand({ Rule: 'stages', EventBusName: 'fleet' }),
    );
    expect(targets.Targets).toEqual([{ Id: 't1', Arn: 'arn:aws:lambda:x' }]);

    await expect(
      client.send(new DeleteRuleCommand({ Name: 'stages', EventBusName: 'fleet' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await client.send(new RemoveTargetsCommand({ Rule: 'stages', EventBusName: 'fleet', Ids: ['t1'] }));
    await client.send(new DeleteRuleCommand({ Name: 'stages', EventBusName: 'fleet' }));
    await expect(
      client.send(new DescribeRuleCommand({ Name: 'stages', EventBusName: 'fleet' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('rejects invalid patterns, unknown rules and a sixth target', async () => {
    const { client } = await start();
    await expect(
      client.send(new PutRuleCommand({ Name: 'bad', EventPattern: JSON.stringify({ source: 'x' }) })),
    ).rejects.toMatchObject({ name: 'InvalidEventPatternException' });
    await expect(client.send(new PutRuleCommand({ Name: 'none' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(
      client.send(new PutTargetsCommand({ Rule: 'nope', Targets: [{ Id: 'a', Arn: 'arn:x' }] })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await client.send(new PutRuleCommand({ Name: 'r', EventPattern: JSON.stringify({ source: ['x'] }) }));
    const six = Array.from({ length: 6 }, (_, i) => ({ Id: `t${i}`, Arn: 'arn:x' }));
    await expect(client.send(new PutTargetsCommand({ Rule: 'r', Targets: six }))).rejects.toMatchObject({
      name: 'LimitExceededException',
    });
  });

  it('emits AWS-originated events on the default bus with the clock time', async () => {
    const { emulator, delivered } = await start();
    const e = emulator.emit({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      detail: { a: 1 },
    });
    expect(delivered).toEqual([['default', e]]);
    expect(e).toMatchObject({ version: '0', time: '2026-01-01T12:00:00Z', resources: [], detail: { a: 1 } });
    expect(emulator.archive('default')).toEqual([e]);
  });

  it('answers ThrottlingException and InternalException on injected faults', async () => {
    const throttled = await start(new FaultInjector(seededRandom(1), { throttleRate: 1 }));
    await expect(throttled.client.send(new PutEventsCommand({ Entries: [entry()] }))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    const failing = await start(new FaultInjector(seededRandom(1), { serverErrorRate: 1 }));
    await expect(failing.client.send(new PutEventsCommand({ Entries: [entry()] }))).rejects.toMatchObject({
      name: 'InternalException',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
  });
});
