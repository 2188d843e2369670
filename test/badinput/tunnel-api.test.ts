import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloseTunnelCommand, RotateTunnelAccessTokenCommand } from '@aws-sdk/client-iotsecuretunneling';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmNameSchema } from '../../shared/domain/tunnels/enrolment';
import { alarmEvent, apiRequest, startTunnelHarness } from '../functions/tunnel-harness';
import { lambdaContext } from '../helpers/lambda';
import { tunnelApiCases } from './cases-http';
import { deepJson, HOSTILE_VALUES, INJECTION_NAMES, prototypePolluted } from './corpus';

// tunnel-api on dynalite: every bad request gets a 4xx; no token is rotated, nothing is closed,
// enrolled or written.
let h: Awaited<ReturnType<typeof startTunnelHarness>>;
type Response = { statusCode: number; body: string };
let api: (event: unknown, context: unknown) => Promise<Response>;

beforeAll(async () => {
  h = await startTunnelHarness();
  ({ handler: api } = (await import('../../functions/tunnel-api')) as unknown as { handler: typeof api });
  h.reset();
});
afterAll(() => h.db.close());

describe('tunnel-api: bad requests', () => {
  it('answers every bad request with a 4xx and changes nothing', async () => {
    const cases = tunnelApiCases();
    for (const c of cases) {
      const response = await api(c.event, lambdaContext('tunnel-api'));
      expect(c.status, `${c.label}: ${response.statusCode} ${response.body}`).toContain(response.statusCode);
      expect(JSON.parse(response.body).message, c.label).toEqual(expect.any(String));
    }
    expect(h.tunneling.commandCalls(RotateTunnelAccessTokenCommand)).toHaveLength(0);
    expect(h.tunneling.commandCalls(CloseTunnelCommand)).toHaveLength(0);
    for (const table of ['AuditTable', 'StateTable']) {
      expect((await h.docs.send(new ScanCommand({ TableName: table }))).Items ?? [], table).toEqual([]);
    }
    console.info(`tunnel-api: ${cases.length} bad requests`);
  });

  it('refuses every hostile enrolment with a 4xx, writes nothing, and asks CloudWatch only about valid names', async () => {
    // One real, marked alarm, so that a hostile thing or service is judged next to a valid alarm.
    h.aws.observe(
      alarmEvent('single-metric', { alarmName: 'fleet-tunnel-bad', thing: 'sensor-bad', state: 'OK' }),
    );
    const valid = { alarmName: 'fleet-tunnel-bad', thingName: 'sensor-bad' };
    const bodies: unknown[] = [
      ...HOSTILE_VALUES,
      ...HOSTILE_VALUES.map((v) => ({ ...valid, alarmName: v })),
      ...HOSTILE_VALUES.map((v) => ({ ...valid, thingName: v })),
      // `services` may be left out (it defaults to the policy's): only present hostile values.
      ...HOSTILE_VALUES.filter((v) => v !== undefined).map((v) => ({ ...valid, services: v })),
      ...HOSTILE_VALUES.map((v) => ({ ...valid, services: [v] })),
      ...INJECTION_NAMES.filter((n) => !/^[a-zA-Z0-9:_-]{1,128}$/.test(n)).map((n) => ({
        ...valid,
        thingName: n,
      })),
      { ...valid, services: ['SSH', 'SSH'] },
      { ...valid, alarmName: 'x'.repeat(256) },
      { ...valid, alarmName: 'fleet-tunnel-\u0000' },
    ];
    const raw = [
      ...bodies.map((b) => JSON.stringify(b) ?? 'undefined'),
      deepJson(20_000),
      'x'.repeat(5000),
      '{',
    ];
    for (const text of raw) {
      const request = { ...apiRequest('POST /tunnels/enrolments'), body: text };
      const response = await api(request, lambdaContext('tunnel-api'));
      expect([400, 404, 409], `${text.slice(0, 80)}: ${response.body}`).toContain(response.statusCode);
    }
    for (const name of ['', ...INJECTION_NAMES.map((n) => `${n}\u0001`), 'x'.repeat(300)]) {
      const request = apiRequest('DELETE /tunnels/enrolments/{alarmName}', { path: { alarmName: name } });
      const response = await api(request, lambdaContext('tunnel-api'));
      expect([400, 404], `${name.slice(0, 40)}: ${response.body}`).toContain(response.statusCode);
    }
    const described = h.cloudWatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames);
    const invalid = described.flat().filter((n) => !alarmNameSchema.safeParse(n).success);
    expect(described.length).toBeGreaterThan(0);
    expect(invalid).toEqual([]);
    for (const table of ['AuditTable', 'StateTable']) {
      expect((await h.docs.send(new ScanCommand({ TableName: table }))).Items ?? [], table).toEqual([]);
    }
    expect(prototypePolluted()).toBe(false);
    console.info(`tunnel-api: ${raw.length} hostile enrolments`);
  });
});
