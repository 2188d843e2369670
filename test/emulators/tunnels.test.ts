import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloseTunnelCommand,
  DescribeTunnelCommand,
  IoTSecureTunnelingClient,
  ListTunnelsCommand,
  OpenTunnelCommand,
  RotateTunnelAccessTokenCommand,
} from '@aws-sdk/client-iotsecuretunneling';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import {
  createTunnelsEmulator,
  DEFAULT_TUNNEL_TPS,
  type TunnelNotifyPayload,
  type TunnelsEmulatorOptions,
} from '../../local/emulators/tunnels/emulator';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function start(extra: Partial<TunnelsEmulatorOptions> = {}, tps = DEFAULT_TUNNEL_TPS, limits = false) {
  const clock = new VirtualClock();
  const notes: { topic: string; payload: TunnelNotifyPayload }[] = [];
  const emulator = createTunnelsEmulator({
    clock,
    limiter: new RateLimiter(clock, tps, limits),
    faults: new FaultInjector(seededRandom(1)),
    onDeviceNotify: (topic, payload) => notes.push({ topic, payload }),
    ...extra,
  });
  const server = createServer(emulator.handler).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  const client = new IoTSecureTunnelingClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  return { clock, emulator, client, notes };
}

const open = (thingName: string, minutes?: number) =>
  new OpenTunnelCommand({
    destinationConfig: { thingName, services: ['SSH'] },
    timeoutConfig: minutes ? { maxLifetimeTimeoutMinutes: minutes } : undefined,
  });

describe('tunnels emulator', () => {
  it('opens a tunnel, returns opaque tokens and notifies the device with its destination token', async () => {
    const { client, notes, emulator } = await start();
    const out = await client.send(open('dev-1'));
    expect(out.tunnelArn).toBe(`arn:aws:iot:us-east-1:000000000000:tunnel/${out.tunnelId}`);
    expect(out.sourceAccessToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(out.sourceAccessToken).not.toBe(out.destinationAccessToken);
    expect(notes).toEqual([
      {
        topic: '$aws/things/dev-1/tunnels/notify',
        payload: {
          clientAccessToken: out.destinationAccessToken,
          clientMode: 'destination',
          region: 'us-east-1',
          services: ['SSH'],
        },
      },
    ]);
    expect(emulator.issuedTokens()).toEqual([out.sourceAccessToken, out.destinationAccessToken]);
    const { tunnel } = await client.send(new DescribeTunnelCommand({ tunnelId: out.tunnelId }));
    expect(tunnel?.status).toBe('OPEN');
    expect(tunnel?.timeoutConfig?.maxLifetimeTimeoutMinutes).toBe(720);
    expect(tunnel?.createdAt).toEqual(new Date(Date.UTC(2026, 0, 1)));
    expect(tunnel?.sourceConnectionState?.status).toBe('DISCONNECTED');
  });

  it.each([
    ['service with a space', { destinationConfig: { thingName: 't', services: ['S SH'] } }, 'services'],
    ['no services', { destinationConfig: { thingName: 't', services: [] } }, 'services'],
    ['bad thing name', { destinationConfig: { thingName: 'a/b', services: ['SSH'] } }, 'thingName'],
    ['lifetime 0', { timeoutConfig: { maxLifetimeTimeoutMinutes: 0 } }, 'maxLifetimeTimeoutMinutes'],
    ['lifetime 721', { timeoutConfig: { maxLifetimeTimeoutMinutes: 721 } }, 'maxLifetimeTimeoutMinutes'],
    ['empty tags', { tags: [] }, 'tags'],
    ['control char in description', { description: 'a\u0007b' }, 'description'],
  ])('rejects %s with ValidationException', async (_name, input, field) => {
    const { client } = await start();
    const err = await client.send(new OpenTunnelCommand(input)).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect((err as Error).message).toContain(field);
  });

  it('answers ResourceNotFoundException for an unknown tunnel', async () => {
    const { client } = await start();
    const err = await client.send(new DescribeTunnelCommand({ tunnelId: 'nope' })).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
  });

  it('closes a tunnel at its max lifetime on the virtual clock, lazily and in sweep()', async () => {
    const { client, clock, emulator } = await start();
    const a = await client.send(open('dev-1', 30));
    const b = await client.send(open('dev-2', 60));
    clock.advanceBy(30 * 60_000 - 1);
    const before = await client.send(new DescribeTunnelCommand({ tunnelId: a.tunnelId }));
    expect(before.tunnel?.status).toBe('OPEN');
    clock.advanceBy(1);
    const after = await client.send(new DescribeTunnelCommand({ tunnelId: a.tunnelId }));
    expect(after.tunnel?.status).toBe('CLOSED');
    expect(after.tunnel?.lastUpdatedAt).toEqual(new Date(Date.UTC(2026, 0, 1) + 30 * 60_000));
    clock.advanceBy(30 * 60_000);
    emulator.sweep();
    expect(emulator.tunnels().find((t) => t.tunnelId === b.tunnelId)?.status).toBe('CLOSED');
  });

  it('CloseTunnel closes, and delete removes the tunnel', async () => {
    const { client } = await start();
    const a = await client.send(open('dev-1'));
    await client.send(new CloseTunnelCommand({ tunnelId: a.tunnelId }));
    const closed = await client.send(new DescribeTunnelCommand({ tunnelId: a.tunnelId }));
    expect(closed.tunnel?.status).toBe('CLOSED');
    await client.send(new CloseTunnelCommand({ tunnelId: a.tunnelId, delete: true }));
    const err = await client.send(new DescribeTunnelCommand({ tunnelId: a.tunnelId })).catch((e) => e);
    expect(err).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('lists newest first, filters by thing, pages with nextToken and keeps closed tunnels', async () => {
    const { client, clock } = await start();
    const ids: string[] = [];
    for (const thing of ['a', 'b', 'a', 'a']) {
      ids.push((await client.send(open(thing))).tunnelId ?? '');
      clock.advanceBy(1000);
    }
    await client.send(new CloseTunnelCommand({ tunnelId: ids[0] }));
    const first = await client.send(new ListTunnelsCommand({ thingName: 'a', maxResults: 2 }));
    expect(first.tunnelSummaries?.map((t) => t.tunnelId)).toEqual([ids[3], ids[2]]);
    expect(first.nextToken).toBeTruthy();
    const second = await client.send(
      new ListTunnelsCommand({ thingName: 'a', maxResults: 2, nextToken: first.nextToken }),
    );
    expect(second.tunnelSummaries?.map((t) => [t.tunnelId, t.status])).toEqual([[ids[0], 'CLOSED']]);
    expect(second.nextToken).toBeUndefined();
    const all = await client.send(new ListTunnelsCommand({}));
    expect(all.tunnelSummaries).toHaveLength(4);
    const err = await client.send(new ListTunnelsCommand({ maxResults: 101 })).catch((e) => e);
    expect(err).toMatchObject({ name: 'ValidationException' });
  });

  it('rotates tokens per client mode and re-notifies the device for destination tokens', async () => {
    const { client, notes } = await start();
    const a = await client.send(open('dev-1'));
    const src = await client.send(
      new RotateTunnelAccessTokenCommand({ tunnelId: a.tunnelId, clientMode: 'SOURCE' }),
    );
    expect(src.sourceAccessToken).toBeTruthy();
    expect(src.destinationAccessToken).toBeUndefined();
    expect(notes).toHaveLength(1);
    const all = await client.send(
      new RotateTunnelAccessTokenCommand({ tunnelId: a.tunnelId, clientMode: 'ALL' }),
    );
    expect(all.sourceAccessToken).not.toBe(src.sourceAccessToken);
    expect(notes.at(-1)?.payload.clientAccessToken).toBe(all.destinationAccessToken);
    const err = await client
      .send(
        new RotateTunnelAccessTokenCommand({
          tunnelId: a.tunnelId,
          clientMode: 'SOURCE',
          destinationConfig: { services: ['SSH'] },
        }),
      )
      .catch((e) => e);
    expect(err).toMatchObject({ name: 'ValidationException' });
  });

  it('throttles OpenTunnel at 1 TPS with ThrottlingException (HTTP 400) and recovers after a second', async () => {
    const { client, clock, emulator } = await start({}, DEFAULT_TUNNEL_TPS, true);
    await client.send(open('dev-1'));
    const err = await client.send(open('dev-2')).catch((e) => e);
    expect(err).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    await client.send(new ListTunnelsCommand({}));
    clock.advanceBy(1000);
    await client.send(open('dev-2'));
    expect(emulator.tunnels()).toHaveLength(2);
  });

  it('answers LimitExceededException past maxOpenTunnels and 5xx on injected faults', async () => {
    const { client } = await start({ maxOpenTunnels: 1 });
    await client.send(open('dev-1'));
    await expect(client.send(open('dev-2'))).rejects.toMatchObject({ name: 'LimitExceededException' });
    const clock = new VirtualClock();
    const faulty = await start({
      faults: new FaultInjector(seededRandom(1), { serverErrorRate: 1 }),
      limiter: new RateLimiter(clock, {}),
    });
    const err = await faulty.client.send(open('dev-1')).catch((e) => e);
    // This client version marks unmodelled errors as client faults; the status is what retries key on.
    expect(err).toMatchObject({ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
  });
});
