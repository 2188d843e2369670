import { beforeEach, describe, expect, it } from 'vitest';
import { handleAlarmEvent } from '../../../shared/services/tunnel-alarm';
import { metricOn } from '../../fakes/tunnel-alarms';
import { ADMIN, MINUTE, T0, type TunnelWorld, tunnelWorld } from '../../fakes/tunnel-world';

// An enrolled alarm goes to ALARM: one time-boxed tunnel to the enrolled thing, within the guard
// rails, audited before it is announced. config/tunnel-policy.yml: SSH, 60 min, cooldown 30 min,
// 10 tunnels, deny no-remote-access.
let w: TunnelWorld;

beforeEach(() => {
  w = tunnelWorld();
});

/** An alarm on the thing, enrolled by ADMIN, that went to ALARM `minutes` after T0. */
async function firing(thing: string, minutes = 0) {
  const name = w.alarmOn(thing);
  await w.enrol(name, thing);
  w.cloudWatch.setState(name, 'ALARM', T0 + minutes * MINUTE);
  w.at(T0 + minutes * MINUTE);
  return name;
}

describe('opening for an enrolled alarm', () => {
  it('opens one tunnel to the enrolled thing with the policy lifetime and the enrolled services', async () => {
    const name = await firing('pump-1');

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'opened', thingName: 'pump-1', tunnelId: 'tunnel-1' });
    expect([...w.tunnels.tunnels.values()]).toMatchObject([
      { thingName: 'pump-1', services: ['SSH'], lifetimeMinutes: 60 },
    ]);
  });

  it('tags the tunnel as ours, with its alarm, its claim and its audit record', async () => {
    const name = await firing('pump-1');

    await handleAlarmEvent(w.emit(name, { id: 'evt-open' }), w.deps);

    const tags = Object.fromEntries(
      w.tunnels.tunnels.get('tunnel-1')?.tags.map((t) => [t.key, t.value]) ?? [],
    );
    const opened = w.audit.records.find((r) => r.action === 'tunnel.opened');
    expect(tags).toEqual({
      managedBy: 'fleet-autopilot',
      'fleet-autopilot:alarm-name': name,
      'fleet-autopilot:alarm-arn': `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
      'fleet-autopilot:audit-id': opened?.id,
      'fleet-autopilot:claim': 'evt-open',
    });
  });

  it('audits the opening with its enroller and the time AWS opened it', async () => {
    const name = await firing('pump-1');

    await handleAlarmEvent(w.emit(name), w.deps);

    expect(w.audit.records.find((r) => r.action === 'tunnel.opened')).toMatchObject({
      actor: 'function:alarm-tunnel',
      outcome: 'applied',
      at: T0,
      details: {
        tunnelId: 'tunnel-1',
        alarmKind: 'metric',
        enrolledBy: ADMIN,
        lifetimeMinutes: 60,
        openedAt: new Date(T0).toISOString(),
        lifetimeEndsAt: new Date(T0 + 60 * MINUTE).toISOString(),
        managedBy: 'fleet-autopilot',
      },
    });
  });

  it('publishes TunnelOpened with the audit id, and pages on-call with the token command', async () => {
    const name = await firing('pump-1');

    await handleAlarmEvent(w.emit(name), w.deps);

    const auditId = w.audit.records.find((r) => r.action === 'tunnel.opened')?.id;
    expect(w.bus.of('TunnelOpened')).toMatchObject([{ detail: { tunnelId: 'tunnel-1', auditId } }]);
    expect(w.notifier.notices).toHaveLength(1);
    expect(w.notifier.notices[0]?.message).toContain('npx fleet tunnel token tunnel-1');
  });

  it('writes the record before anyone hears of the tunnel: no event when the audit write fails', async () => {
    const name = await firing('pump-1');
    w.audit.faults.inject('write', new Error('audit table unavailable'));

    const attempt = handleAlarmEvent(w.emit(name), w.deps);

    await expect(attempt).rejects.toThrow('audit table unavailable');
    expect(w.bus.events).toEqual([]);
    expect(w.notifier.notices).toEqual([]);
  });

  it('opens only the services the enrolment names', async () => {
    w = tunnelWorld({ policy: { ...tunnelWorld().deps.policy, services: ['SSH', 'VNC'] } });
    const name = w.alarmOn('pump-1');
    await w.enrol(name, 'pump-1', { services: ['VNC'] });
    w.cloudWatch.setState(name, 'ALARM', T0);

    await handleAlarmEvent(w.emit(name), w.deps);

    expect(w.tunnels.tunnels.get('tunnel-1')?.services).toEqual(['VNC']);
  });

  it('opens for a metric-math alarm whose metrics all name the one thing', async () => {
    w.thing('pump-1');
    w.cloudWatch.putMetricAlarm('fleet-tunnel-rate', [
      metricOn('pump-1', 'Errors', 'e'),
      metricOn('pump-1', 'Requests', 'r'),
      { id: 'rate', expression: 'e / r', dimensions: {} },
    ]);
    await w.enrol('fleet-tunnel-rate', 'pump-1');
    w.cloudWatch.setState('fleet-tunnel-rate', 'ALARM', T0);

    const outcome = await handleAlarmEvent(w.emit('fleet-tunnel-rate'), w.deps);

    expect(outcome).toMatchObject({ result: 'opened', thingName: 'pump-1' });
  });

  it('opens for a composite alarm without a ThingName tag, to the thing it was enrolled for', async () => {
    w.thing('pump-1');
    w.cloudWatch.putCompositeAlarm('fleet-tunnel-composite', 'ALARM(cpu) OR ALARM(memory)');
    await w.enrol('fleet-tunnel-composite', 'pump-1');
    w.cloudWatch.setState('fleet-tunnel-composite', 'ALARM', T0);

    const outcome = await handleAlarmEvent(w.emit('fleet-tunnel-composite'), w.deps);

    expect(outcome).toMatchObject({ result: 'opened', thingName: 'pump-1' });
  });
});

describe('one tunnel per thing', () => {
  it('opens once when the same event arrives twice, with one audit record', async () => {
    const name = await firing('pump-1');
    const event = w.emit(name);
    await handleAlarmEvent(event, w.deps);

    const again = await handleAlarmEvent(structuredClone(event), w.deps);

    expect(again).toMatchObject({ result: 'duplicate' });
    expect(w.tunnels.tunnels.size).toBe(1);
    expect(w.actions('pump-1').filter((a) => a === 'tunnel.opened')).toHaveLength(1);
  });

  it('opens one tunnel when two enrolled alarms of one thing fire at once; the other is refused', async () => {
    const cpu = await firing('pump-1');
    w.cloudWatch.putMetricAlarm('fleet-tunnel-pump-1-mem', [metricOn('pump-1', 'Memory')]);
    await w.enrol('fleet-tunnel-pump-1-mem', 'pump-1');
    w.cloudWatch.setState('fleet-tunnel-pump-1-mem', 'ALARM', T0);

    const outcomes = await Promise.all([
      handleAlarmEvent(w.emit(cpu), w.deps),
      handleAlarmEvent(w.emit('fleet-tunnel-pump-1-mem'), w.deps),
    ]);

    expect(outcomes.map((o) => o.result).sort()).toEqual(['opened', 'refused']);
    expect(outcomes.find((o) => o.result === 'refused')).toMatchObject({ code: 'already-open' });
    expect(w.tunnels.tunnels.size).toBe(1);
  });

  it('refuses while the thing is in cooldown after its tunnel closed', async () => {
    const name = await firing('pump-1');
    await handleAlarmEvent(w.emit(name), w.deps);
    w.cloudWatch.setState(name, 'OK', T0 + 5 * MINUTE);
    await handleAlarmEvent(w.emit(name), w.deps);
    w.cloudWatch.setState(name, 'ALARM', T0 + 10 * MINUTE);
    w.at(T0 + 10 * MINUTE);

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'cooldown' });
    expect(w.tunnels.tunnels.size).toBe(1);
  });

  it('opens again once the cooldown has passed', async () => {
    const name = await firing('pump-1');
    await handleAlarmEvent(w.emit(name), w.deps);
    w.cloudWatch.setState(name, 'OK', T0 + 5 * MINUTE);
    await handleAlarmEvent(w.emit(name), w.deps);
    w.cloudWatch.setState(name, 'ALARM', T0 + 31 * MINUTE);
    w.at(T0 + 31 * MINUTE);

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'opened', tunnelId: 'tunnel-2' });
  });
});

describe('the fleet cap', () => {
  async function tenOpen() {
    for (let i = 0; i < 10; i++) await handleAlarmEvent(w.emit(await firing(`pump-${i}`)), w.deps);
  }

  it('refuses the eleventh tunnel and pages on-call', async () => {
    await tenOpen();
    const name = await firing('pump-x');

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'fleet-cap' });
    expect(w.tunnels.tunnels.size).toBe(10);
    expect(w.notifier.notices.at(-1)?.subject).toMatch(/refused/);
  });

  it('gives the refused claim back, so the thing opens once a slot is free', async () => {
    await tenOpen();
    const name = await firing('pump-x');
    await handleAlarmEvent(w.emit(name), w.deps);
    w.cloudWatch.setState(name, 'OK', T0 + 60 * MINUTE);
    w.cloudWatch.setState(name, 'ALARM', T0 + 61 * MINUTE);
    w.at(T0 + 61 * MINUTE); // the ten tunnels are past their lifetime

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'opened', thingName: 'pump-x' });
  });
});

describe('the thing at ALARM time', () => {
  it('refuses a thing that joined a denied group after its enrolment', async () => {
    const name = await firing('pump-1');
    w.thing('pump-1', ['no-remote-access']);

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'group-denied' });
    expect(w.tunnels.calls).toEqual([]);
  });

  it('refuses a thing deleted after its enrolment, saying so in the audit record', async () => {
    const name = await firing('pump-1');
    w.registry.things.delete('pump-1');

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'thing-not-found' });
    expect(w.audit.records.find((r) => r.action === 'tunnel.open.refused')).toMatchObject({
      outcome: 'rejected',
      details: { reason: 'thing pump-1 does not exist' },
    });
  });

  it('refuses a thing that left the allowed groups after its enrolment', async () => {
    w = tunnelWorld({
      policy: { ...tunnelWorld().deps.policy, thingGroups: { allow: ['site-7'], deny: [] } },
    });
    w.thing('pump-1', ['site-7']);
    const name = await firing('pump-1');
    w.thing('pump-1', []);

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'group-not-allowed' });
  });
});

describe('an alarm that no longer is what was enrolled', () => {
  it('opens nothing when redefined on another thing, and pages on-call', async () => {
    const name = await firing('pump-1');
    w.thing('victim');
    w.cloudWatch.putMetricAlarm(name, [metricOn('victim')]);

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'enrolment-mismatch', thingName: 'pump-1' });
    expect(w.tunnels.calls).toEqual([]);
    expect(w.notifier.notices.at(-1)?.subject).toMatch(/refused/);
  });

  it('opens nothing when redefined on another metric of the same thing', async () => {
    const name = await firing('pump-1');
    w.cloudWatch.putMetricAlarm(name, [metricOn('pump-1', 'SomethingTheWriterControls')]);

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'enrolment-mismatch' });
    expect(w.tunnels.calls).toEqual([]);
  });

  it('skips an ALARM for an alarm deleted since, as stale', async () => {
    const name = await firing('pump-1');
    const event = w.emit(name);
    w.cloudWatch.delete(name);

    const outcome = await handleAlarmEvent(event, w.deps);

    expect(outcome).toMatchObject({ result: 'open-skipped', code: 'stale' });
  });
});
