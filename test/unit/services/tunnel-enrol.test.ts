import { beforeEach, describe, expect, it } from 'vitest';
import { handleAlarmEvent } from '../../../shared/services/tunnel-alarm';
import { enrolAlarm, listEnrolments, removeEnrolment } from '../../../shared/services/tunnel-enrol';
import { metricOn } from '../../fakes/tunnel-alarms';
import type { FakeEnrolments } from '../../fakes/tunnel-enrolments';
import { ADMIN, MINUTE, T0, type TunnelWorld, tunnelWorld } from '../../fakes/tunnel-world';

// Enrolment is the only way an alarm gets to open a tunnel: checked against CloudWatch, the registry
// and the policy now, audited with the principal who asked.
const BOB = 'arn:aws:iam::123456789012:user/bob';
let w: TunnelWorld;
let name: string;

beforeEach(() => {
  w = tunnelWorld();
  name = w.alarmOn('pump-1');
});

const enrol = (body: { alarmName: string; thingName: string; services?: string[] }, principal = ADMIN) =>
  enrolAlarm(w.deps, body, w.caller(principal));

describe('enrolAlarm()', () => {
  it('enrols an alarm CloudWatch shows marked and about the thing: 201', async () => {
    const result = await enrol({ alarmName: name, thingName: 'pump-1' });

    expect(result).toMatchObject({
      ok: true,
      status: 201,
      enrolment: { alarmName: name, thingName: 'pump-1', services: ['SSH'], enrolledBy: ADMIN },
    });
    expect((await listEnrolments(w.deps)).map((e) => e.alarmName)).toEqual([name]);
  });

  it('audits the enrolment with its principal and the alarm identity it pins', async () => {
    w.at(T0 + MINUTE); // the request was made at T0 and handled a minute later

    await enrolAlarm(w.deps, { alarmName: name, thingName: 'pump-1' }, w.caller(ADMIN, T0));

    expect(w.audit.records).toMatchObject([
      {
        pk: 'THING#pump-1',
        action: 'tunnel.enrolment.created',
        outcome: 'applied',
        actor: ADMIN,
        cause: { type: 'api-request' },
        at: T0,
        recordedAt: T0 + MINUTE,
        details: { alarmName: name, pin: expect.any(Object) },
      },
    ]);
  });

  it('answers the same enrolment again with 200 and writes no second record', async () => {
    await enrol({ alarmName: name, thingName: 'pump-1' });

    const again = await enrol({ alarmName: name, thingName: 'pump-1' }, BOB);

    expect(again).toMatchObject({ ok: true, status: 200, enrolment: { enrolledBy: ADMIN } });
    expect(w.audit.records).toHaveLength(1);
  });

  it('writes the missing audit record when the same enrolment is asked for after a crash', async () => {
    const first = await enrol({ alarmName: name, thingName: 'pump-1' });
    w.audit.records.length = 0; // the function died between the enrolment and its record

    await enrol({ alarmName: name, thingName: 'pump-1' }, BOB);

    expect(w.audit.records.map((r) => [r.action, r.actor, r.id])).toEqual([
      ['tunnel.enrolment.created', ADMIN, first.ok ? first.auditId : ''],
    ]);
  });

  it('refuses a second enrolment of the alarm for another thing: 409, remove it first', async () => {
    w.thing('pump-2');
    w.cloudWatch.putCompositeAlarm('fleet-tunnel-composite', 'ALARM(a)');
    await enrol({ alarmName: 'fleet-tunnel-composite', thingName: 'pump-1' });

    const other = await enrol({ alarmName: 'fleet-tunnel-composite', thingName: 'pump-2' });

    expect(other).toMatchObject({
      ok: false,
      status: 409,
      message: expect.stringMatching(/remove that enrolment first/),
    });
  });

  it('refuses with 409 when another request enrolled the alarm between its read and its write', async () => {
    await enrol({ alarmName: name, thingName: 'pump-1' });
    const stale = Object.create(w.enrolments) as FakeEnrolments;
    stale.get = async () => undefined; // read before the other request's write
    const racing = { ...w.deps, enrolments: stale };
    w.audit.records.length = 0;

    const result = await enrolAlarm(racing, { alarmName: name, thingName: 'pump-1' }, w.caller(BOB));

    expect(result).toMatchObject({ ok: false, status: 409, message: expect.stringMatching(/concurrently/) });
    expect(w.audit.records).toEqual([]);
  });

  it.each([
    [
      'an alarm that does not exist',
      { alarmName: 'fleet-tunnel-missing', thingName: 'pump-1' },
      404,
      /does not exist/,
    ],
    [
      'an alarm about another thing',
      { alarmName: 'fleet-tunnel-pump-1', thingName: 'pump-2' },
      409,
      /is about pump-1/,
    ],
    [
      'services outside the policy',
      { alarmName: 'fleet-tunnel-pump-1', thingName: 'pump-1', services: ['RDP'] },
      400,
      /within the tunnel policy/,
    ],
  ])('refuses %s and writes nothing', async (_label, body, status, message) => {
    w.thing('pump-2');

    const result = await enrol(body);

    expect(result).toMatchObject({ ok: false, status, message: expect.stringMatching(message) });
    expect(w.enrolments.items.size).toBe(0);
    expect(w.audit.records).toEqual([]);
  });

  it('refuses an alarm that is not marked for tunnels: its events would never arrive', async () => {
    w.cloudWatch.putMetricAlarm('NotMarked', [metricOn('pump-1')]);

    const result = await enrol({ alarmName: 'NotMarked', thingName: 'pump-1' });

    expect(result).toMatchObject({ ok: false, status: 409, message: expect.stringMatching(/not marked/) });
    expect(w.enrolments.items.size).toBe(0);
  });

  it('refuses a thing that does not exist with 404', async () => {
    w.cloudWatch.putCompositeAlarm('fleet-tunnel-composite', 'ALARM(a)');

    const result = await enrol({ alarmName: 'fleet-tunnel-composite', thingName: 'ghost-thing' });

    expect(result).toMatchObject({
      ok: false,
      status: 404,
      message: expect.stringMatching(/ghost-thing does not exist/),
    });
  });

  it('refuses a thing in a denied group with 409', async () => {
    w.thing('pump-1', ['no-remote-access']);

    const result = await enrol({ alarmName: name, thingName: 'pump-1' });

    expect(result).toMatchObject({ ok: false, status: 409, message: expect.stringMatching(/denied group/) });
  });
});

describe('removeEnrolment()', () => {
  it('removes the enrolment, audited with the principal who removed it', async () => {
    await enrol({ alarmName: name, thingName: 'pump-1' });

    const result = await removeEnrolment(w.deps, name, w.caller(BOB));

    expect(result).toMatchObject({ ok: true, enrolment: { alarmName: name } });
    expect(w.audit.records.map((r) => [r.action, r.actor])).toEqual([
      ['tunnel.enrolment.created', ADMIN],
      ['tunnel.enrolment.removed', BOB],
    ]);
    expect(await listEnrolments(w.deps)).toEqual([]);
  });

  it('leaves a removed alarm unable to open anything', async () => {
    await enrol({ alarmName: name, thingName: 'pump-1' });
    await removeEnrolment(w.deps, name, w.caller(BOB));
    w.cloudWatch.setState(name, 'ALARM', T0 + MINUTE);

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'not-enrolled' });
    expect(w.tunnels.tunnels.size).toBe(0);
  });

  it('answers a second removal with 404 naming who removed it, writing no second record', async () => {
    await enrol({ alarmName: name, thingName: 'pump-1' });
    await removeEnrolment(w.deps, name, w.caller(BOB));

    const again = await removeEnrolment(w.deps, name, w.caller(ADMIN));

    expect(again).toMatchObject({
      ok: false,
      status: 404,
      message: expect.stringContaining(`removed by ${BOB}`),
    });
    expect(w.audit.records).toHaveLength(2);
  });

  it('answers 404 for an alarm that was never enrolled', async () => {
    const result = await removeEnrolment(w.deps, 'fleet-tunnel-never', w.caller(BOB));

    expect(result).toMatchObject({ ok: false, status: 404 });
  });
});
