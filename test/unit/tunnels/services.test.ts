import { beforeEach, describe, expect, it } from 'vitest';
import { type AlarmEvent, alarmEventSchema } from '../../../shared/domain/tunnels/alarm-event';
import { handleAlarmEvent } from '../../../shared/services/tunnel-alarm';
import { enrolAlarm, listEnrolments, removeEnrolment } from '../../../shared/services/tunnel-enrol';
import { fakeTunnelDeps } from './fakes';

// The tunnel services against in-memory ports (./fakes.ts): who may open a tunnel, when an ALARM
// is still true, and what times the audit records carry.
const T0 = Date.parse('2026-03-01T08:00:00Z');
const MIN = 60_000;
const ADMIN = 'arn:aws:iam::123456789012:user/admin';
const OTHER = 'arn:aws:iam::123456789012:user/other-admin';
let f: ReturnType<typeof fakeTunnelDeps>;
let seq = 0;

const stamp = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** The state change CloudWatch sends for `name`, as its current definition names the thing. */
function event(
  name: string,
  state: 'ALARM' | 'OK',
  o: { account?: string; region?: string } = {},
): AlarmEvent {
  const alarm = f.deps.alarms.alarms.get(name);
  if (alarm?.definition.type !== 'metric') throw new Error(`no metric alarm ${name}`);
  const metric = alarm.definition.metrics[0];
  seq += 1;
  return alarmEventSchema.parse({
    version: '0',
    id: `event-${seq}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: o.account ?? '123456789012',
    time: new Date(alarm.stateTransitionedAt).toISOString(),
    region: o.region ?? 'us-east-1',
    resources: [alarm.arn],
    detail: {
      alarmName: name,
      state: { value: state, timestamp: stamp(alarm.stateTransitionedAt) },
      configuration: {
        metrics: [
          {
            id: 'uuid-1',
            metricStat: {
              metric: {
                namespace: metric?.namespace,
                name: metric?.metricName,
                dimensions: metric?.dimensions,
              },
            },
          },
        ],
      },
    },
  });
}

const caller = (principal: string, at: number) => ({ principal, requestId: `req-${++seq}`, at });
const actions = (thing: string) => f.audit.filter((r) => r.pk === `THING#${thing}`).map((r) => r.action);

beforeEach(() => {
  f = fakeTunnelDeps({ 'pump-1': [], 'pump-2': [], 'pump-9': ['no-remote-access'] });
  f.deps.alarms.put('fleet-tunnel-pump-1', 'pump-1');
  f.deps.alarms.set('fleet-tunnel-pump-1', 'OK', T0 - 60 * MIN);
});

describe('enrolment', () => {
  it('is the only way to a tunnel: a marked alarm nobody enrolled opens nothing, and never asks CloudWatch', async () => {
    f.deps.alarms.set('fleet-tunnel-pump-1', 'ALARM', T0);
    const outcome = await handleAlarmEvent(event('fleet-tunnel-pump-1', 'ALARM'), f.deps);
    expect(outcome).toMatchObject({ result: 'refused', code: 'not-enrolled' });
    expect(f.deps.tunnels.tunnels).toEqual([]);
    expect(f.deps.alarms.described).toBe(0);
    expect(actions('pump-1')).toEqual(['tunnel.open.refused']);
  });

  it('is audited with the principal who enrolled, and the one who removed it; afterwards nothing opens', async () => {
    f.setClock(T0 - 29 * MIN);
    const enrolled = await enrolAlarm(
      f.deps,
      { alarmName: 'fleet-tunnel-pump-1', thingName: 'pump-1' },
      caller(ADMIN, T0 - 30 * MIN),
    );
    expect(enrolled).toMatchObject({ ok: true, status: 201, enrolment: { enrolledBy: ADMIN } });
    expect(await listEnrolments(f.deps)).toHaveLength(1);
    const removed = await removeEnrolment(f.deps, 'fleet-tunnel-pump-1', caller(OTHER, T0 - 10 * MIN));
    expect(removed).toMatchObject({ ok: true });
    expect(f.audit.map((r) => [r.action, r.actor, r.at, r.recordedAt])).toEqual([
      ['tunnel.enrolment.created', ADMIN, T0 - 30 * MIN, T0 - 29 * MIN],
      ['tunnel.enrolment.removed', OTHER, T0 - 10 * MIN, T0 - 29 * MIN],
    ]);
    f.deps.alarms.set('fleet-tunnel-pump-1', 'ALARM', T0);
    const outcome = await handleAlarmEvent(event('fleet-tunnel-pump-1', 'ALARM'), f.deps);
    expect(outcome).toMatchObject({ result: 'refused', code: 'not-enrolled' });
    expect(f.deps.tunnels.tunnels).toEqual([]);
  });

  it('heals a missing enrolment record when the same enrolment is asked for again', async () => {
    const first = caller(ADMIN, T0);
    await enrolAlarm(f.deps, { alarmName: 'fleet-tunnel-pump-1', thingName: 'pump-1' }, first);
    f.audit.length = 0; // as if the function had died between the enrolment and its audit record
    const again = await enrolAlarm(
      f.deps,
      { alarmName: 'fleet-tunnel-pump-1', thingName: 'pump-1' },
      caller(OTHER, T0 + MIN),
    );
    expect(again).toMatchObject({ ok: true, status: 200 });
    expect(f.audit.map((r) => [r.action, r.actor, r.cause.id])).toEqual([
      ['tunnel.enrolment.created', ADMIN, first.requestId],
    ]);
  });

  it('opens to the enrolled thing only: a redefinition that names another thing opens nothing', async () => {
    await enrolAlarm(f.deps, { alarmName: 'fleet-tunnel-pump-1', thingName: 'pump-1' }, caller(ADMIN, T0));
    f.deps.alarms.put('fleet-tunnel-pump-1', 'pump-2'); // put-metric-alarm by an alarm writer
    f.deps.alarms.set('fleet-tunnel-pump-1', 'ALARM', T0 + MIN);
    const outcome = await handleAlarmEvent(event('fleet-tunnel-pump-1', 'ALARM'), f.deps);
    expect(outcome).toMatchObject({ result: 'refused', code: 'enrolment-mismatch', thingName: 'pump-1' });
    expect(f.deps.tunnels.tunnels).toEqual([]);
  });

  it('refuses to enrol a thing in a denied group, or an alarm about another thing', async () => {
    f.deps.alarms.put('fleet-tunnel-pump-9', 'pump-9');
    expect(
      await enrolAlarm(f.deps, { alarmName: 'fleet-tunnel-pump-9', thingName: 'pump-9' }, caller(ADMIN, T0)),
    ).toMatchObject({ ok: false, status: 409, message: expect.stringMatching(/denied group/) });
    expect(
      await enrolAlarm(f.deps, { alarmName: 'fleet-tunnel-pump-1', thingName: 'pump-2' }, caller(ADMIN, T0)),
    ).toMatchObject({ ok: false, status: 409 });
    expect(f.audit).toEqual([]);
  });
});

describe('time', () => {
  beforeEach(async () => {
    await enrolAlarm(
      f.deps,
      { alarmName: 'fleet-tunnel-pump-1', thingName: 'pump-1' },
      caller(ADMIN, T0 - 30 * MIN),
    );
    f.deps.tunnels.now = T0;
  });

  it('an ALARM whose alarm recovered while it waited opens nothing: skipped, with its own time', async () => {
    f.deps.alarms.set('fleet-tunnel-pump-1', 'ALARM', T0);
    const alarm = event('fleet-tunnel-pump-1', 'ALARM');
    f.deps.alarms.set('fleet-tunnel-pump-1', 'OK', T0 + 12 * MIN);
    f.setClock(T0 + 70 * MIN);
    const outcome = await handleAlarmEvent(alarm, f.deps);
    expect(outcome).toMatchObject({ result: 'open-skipped', code: 'stale' });
    const skipped = f.audit.find((r) => r.action === 'tunnel.open.skipped');
    expect(skipped).toMatchObject({ at: T0, recordedAt: T0 + 70 * MIN, outcome: 'skipped' });
    expect(f.deps.tunnels.tunnels).toEqual([]);
    expect(f.deps.store.records.size).toBe(0);
  });

  it('a tunnel opened for a queued ALARM holds its slot and cooldown from its real opening', async () => {
    f.deps.alarms.set('fleet-tunnel-pump-1', 'ALARM', T0);
    f.deps.tunnels.now = T0 + 48 * MIN;
    expect(await handleAlarmEvent(event('fleet-tunnel-pump-1', 'ALARM'), f.deps)).toMatchObject({
      result: 'opened',
    });
    expect(f.deps.store.records.get('pump-1')).toMatchObject({
      openedAt: T0 + 48 * MIN,
      lifetimeEndsAt: T0 + 108 * MIN,
      nextAllowedAt: T0 + 78 * MIN,
    });
    expect(f.deps.store.slots.get('pump-1')?.until).toBe(T0 + 108 * MIN);
    // The recovery happened just before OpenTunnel; its close is stamped at the opening, not before.
    f.deps.alarms.set('fleet-tunnel-pump-1', 'OK', T0 + 47 * MIN);
    expect(await handleAlarmEvent(event('fleet-tunnel-pump-1', 'OK'), f.deps)).toMatchObject({
      result: 'closed',
    });
    const closed = f.audit.find((r) => r.action === 'tunnel.closed');
    expect(closed).toMatchObject({
      at: T0 + 48 * MIN,
      details: { causeAt: new Date(T0 + 47 * MIN).toISOString() },
    });
  });

  it('an OK older than the ALARM that opened the tunnel closes nothing', async () => {
    f.deps.alarms.set('fleet-tunnel-pump-1', 'OK', T0 - 5 * MIN);
    const oldOk = event('fleet-tunnel-pump-1', 'OK');
    f.deps.alarms.set('fleet-tunnel-pump-1', 'ALARM', T0);
    await handleAlarmEvent(event('fleet-tunnel-pump-1', 'ALARM'), f.deps);
    const outcome = await handleAlarmEvent(oldOk, f.deps);
    expect(outcome).toMatchObject({ result: 'close-skipped' });
    expect(f.deps.tunnels.tunnels.map((t) => t.status)).toEqual(['OPEN']);
  });

  it("acts only on its own account's and region's alarms, before reading anything", async () => {
    f.deps.alarms.set('fleet-tunnel-pump-1', 'ALARM', T0);
    f.deps.alarms.described = 0;
    for (const o of [{ account: '210987654321' }, { region: 'eu-central-1' }]) {
      const outcome = await handleAlarmEvent(event('fleet-tunnel-pump-1', 'ALARM', o), f.deps);
      expect(outcome).toMatchObject({ result: 'refused', code: 'foreign-account' });
    }
    expect(f.deps.alarms.described).toBe(0);
    expect(f.deps.tunnels.tunnels).toEqual([]);
  });
});
