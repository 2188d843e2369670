import { describe, expect, it } from 'vitest';
import type { AlarmState } from '../../../shared/domain/rollout/health-alarms';
import type { Rollout } from '../../../shared/domain/rollout/model';
import { checkAlarms } from '../../../shared/services/health-alarm-check';
import type { RolloutDeps } from '../../../shared/services/rollout-ports';
import type { RolloutGuard } from '../../../shared/services/rollout-store-port';
import { fakeAudit } from '../../fakes/audit';
import { FakeAlarms } from '../../fakes/health-store';
import { healthRollout, MINUTE, stageOf, T0 } from './fixture';

const NOW = T0 + 7 * MINUTE;
const firing = (name: string): AlarmState => ({
  name,
  state: 'ALARM',
  reason: 'Threshold Crossed: 1 datapoint [9.0] was greater than the threshold (5.0).',
  updatedAt: T0 + 6 * MINUTE,
});
const ok = (name: string): AlarmState => ({ name, state: 'OK' });

/** The rollout item with the store's conditional update (the pause's condition: RUNNING and not aborting). */
function world(action: 'pause' | 'halt', alarms: AlarmState[], over: Partial<Rollout> = {}) {
  let rollout: Rollout = { ...healthRollout({ alarms: { names: ['errors', 'latency'], action } }), ...over };
  const audit = fakeAudit();
  const published: unknown[] = [];
  const notified: { subject: string; message: string }[] = [];
  const reader = new FakeAlarms(alarms);
  const deps = {
    actor: 'function:rollout-steps',
    alarms: reader,
    audit: audit.write,
    publish: async (events: unknown[]) => {
      published.push(...events);
    },
    notify: async (n: { subject: string; message: string }) => {
      notified.push(n);
    },
    store: {
      getRollout: async () => rollout,
      updateRollout: async (_id: string, set: Partial<Rollout>, guard: RolloutGuard) => {
        if (rollout.status !== guard.status || rollout.abortRequested !== guard.abortRequested) return false;
        rollout = { ...rollout, ...set };
        return true;
      },
    },
  } as unknown as RolloutDeps;
  return { deps, audit, published, notified, reader, rollout: () => rollout };
}

const check = (w: ReturnType<typeof world>, now = NOW) => checkAlarms(w.deps, w.rollout(), stageOf(100), now);

describe('checkAlarms', () => {
  it('is clear when every alarm the plan names is OK, and changes nothing', async () => {
    // Prepare
    const w = world('pause', [ok('errors'), ok('latency')]);

    // Act
    const result = await check(w);

    // Assess
    expect(result).toEqual({ kind: 'clear' });
    expect(w.reader.calls).toEqual([['errors', 'latency']]);
    expect(w.rollout().status).toBe('RUNNING');
    expect(w.audit.records).toEqual([]);
  });

  it('is clear on INSUFFICIENT_DATA: only ALARM fires', async () => {
    // Prepare
    const w = world('pause', [ok('errors'), { name: 'latency', state: 'INSUFFICIENT_DATA' }]);

    // Act
    const result = await check(w);

    // Assess
    expect(result).toEqual({ kind: 'clear' });
  });

  it('reads no alarm for a stage whose plan names none', async () => {
    // Prepare
    const w = world('pause', []);
    const plain = healthRollout({ reconnectMinutes: 5 });

    // Act
    const result = await checkAlarms(w.deps, plain, stageOf(100), NOW);

    // Assess
    expect(result).toEqual({ kind: 'clear' });
    expect(w.reader.calls).toEqual([]);
  });

  it('pauses the rollout on a firing alarm, with one audit record, one event and one notification', async () => {
    // Prepare
    const w = world('pause', [firing('errors'), ok('latency')]);

    // Act
    const result = await check(w);

    // Assess
    expect(result).toEqual({ kind: 'paused', explanation: 'in ALARM: errors' });
    expect(w.rollout()).toMatchObject({
      status: 'PAUSED',
      paused: true,
      reason: 'fleet-alarm',
      updatedAt: NOW,
    });
    expect(w.audit.records).toHaveLength(1);
    expect(w.audit.records[0]).toMatchObject({
      action: 'rollout.alarm.paused',
      details: {
        stageIndex: 0,
        action: 'pause',
        firing: [{ name: 'errors', state: 'ALARM', updatedAt: T0 + 6 * MINUTE }],
        missing: [],
      },
    });
    expect(w.published).toHaveLength(1);
    expect(w.notified).toHaveLength(1);
    expect(w.notified[0]?.message).toContain('in ALARM: errors');
  });

  it('stays paused, without a second audit record, when Reconcile is retried after the pause was written', async () => {
    // Prepare: the first attempt paused the rollout, then failed (a throttled audit write, a timeout).
    const w = world('pause', [firing('errors'), ok('latency')]);
    await check(w);

    // Act: the same state visit again (Step Functions' retry: the same EnteredTime).
    const result = await check(w);

    // Assess: not 'clear', or the stage would be judged (and promoted) with its alarm firing.
    expect(result).toEqual({ kind: 'paused', explanation: 'in ALARM: errors' });
    expect(w.audit.records).toHaveLength(1);
  });

  it('tells the operators on a retry whose first attempt paused the rollout but never recorded why', async () => {
    // Prepare: the pause was written at NOW by an attempt that failed before its audit record.
    const w = world('pause', [firing('errors'), ok('latency')], {
      status: 'PAUSED',
      paused: true,
      reason: 'fleet-alarm',
      updatedAt: NOW,
    });

    // Act
    const result = await check(w);

    // Assess
    expect(result.kind).toBe('paused');
    expect(w.audit.records.map((r) => r.action)).toEqual(['rollout.alarm.paused']);
    expect(w.notified).toHaveLength(1);
  });

  it('halts on a firing alarm when the plan says halt, without pausing', async () => {
    // Prepare
    const w = world('halt', [firing('latency'), ok('errors')]);

    // Act
    const result = await check(w);

    // Assess
    expect(result).toEqual({ kind: 'halt', explanation: 'in ALARM: latency' });
    expect(w.rollout().status).toBe('RUNNING');
    expect(w.audit.records.map((r) => r.action)).toEqual(['rollout.alarm.halting']);
  });

  it('pauses when an alarm the plan names does not exist: nothing would watch the fleet', async () => {
    // Prepare
    const w = world('pause', [ok('errors')]);

    // Act
    const result = await check(w);

    // Assess
    expect(result).toEqual({ kind: 'paused', explanation: 'not found: latency' });
    expect(w.rollout().status).toBe('PAUSED');
    expect(w.audit.records[0]?.details).toMatchObject({ firing: [], missing: ['latency'] });
  });

  it('pauses rather than halts on a missing alarm even when the plan halts on its alarms', async () => {
    // Prepare
    const w = world('halt', [ok('errors')]);

    // Act
    const result = await check(w);

    // Assess
    expect(result.kind).toBe('paused');
    expect(w.rollout().status).toBe('PAUSED');
  });

  it('adds nothing when an abort got there first, and does not let the stage be judged', async () => {
    // Prepare
    const w = world('pause', [firing('errors'), ok('latency')], { abortRequested: true });

    // Act
    const result = await check(w);

    // Assess: the waiting gate then sees the abort; no pause, no record, no notification.
    expect(result.kind).toBe('paused');
    expect(w.rollout()).toMatchObject({ status: 'RUNNING', paused: false, abortRequested: true });
    expect(w.audit.records).toEqual([]);
    expect(w.notified).toEqual([]);
  });

  it("adds nothing to an operator's pause that got there first", async () => {
    // Prepare
    const w = world('pause', [firing('errors'), ok('latency')], {
      status: 'PAUSED',
      paused: true,
      updatedAt: NOW - MINUTE,
    });

    // Act
    const result = await check(w);

    // Assess
    expect(result.kind).toBe('paused');
    expect(w.rollout().reason).toBeUndefined();
    expect(w.audit.records).toEqual([]);
  });
});
