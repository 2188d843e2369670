import { beforeEach, describe, expect, it } from 'vitest';
import { handleAlarmEvent } from '../../../shared/services/tunnel-alarm';
import { awsError, throttled } from '../../fakes/faults';
import { MINUTE, T0, type TunnelWorld, tunnelWorld } from '../../fakes/tunnel-world';

// An ALARM event is redelivered after a throttle, a crash or a failed effect: the redelivery
// finishes what was interrupted and never opens a second tunnel.
let w: TunnelWorld;
let name: string;

const at = (minutes: number) => T0 + minutes * MINUTE;

beforeEach(async () => {
  w = tunnelWorld();
  name = w.alarmOn('pump-1');
  await w.enrol(name, 'pump-1');
  w.cloudWatch.setState(name, 'ALARM', at(0));
});

const opens = () => w.tunnels.calls.filter((c) => c.startsWith('open'));

describe('throttled or refused by AWS', () => {
  it('throws when OpenTunnel stays throttled, keeping the claim and the slot for the redelivery', async () => {
    w.tunnels.faults.inject('open', throttled());

    const attempt = handleAlarmEvent(w.emit(name), w.deps);

    await expect(attempt).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(w.store.records.get('pump-1')).toMatchObject({ status: 'OPENING' });
    expect(Object.keys(w.store.slots)).toEqual(['pump-1']);
  });

  it('opens one tunnel when the throttled event is redelivered', async () => {
    const event = w.emit(name);
    w.tunnels.faults.inject('open', throttled());
    await expect(handleAlarmEvent(event, w.deps)).rejects.toThrow();

    const outcome = await handleAlarmEvent(event, w.deps);

    expect(outcome).toMatchObject({ result: 'opened' });
    expect(w.tunnels.tunnels.size).toBe(1);
  });

  it('refuses when AWS refuses another tunnel, gives claim and slot back, and pages on-call', async () => {
    w.tunnels.openLimit = 0;

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'aws-limit' });
    expect(w.store.records.get('pump-1')).toMatchObject({ status: 'RELEASED' });
    expect(w.store.slots).toEqual({});
    expect(w.notifier.notices.at(-1)?.subject).toMatch(/refused/);
  });

  it('answers the redelivery of a refused event as a duplicate, opening nothing', async () => {
    w.tunnels.openLimit = 0;
    const event = w.emit(name);
    await handleAlarmEvent(event, w.deps);
    w.tunnels.openLimit = Number.POSITIVE_INFINITY;

    const again = await handleAlarmEvent(event, w.deps);

    expect(again).toMatchObject({ result: 'duplicate' });
    expect(w.tunnels.tunnels.size).toBe(0);
  });

  it('opens nothing when the claim of a throttled event expired before its redelivery', async () => {
    const event = w.emit(name);
    w.tunnels.faults.inject('open', throttled());
    await expect(handleAlarmEvent(event, w.deps)).rejects.toThrow();
    w.cloudWatch.setState(name, 'ALARM', at(61)); // still in ALARM, evaluated an hour later
    w.at(at(61));

    const again = await handleAlarmEvent(event, w.deps);

    expect(again).toMatchObject({ result: 'duplicate', reason: expect.stringMatching(/expired/) });
    expect(w.tunnels.tunnels.size).toBe(0);
  });
});

describe('interrupted after OpenTunnel', () => {
  it('finds the tunnel a crash hid from the record, and opens no second one', async () => {
    const event = w.emit(name);
    w.tunnels.faults.inject('open:after', awsError('InternalFailureException', 'DescribeTunnel failed'));
    await expect(handleAlarmEvent(event, w.deps)).rejects.toThrow('DescribeTunnel failed');

    const outcome = await handleAlarmEvent(event, w.deps);

    expect(outcome).toMatchObject({ result: 'opened', tunnelId: 'tunnel-1' });
    expect(opens()).toHaveLength(1);
    expect(w.store.records.get('pump-1')).toMatchObject({ status: 'OPEN', tunnelId: 'tunnel-1' });
  });

  it('closes the tunnel a crash left open when the alarm recovered before the redelivery', async () => {
    const event = w.emit(name);
    w.tunnels.faults.inject('open:after', awsError('InternalFailureException', 'crash'));
    await expect(handleAlarmEvent(event, w.deps)).rejects.toThrow('crash');
    w.cloudWatch.setState(name, 'OK', at(2));

    const outcome = await handleAlarmEvent(event, w.deps);

    expect(outcome).toMatchObject({ result: 'closed', tunnelId: 'tunnel-1' });
    expect(w.tunnels.openTunnels()).toEqual([]);
    expect(w.actions('pump-1')).toEqual(['tunnel.enrolment.created', 'tunnel.opened', 'tunnel.closed']);
  });

  it('announces on redelivery when the bus was down, with one audit record', async () => {
    const event = w.emit(name);
    w.bus.faults.inject('publish', new Error('bus down'));
    await expect(handleAlarmEvent(event, w.deps)).rejects.toThrow('bus down');

    const outcome = await handleAlarmEvent(event, w.deps);

    expect(outcome).toMatchObject({ result: 'duplicate' });
    expect(opens()).toHaveLength(1);
    expect(w.bus.of('TunnelOpened')).toHaveLength(1);
    expect(w.actions('pump-1').filter((a) => a === 'tunnel.opened')).toHaveLength(1);
    expect(w.store.records.get('pump-1')?.announced).toBe(true);
  });

  it('announces, then closes, an unannounced tunnel whose alarm recovered before the redelivery', async () => {
    const event = w.emit(name);
    w.notifier.faults.inject('notify', new Error('SNS down'));
    await expect(handleAlarmEvent(event, w.deps)).rejects.toThrow('SNS down');
    w.cloudWatch.setState(name, 'OK', at(2));

    const outcome = await handleAlarmEvent(event, w.deps);

    expect(outcome).toMatchObject({ result: 'closed' });
    expect(w.notifier.notices).toHaveLength(1);
    expect(w.bus.events.map((e) => e.detailType)).toEqual(['TunnelOpened', 'TunnelOpened', 'TunnelClosed']);
  });
});

describe('interrupted before OpenTunnel', () => {
  it('gives claim and slot back when the alarm recovered before the redelivery, skipped as stale', async () => {
    const event = w.emit(name);
    w.tunnels.faults.inject('open', throttled());
    await expect(handleAlarmEvent(event, w.deps)).rejects.toThrow();
    w.cloudWatch.setState(name, 'OK', at(2));

    const outcome = await handleAlarmEvent(event, w.deps);

    expect(outcome).toMatchObject({ result: 'open-skipped', code: 'stale' });
    expect(w.store.records.get('pump-1')).toMatchObject({ status: 'RELEASED' });
    expect(w.store.slots).toEqual({});
    expect(w.tunnels.tunnels.size).toBe(0);
  });
});
