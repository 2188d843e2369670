import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../helpers/lambda';
import { alarmEvent, apiRequest, BASE, startTunnelHarness } from './tunnel-harness';

// The enrolment routes of tunnel-api on dynalite, CloudWatch and IoT as tunnel-aws-fakes.ts keeps
// them: who enrolled and who removed an alarm is audited with the principal, and an enrolment
// that CloudWatch or the registry do not back is refused without writing anything.
let h: Awaited<ReturnType<typeof startTunnelHarness>>;
let alarmHandler: (event: unknown, context: unknown) => Promise<{ result: string; code?: string }>;
const ALICE = 'arn:aws:iam::123456789012:user/alice';
const BOB = 'arn:aws:iam::123456789012:user/bob';
let things: Record<string, string[]> = {};

beforeAll(async () => {
  h = await startTunnelHarness();
  ({ handler: alarmHandler } = (await import('../../functions/alarm-tunnel')) as unknown as {
    handler: typeof alarmHandler;
  });
});
afterAll(() => h.db.close());
beforeEach(() => {
  things = {};
  h.reset(things);
});

/** An alarm in CloudWatch (as PutMetricAlarm left it), about `thing` unless told otherwise. */
const alarm = (name: string, thing: string, o: { tags?: Record<string, string> } = {}) => {
  const event = alarmEvent('single-metric', {
    at: BASE,
    id: `e-${name}`,
    alarmName: name,
    thing,
    state: 'OK',
  });
  if (o.tags) event.detail.alarmTags = o.tags;
  h.aws.observe(event);
  return event;
};
const post = (body: unknown, principal = ALICE) =>
  h.callApi(apiRequest('POST /tunnels/enrolments', { principal, body }));
const remove = (name: string, principal = BOB) =>
  h.callApi(apiRequest('DELETE /tunnels/enrolments/{alarmName}', { principal, path: { alarmName: name } }));
const list = async () =>
  (
    JSON.parse((await h.callApi(apiRequest('GET /tunnels/enrolments'))).body) as {
      enrolments: { alarmName: string }[];
    }
  ).enrolments;

describe('tunnel-api: enrolments', () => {
  it('enrols and removes an alarm, each audited with its principal; a removed alarm opens nothing', async () => {
    alarm('fleet-tunnel-e1', 'sensor-e1');
    const created = await post({ alarmName: 'fleet-tunnel-e1', thingName: 'sensor-e1' });
    expect(created.statusCode, created.body).toBe(201);
    expect(JSON.parse(created.body)).toMatchObject({
      alarmName: 'fleet-tunnel-e1',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:fleet-tunnel-e1',
      thingName: 'sensor-e1',
      services: ['SSH'],
      enrolledBy: ALICE,
    });
    expect((await list()).map((e) => e.alarmName)).toContain('fleet-tunnel-e1');
    // The same enrolment again changes nothing and writes no second record.
    expect((await post({ alarmName: 'fleet-tunnel-e1', thingName: 'sensor-e1' }, BOB)).statusCode).toBe(200);

    const removed = await remove('fleet-tunnel-e1');
    expect(removed.statusCode, removed.body).toBe(200);
    expect((await remove('fleet-tunnel-e1')).statusCode).toBe(404);
    expect((await list()).map((e) => e.alarmName)).not.toContain('fleet-tunnel-e1');

    const records = await h.auditFor('THING#sensor-e1');
    expect(records.map((r) => [r.action, r.actor])).toEqual([
      ['tunnel.enrolment.created', ALICE],
      ['tunnel.enrolment.removed', BOB],
    ]);
    expect(records[0]).toMatchObject({
      outcome: 'applied',
      cause: { type: 'api-request' },
      recordedAt: expect.any(Number),
      details: { alarmName: 'fleet-tunnel-e1', thingName: 'sensor-e1', pin: expect.any(Object) },
    });
    expect(records[1]?.details).toMatchObject({ enrolledBy: ALICE });

    const fired = alarmEvent('single-metric', {
      at: BASE + 60_000,
      id: 'e1-alarm',
      alarmName: 'fleet-tunnel-e1',
      thing: 'sensor-e1',
    });
    h.aws.observe(fired);
    expect(await alarmHandler(fired, lambdaContext('alarm-tunnel'))).toMatchObject({
      result: 'refused',
      code: 'not-enrolled',
    });
  });

  it('enrols an alarm marked by its tag, and removes a name that had to be percent-encoded', async () => {
    alarm('site/7 heartbeat', 'sensor-e2', { tags: { FleetAutopilotTunnel: 'true' } });
    const created = await post({ alarmName: 'site/7 heartbeat', thingName: 'sensor-e2' });
    expect(created.statusCode, created.body).toBe(201);
    expect((await remove(encodeURIComponent('site/7 heartbeat'))).statusCode).toBe(200);
  });

  it('refuses what CloudWatch, the registry or the policy do not back, and writes nothing', async () => {
    things['sensor-locked'] = ['no-remote-access'];
    alarm('fleet-tunnel-e3', 'sensor-e3');
    alarm('fleet-tunnel-e4', 'sensor-e4');
    alarm('NotMarked', 'sensor-e5');
    alarm('fleet-tunnel-locked', 'sensor-locked');
    const cases: [unknown, number, RegExp][] = [
      [{ alarmName: 'fleet-tunnel-missing', thingName: 'sensor-e3' }, 404, /does not exist/],
      [{ alarmName: 'NotMarked', thingName: 'sensor-e5' }, 409, /not marked/],
      [{ alarmName: 'fleet-tunnel-e3', thingName: 'sensor-other' }, 409, /is about sensor-e3/],
      [{ alarmName: 'fleet-tunnel-e4', thingName: 'ghost-thing' }, 409, /is about sensor-e4/],
      [{ alarmName: 'fleet-tunnel-locked', thingName: 'sensor-locked' }, 409, /denied group/],
      [
        { alarmName: 'fleet-tunnel-e3', thingName: 'sensor-e3', services: ['RDP'] },
        400,
        /within the tunnel policy/,
      ],
      [{ alarmName: 'fleet-tunnel-e3', thingName: 'bad name!' }, 400, /invalid enrolment/],
      [{ alarmName: 'fleet-tunnel-e3', thingName: 'sensor-e3', extra: 1 }, 400, /invalid enrolment/],
      ['not an object', 400, /invalid enrolment/],
    ];
    for (const [body, status, message] of cases) {
      const response = await post(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(JSON.parse(response.body).message, JSON.stringify(body)).toMatch(message);
    }
    const notJson = await h.callApi({ ...apiRequest('POST /tunnels/enrolments'), body: '{nope' });
    expect(notJson.statusCode).toBe(400);
    const names = [
      'fleet-tunnel-missing',
      'NotMarked',
      'fleet-tunnel-e3',
      'fleet-tunnel-e4',
      'fleet-tunnel-locked',
    ];
    for (const table of ['AuditTable', 'StateTable']) {
      const items = (await h.docs.send(new ScanCommand({ TableName: table }))).Items ?? [];
      const mine = items.filter((r) => names.includes(String(r.alarmName ?? r.details?.alarmName)));
      expect(mine, table).toEqual([]);
    }
  });

  it('refuses to enrol a thing that does not exist, and a second enrolment for another thing', async () => {
    alarm('fleet-tunnel-e6', 'sensor-e6');
    const event = alarmEvent('composite', { at: BASE, id: 'e7', alarmName: 'fleet-tunnel-e7', state: 'OK' });
    delete event.detail.alarmTags;
    h.aws.observe(event);
    expect((await post({ alarmName: 'fleet-tunnel-e7', thingName: 'ghost-thing' })).statusCode).toBe(404);
    expect((await post({ alarmName: 'fleet-tunnel-e7', thingName: 'sensor-e7' })).statusCode).toBe(201);
    const again = await post({ alarmName: 'fleet-tunnel-e7', thingName: 'sensor-e8' });
    expect(again.statusCode).toBe(409);
    expect(JSON.parse(again.body).message).toMatch(
      /already enrolled for thing sensor-e7 .* remove that enrolment first/,
    );
    expect((await remove('fleet-tunnel-never')).statusCode).toBe(404);
  });
});
