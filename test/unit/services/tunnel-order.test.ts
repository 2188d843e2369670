import { beforeEach, describe, expect, it } from 'vitest';
import { handleAlarmEvent } from '../../../shared/services/tunnel-alarm';
import { MINUTE, T0, type TunnelWorld, tunnelWorld } from '../../fakes/tunnel-world';

// Events arrive late, twice and out of order: what opens and closes follows the alarm's state
// timestamps and what DescribeAlarms says now, never the order of arrival.
let w: TunnelWorld;
let name: string;

beforeEach(async () => {
  w = tunnelWorld();
  name = w.alarmOn('pump-1');
  await w.enrol(name, 'pump-1');
});

const at = (minutes: number) => T0 + minutes * MINUTE;

describe('order comes from the alarm, not from arrival', () => {
  it('skips an ALARM whose alarm recovered while it waited, audited with its own time', async () => {
    w.cloudWatch.setState(name, 'ALARM', at(0));
    const late = w.emit(name);
    w.cloudWatch.setState(name, 'OK', at(12));
    w.at(at(70));

    const outcome = await handleAlarmEvent(late, w.deps);

    expect(outcome).toMatchObject({ result: 'open-skipped', code: 'stale' });
    expect(w.audit.records.find((r) => r.action === 'tunnel.open.skipped')).toMatchObject({
      outcome: 'skipped',
      at: at(0),
      recordedAt: at(70),
    });
    expect(w.tunnels.calls).toEqual([]);
    expect(w.store.records.size).toBe(0);
  });

  it('opens nothing for an ALARM that arrives after the OK that ended it', async () => {
    w.cloudWatch.setState(name, 'ALARM', at(0));
    const alarm = w.emit(name);
    w.cloudWatch.setState(name, 'OK', at(2));
    await handleAlarmEvent(w.emit(name), w.deps);

    const outcome = await handleAlarmEvent(alarm, w.deps);

    expect(outcome).toMatchObject({ result: 'open-skipped', code: 'stale' });
    expect(w.tunnels.calls).toEqual([]);
  });

  it('skips an ALARM of an earlier episode as superseded', async () => {
    w.cloudWatch.setState(name, 'ALARM', at(0));
    const first = w.emit(name);
    w.cloudWatch.setState(name, 'OK', at(3));
    w.cloudWatch.setState(name, 'ALARM', at(6));
    w.at(at(7));

    const outcome = await handleAlarmEvent(first, w.deps);

    expect(outcome).toMatchObject({ result: 'open-skipped', code: 'superseded' });
    expect(w.tunnels.calls).toEqual([]);
  });

  it("opens one tunnel for the current episode's ALARM after an earlier one was skipped", async () => {
    w.cloudWatch.setState(name, 'ALARM', at(0));
    const first = w.emit(name);
    w.cloudWatch.setState(name, 'OK', at(3));
    w.cloudWatch.setState(name, 'ALARM', at(6));
    w.at(at(7));
    await handleAlarmEvent(first, w.deps);

    const outcome = await handleAlarmEvent(w.emit(name), w.deps);

    expect(outcome).toMatchObject({ result: 'opened' });
    expect(w.tunnels.tunnels.size).toBe(1);
  });

  it('throws AlarmStateNotVisibleError while DescribeAlarms does not show the ALARM yet, doing nothing', async () => {
    const ahead = w.emit(name, { state: 'ALARM', stateAt: at(1) });

    const attempt = handleAlarmEvent(ahead, w.deps);

    await expect(attempt).rejects.toMatchObject({ name: 'AlarmStateNotVisibleError', retryable: true });
    expect(w.tunnels.calls).toEqual([]);
    expect(w.store.records.size).toBe(0);
    expect(w.actions('pump-1')).toEqual(['tunnel.enrolment.created']);
  });

  it('opens on the retry once DescribeAlarms shows the ALARM', async () => {
    const ahead = w.emit(name, { state: 'ALARM', stateAt: at(1) });
    await expect(handleAlarmEvent(ahead, w.deps)).rejects.toThrow();
    w.cloudWatch.setState(name, 'ALARM', at(1));

    const outcome = await handleAlarmEvent(ahead, w.deps);

    expect(outcome).toMatchObject({ result: 'opened' });
  });

  it("counts a queued ALARM's tunnel, slot and cooldown from when AWS opened it", async () => {
    w.cloudWatch.setState(name, 'ALARM', at(0));
    w.at(at(48));

    await handleAlarmEvent(w.emit(name), w.deps);

    expect(w.store.records.get('pump-1')).toMatchObject({
      openedAt: at(48),
      lifetimeEndsAt: at(108),
      nextAllowedAt: at(78),
    });
    expect(w.store.slots['pump-1']?.until).toBe(at(108));
  });
});
