import { beforeEach, describe, expect, it } from 'vitest';
import { handleAlarmEvent } from '../../../shared/services/tunnel-alarm';
import { closeByOperator } from '../../../shared/services/tunnel-operator';
import { metricOn } from '../../fakes/tunnel-alarms';
import { ADMIN, MINUTE, T0, type TunnelWorld, tunnelWorld } from '../../fakes/tunnel-world';

// The alarm that opened a tunnel goes back to OK: that tunnel closes, and nothing else does.
let w: TunnelWorld;
let name: string;

const at = (minutes: number) => T0 + minutes * MINUTE;

/** pump-1's enrolled alarm fired at T0 and its tunnel (tunnel-1) is open. */
beforeEach(async () => {
  w = tunnelWorld();
  name = w.alarmOn('pump-1');
  await w.enrol(name, 'pump-1');
  w.cloudWatch.setState(name, 'ALARM', at(0));
  await handleAlarmEvent(w.emit(name), w.deps);
});

describe('closing on OK', () => {
  it('closes the tunnel that alarm opened', async () => {
    w.cloudWatch.setState(name, 'OK', at(5));
    w.at(at(5));

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'closed', tunnelId: 'tunnel-1' });
    expect(w.tunnels.openTunnels()).toEqual([]);
  });

  it('marks the record closed by the function, frees the fleet slot and audits the close', async () => {
    w.cloudWatch.setState(name, 'OK', at(5));
    w.at(at(5));

    await handleAlarmEvent(w.emit(name, { id: 'evt-ok' }), w.deps);

    expect(w.store.records.get('pump-1')).toMatchObject({
      status: 'CLOSED',
      closedBy: 'function:alarm-tunnel',
      closeCause: 'evt-ok',
    });
    expect(w.store.slots).toEqual({});
    expect(w.audit.records.find((r) => r.action === 'tunnel.closed')).toMatchObject({
      at: at(5),
      details: { tunnelId: 'tunnel-1', via: 'alarm-ok', alarmName: name },
    });
    expect(w.bus.of('TunnelClosed')).toMatchObject([{ detail: { tunnelId: 'tunnel-1' } }]);
  });

  it('answers a redelivered OK as a duplicate and closes once', async () => {
    w.cloudWatch.setState(name, 'OK', at(5));
    const ok = w.emit(name);
    await handleAlarmEvent(ok, w.deps);

    const again = await handleAlarmEvent(structuredClone(ok), w.deps);

    expect(again).toMatchObject({ result: 'duplicate' });
    expect(w.tunnels.calls.filter((c) => c.startsWith('close'))).toEqual(['close:tunnel-1']);
  });

  it("skips another alarm's OK for the same thing and leaves the tunnel open", async () => {
    w.cloudWatch.putMetricAlarm('fleet-tunnel-other', [metricOn('pump-1', 'Memory')]);
    await w.enrol('fleet-tunnel-other', 'pump-1');
    w.cloudWatch.setState('fleet-tunnel-other', 'OK', at(5));

    const outcome = await handleAlarmEvent(w.emit('fleet-tunnel-other'), w.deps);

    expect(outcome).toMatchObject({ result: 'close-skipped' });
    expect(w.tunnels.openTunnels().map((t) => t.tunnelId)).toEqual(['tunnel-1']);
  });

  it('skips an OK older than the ALARM that opened the tunnel', async () => {
    const oldOk = w.emit(name, { state: 'OK', stateAt: at(-5) });

    const outcome = await handleAlarmEvent(oldOk, w.deps);

    expect(outcome).toMatchObject({ result: 'close-skipped' });
    expect(w.tunnels.openTunnels()).toHaveLength(1);
  });

  it('skips an OK when the policy keeps tunnels open until their lifetime', async () => {
    w.deps.policy = { ...w.deps.policy, closeOnOk: false };
    w.cloudWatch.setState(name, 'OK', at(5));

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'close-skipped', reason: expect.stringMatching(/closeOnOk/) });
    expect(w.tunnels.openTunnels()).toHaveLength(1);
  });

  it('skips an OK for a tunnel an operator already closed, saying who did', async () => {
    await closeByOperator(w.deps, { tunnelId: 'tunnel-1', ...w.caller(ADMIN, at(3)) });
    w.cloudWatch.setState(name, 'OK', at(5));

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'close-skipped', reason: expect.stringContaining(ADMIN) });
  });

  it('stamps a close whose OK happened before AWS opened the tunnel at the opening', async () => {
    const queued = tunnelWorld();
    const alarm = queued.alarmOn('pump-2');
    await queued.enrol(alarm, 'pump-2');
    queued.cloudWatch.setState(alarm, 'ALARM', at(0));
    queued.at(at(48)); // the ALARM waited; the alarm recovered just before OpenTunnel
    await handleAlarmEvent(queued.emit(alarm), queued.deps);
    queued.cloudWatch.setState(alarm, 'OK', at(47));

    await handleAlarmEvent(queued.emit(alarm), queued.deps);

    expect(queued.audit.records.find((r) => r.action === 'tunnel.closed')).toMatchObject({
      at: at(48),
      details: { causeAt: new Date(at(47)).toISOString() },
    });
  });
});

describe('an OK with nothing to close', () => {
  it('audits an OK without a prior ALARM as tunnel.close.skipped and does nothing else', async () => {
    const other = w.alarmOn('pump-2');
    await w.enrol(other, 'pump-2');
    w.cloudWatch.setState(other, 'ALARM', at(1));
    w.cloudWatch.setState(other, 'OK', at(2));
    const events = w.bus.events.length;

    const outcome = await handleAlarmEvent(w.emit(other), w.deps);

    expect(outcome).toMatchObject({
      result: 'close-skipped',
      reason: expect.stringMatching(/OK without a prior ALARM/),
    });
    expect(w.actions('pump-2')).toEqual(['tunnel.enrolment.created', 'tunnel.close.skipped']);
    expect(w.bus.events).toHaveLength(events);
    expect(w.tunnels.calls.filter((c) => c.startsWith('close'))).toEqual([]);
  });
});
