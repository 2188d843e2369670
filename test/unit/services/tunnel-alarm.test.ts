import { beforeEach, describe, expect, it } from 'vitest';
import { handleAlarmEvent } from '../../../shared/services/tunnel-alarm';
import { metricOn } from '../../fakes/tunnel-alarms';
import { ADMIN, MINUTE, T0, type TunnelWorld, tunnelWorld } from '../../fakes/tunnel-world';

// Which alarm events reach the open and close decisions at all: origin, marking, the thing the alarm
// names, and the operator's enrolment. Everything refused is audited with its reason.
let w: TunnelWorld;

beforeEach(() => {
  w = tunnelWorld();
});

const inputRecords = () => w.audit.records.filter((r) => r.pk === 'INPUT#cloudwatch-alarm');

describe('handleAlarmEvent(): what reaches a decision', () => {
  it('ignores INSUFFICIENT_DATA: nothing opens, closes or is audited', async () => {
    const name = w.alarmOn('pump-1');
    await w.enrol(name, 'pump-1');
    w.cloudWatch.setState(name, 'INSUFFICIENT_DATA', T0 + MINUTE);

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'ignored' });
    expect(w.actions('pump-1')).toEqual(['tunnel.enrolment.created']);
    expect(w.tunnels.calls).toEqual([]);
  });

  it.each([
    ['another account', { account: '210987654321' }],
    ['another region', { region: 'eu-central-1' }],
    ['an alarm ARN of another account', { arnAccount: '210987654321' }],
  ])(
    'refuses an event from %s before reading anything, audited against the input',
    async (_label, origin) => {
      const name = w.alarmOn('pump-1');
      await w.enrol(name, 'pump-1');
      w.cloudWatch.setState(name, 'ALARM', T0 + MINUTE);
      w.cloudWatch.described = 0;

      const outcome = await handleAlarmEvent(w.emit(name, origin), w.deps);

      expect(outcome).toMatchObject({ result: 'refused', code: 'foreign-account' });
      expect(w.cloudWatch.described).toBe(0);
      expect(w.tunnels.calls).toEqual([]);
      expect(inputRecords()).toMatchObject([
        { action: 'tunnel.open.refused', details: { code: 'foreign-account' } },
      ]);
    },
  );

  it('refuses an alarm that is not marked for tunnels (no name prefix, no tag)', async () => {
    w.thing('pump-1');
    w.cloudWatch.putMetricAlarm('SomeoneElsesAlarm', [metricOn('pump-1')]);
    w.cloudWatch.setState('SomeoneElsesAlarm', 'ALARM', T0);

    const outcome = await handleAlarmEvent(w.emit('SomeoneElsesAlarm'), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'not-marked' });
    expect(w.tunnels.calls).toEqual([]);
    expect(inputRecords()).toMatchObject([
      { action: 'tunnel.open.refused', details: { code: 'not-marked' } },
    ]);
  });

  it('opens for an alarm marked only by its propagated FleetAutopilotTunnel tag', async () => {
    w.thing('pump-1');
    w.cloudWatch.putMetricAlarm('DeviceHeartbeatMissing-pump-1', [metricOn('pump-1')], {
      tags: { FleetAutopilotTunnel: 'true', ThingName: 'pump-1' },
      propagateTags: true,
    });
    await w.enrol('DeviceHeartbeatMissing-pump-1', 'pump-1');
    w.cloudWatch.setState('DeviceHeartbeatMissing-pump-1', 'ALARM', T0);

    const outcome = await handleAlarmEvent(w.emit('DeviceHeartbeatMissing-pump-1'), w.deps);

    expect(outcome).toMatchObject({ result: 'opened', thingName: 'pump-1' });
  });

  it.each(['pump 1; rm -rf /', '../../etc/passwd', 'x'.repeat(200)])(
    'refuses an alarm naming the unusable thing %j, before any AWS read',
    async (hostile) => {
      w.cloudWatch.putMetricAlarm('fleet-tunnel-hostile', [metricOn(hostile)]);
      w.cloudWatch.setState('fleet-tunnel-hostile', 'ALARM', T0);

      const outcome = await handleAlarmEvent(w.emit('fleet-tunnel-hostile'), w.deps);

      expect(outcome).toMatchObject({ result: 'refused', code: 'no-thing' });
      expect(w.cloudWatch.described).toBe(0);
      expect(w.tunnels.calls).toEqual([]);
      expect(inputRecords()).toMatchObject([{ action: 'tunnel.open.refused', outcome: 'rejected' }]);
    },
  );

  it('refuses a metric-math alarm whose metrics name two things', async () => {
    w.cloudWatch.putMetricAlarm('fleet-tunnel-math', [
      metricOn('pump-1', 'Errors', 'e'),
      metricOn('pump-2', 'Requests', 'r'),
      { id: 'rate', expression: 'e / r', dimensions: {} },
    ]);
    w.cloudWatch.setState('fleet-tunnel-math', 'ALARM', T0);

    const outcome = await handleAlarmEvent(w.emit('fleet-tunnel-math'), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'no-thing' });
    expect(w.tunnels.calls).toEqual([]);
  });

  it('refuses a marked alarm nobody enrolled, without asking CloudWatch', async () => {
    const name = w.alarmOn('pump-1');
    w.cloudWatch.setState(name, 'ALARM', T0 + MINUTE);

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'not-enrolled' });
    expect(w.cloudWatch.described).toBe(0);
    expect(w.tunnels.calls).toEqual([]);
    expect(w.audit.records).toMatchObject([
      { pk: 'THING#pump-1', action: 'tunnel.open.refused', details: { code: 'not-enrolled' } },
    ]);
  });

  it('refuses an alarm whose enrolment was removed, naming who removed it', async () => {
    const name = w.alarmOn('pump-1');
    await w.enrol(name, 'pump-1');
    const enrolment = w.enrolments.items.get(name);
    if (enrolment) w.enrolments.items.set(name, { ...enrolment, status: 'REMOVED', removedBy: ADMIN });
    w.cloudWatch.setState(name, 'ALARM', T0 + MINUTE);

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'refused', code: 'not-enrolled' });
    expect(outcome).toMatchObject({ reason: expect.stringContaining(`removed by ${ADMIN}`) });
    expect(w.tunnels.calls).toEqual([]);
  });

  it('skips an OK from an unmarked alarm, audited against the input, and closes nothing', async () => {
    w.cloudWatch.putMetricAlarm('SomeoneElsesAlarm', [metricOn('pump-1')]);
    w.cloudWatch.setState('SomeoneElsesAlarm', 'OK', T0);

    const outcome = await handleAlarmEvent(w.emit('SomeoneElsesAlarm'), w.deps);

    expect(outcome).toMatchObject({ result: 'close-skipped' });
    expect(w.tunnels.calls).toEqual([]);
    expect(w.audit.records).toMatchObject([{ action: 'tunnel.close.skipped', outcome: 'skipped' }]);
  });
});
