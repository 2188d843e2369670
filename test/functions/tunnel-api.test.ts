import {
  CloseTunnelCommand,
  DescribeTunnelCommand,
  RotateTunnelAccessTokenCommand,
} from '@aws-sdk/client-iotsecuretunneling';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../helpers/lambda';
import { alarmEvent, BASE, startTunnelHarness, TOKEN_MARK } from './tunnel-harness';

// The operator API on dynalite, with tunnels opened by the real alarm handler. Logs are captured
// at DEBUG with event logging on, to prove that a token never reaches them.
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
type Response = { statusCode: number; body: string };
let h: Awaited<ReturnType<typeof startTunnelHarness>>;
let api: (event: unknown, context: unknown) => Promise<Response>;
let alarm: (event: unknown, context: unknown) => Promise<{ tunnelId?: string }>;
const logs: string[] = [];
const PRINCIPAL = 'arn:aws:iam::123456789012:user/alice';
const ROTATED = `${TOKEN_MARK}-rotated-source`;
let requestSeq = 0;

function request(routeKey: string, id?: string, principal: string | undefined = PRINCIPAL) {
  const [method, path] = routeKey.split(' ');
  requestSeq += 1;
  return {
    version: '2.0',
    routeKey,
    rawPath: (path ?? '').replace('{id}', id ?? ''),
    headers: {},
    pathParameters: id ? { id } : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      requestId: `req-${requestSeq}`,
      timeEpoch: BASE + 5 * 60_000,
      http: { method, path: path ?? '' },
      authorizer: principal ? { iam: { userArn: principal } } : undefined,
    },
  };
}
const call = (routeKey: string, id?: string, principal?: string) =>
  api(request(routeKey, id, principal), lambdaContext('tunnel-api'));

beforeAll(async () => {
  h = await startTunnelHarness();
  ({ handler: api } = (await import('../../functions/tunnel-api')) as unknown as { handler: typeof api });
  ({ handler: alarm } = (await import('../../functions/alarm-tunnel')) as unknown as {
    handler: typeof alarm;
  });
});
afterAll(() => h.db.close());
beforeEach(() => {
  h.reset();
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logs.push(String(chunk));
      return true;
    });
  }
});
afterEach(() => vi.restoreAllMocks());

/** An enrolled alarm opens a tunnel; DescribeTunnel then answers for it as AWS would. */
async function openTunnel(thing: string, tags = [{ key: 'managedBy', value: 'fleet-autopilot' }]) {
  const event = alarmEvent('single-metric', {
    at: BASE,
    id: `open-${thing}`,
    thing,
    alarmName: `fleet-tunnel-${thing}`,
  });
  await h.enrol(event);
  h.aws.awsNow = BASE;
  const { tunnelId } = await alarm(event, lambdaContext('alarm-tunnel'));
  h.tunneling.on(DescribeTunnelCommand).callsFake((input) =>
    input.tunnelId === tunnelId
      ? {
          tunnel: {
            tunnelId,
            tunnelArn: `arn:aws:iot:us-east-1:123456789012:tunnel/${tunnelId}`,
            status: 'OPEN',
            createdAt: new Date(BASE),
            destinationConfig: { thingName: thing, services: ['SSH'] },
            tags,
          },
        }
      : Promise.reject(Object.assign(new Error('nope'), { name: 'ResourceNotFoundException' })),
  );
  h.tunneling.on(RotateTunnelAccessTokenCommand).resolves({ tunnelArn: 'arn', sourceAccessToken: ROTATED });
  return tunnelId ?? '';
}

describe('tunnel-api', () => {
  it('issues a source token in the response body only, audited with the principal and never the token', async () => {
    const tunnelId = await openTunnel('sensor-api1');
    const response = await call('POST /tunnels/{id}/token', tunnelId);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(body).toMatchObject({ tunnelId, thingName: 'sensor-api1', sourceAccessToken: ROTATED });
    expect(response.body.split(ROTATED)).toHaveLength(2); // once
    expect(h.tunneling.commandCalls(RotateTunnelAccessTokenCommand)[0]?.args[0].input).toEqual({
      tunnelId,
      clientMode: 'SOURCE',
    });
    const audit = (await h.auditFor('THING#sensor-api1')).find((a) => a.action === 'tunnel.token.issued');
    expect(audit).toMatchObject({ actor: PRINCIPAL, details: { tunnelId, clientMode: 'SOURCE' } });
    expect(await h.everythingWritten()).not.toContain(TOKEN_MARK);
    expect(logs.join('').length).toBeGreaterThan(0);
    expect(logs.join('')).toContain('Source token issued');
    expect(logs.join('')).not.toContain(TOKEN_MARK);
  });

  it('lists the open tunnels from its records, and closes one for an operator', async () => {
    const tunnelId = await openTunnel('sensor-api2');
    const listed = JSON.parse((await call('GET /tunnels')).body) as { tunnels: { tunnelId: string }[] };
    expect(listed.tunnels.map((t) => t.tunnelId)).toContain(tunnelId);
    const closed = await call('POST /tunnels/{id}/close', tunnelId);
    expect(closed.statusCode).toBe(200);
    expect(h.tunneling.commandCalls(CloseTunnelCommand).map((c) => c.args[0].input)).toEqual([{ tunnelId }]);
    const after = JSON.parse((await call('GET /tunnels')).body) as { tunnels: { tunnelId: string }[] };
    expect(after.tunnels.map((t) => t.tunnelId)).not.toContain(tunnelId);
    const audit = (await h.auditFor('THING#sensor-api2')).find((a) => a.action === 'tunnel.closed');
    expect(audit).toMatchObject({ actor: PRINCIPAL, details: { via: 'operator', tunnelId } });
  });

  it('answers 503 with Retry-After, and no token, when AWS stays busy after the SDK retries', async () => {
    const tunnelId = await openTunnel('sensor-api4');
    h.tunneling
      .on(RotateTunnelAccessTokenCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));
    const busy = (await call('POST /tunnels/{id}/token', tunnelId)) as Response & {
      headers?: Record<string, string>;
    };
    expect(busy.statusCode).toBe(503);
    expect(busy.headers).toMatchObject({ 'retry-after': '1', 'cache-control': 'no-store' });
    expect(busy.body).not.toContain(TOKEN_MARK);
  });

  it('refuses tunnels a person opened, unknown ids, bad ids and calls without a principal', async () => {
    const tunnelId = await openTunnel('sensor-api3', [{ key: 'owner', value: 'bob' }]);
    expect((await call('POST /tunnels/{id}/token', tunnelId)).statusCode).toBe(403);
    expect((await call('POST /tunnels/{id}/close', tunnelId)).statusCode).toBe(403);
    expect((await call('POST /tunnels/{id}/token', 'unknown-tunnel')).statusCode).toBe(404);
    expect((await call('POST /tunnels/{id}/token', 'bad id!')).statusCode).toBe(400);
    expect((await api(request('GET /tunnels', undefined, ''), lambdaContext('tunnel-api'))).statusCode).toBe(
      403,
    );
    expect(h.tunneling.commandCalls(RotateTunnelAccessTokenCommand)).toHaveLength(0);
    expect(h.tunneling.commandCalls(CloseTunnelCommand)).toHaveLength(0);
  });
});
