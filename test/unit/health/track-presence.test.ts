import { describe, expect, it } from 'vitest';
import { PRESENCE_GRACE_MS, PRESENCE_LOOKBEHIND_MS } from '../../../shared/domain/rollout/health-presence';
import type { PresenceLifecycle } from '../../../shared/domain/rollout/presence-event';
import { assessHealth } from '../../../shared/services/health-assess';
import type { HealthWatch } from '../../../shared/services/health-ports';
import { PRESENCE_MAX_SKEW_MS, trackPresence } from '../../../shared/services/health-presence';
import { watchSuccess } from '../../../shared/services/health-success';
import { FakeExecutions, FakeHealthStore, FakePackages } from '../../fakes/health-store';
import {
  fakeClock,
  healthOf,
  healthRollout,
  JOB_ID,
  lifecycle,
  MINUTE,
  ROLLOUT_ID,
  stageOf,
  success,
  T0,
} from './fixture';

const WINDOW = 10 * MINUTE;
const AT = T0 + 5 * MINUTE;
const watch: HealthWatch = {
  rolloutId: ROLLOUT_ID,
  stageIndex: 0,
  thingName: 't-1',
  jobId: JOB_ID,
  succeededAt: AT,
  windowMs: WINDOW,
};

function world(now = AT) {
  const health = new FakeHealthStore();
  const clock = fakeClock(now);
  return { health, clock, deps: { health, clock } };
}

describe('trackPresence', () => {
  it.each([
    ['an MQTT client that is not a thing name', 'laptop alice'],
    ['a client id with a slash', 'fleet/t-1'],
    ['a client id with a dollar sign', '$aws-console'],
    ['a client id longer than a thing name', 't'.repeat(129)],
  ])('ignores %s and writes nothing', async (_what, clientId) => {
    // Prepare
    const w = world();

    // Act
    const result = await trackPresence(lifecycle(clientId, 'disconnected', AT), w.deps);

    // Assess
    expect(result).toBe('not-a-thing');
    expect(w.health.writes).toEqual([]);
  });

  it('refuses an event stamped more than the allowed skew ahead of its arrival, and records nothing', async () => {
    // Prepare
    const w = world();
    await w.health.putWatch(watch);

    // Act
    const result = await trackPresence(
      lifecycle('t-1', 'disconnected', AT + PRESENCE_MAX_SKEW_MS + 1),
      w.deps,
    );

    // Assess
    expect(result).toBe('future');
    expect(w.health.presence.get('t-1')).toBeUndefined();
  });

  it('records an event stamped exactly the allowed skew ahead', async () => {
    // Prepare
    const w = world();

    // Act
    const result = await trackPresence(lifecycle('t-1', 'connected', AT + PRESENCE_MAX_SKEW_MS), w.deps);

    // Assess
    expect(result).toBe('recorded');
    expect(w.health.presence.get('t-1')).toEqual([{ at: AT + PRESENCE_MAX_SKEW_MS, connected: true }]);
  });

  it('makes the watched device a suspect on a disconnect inside its window', async () => {
    // Prepare
    const w = world(AT + 2 * MINUTE);
    await w.health.putWatch(watch);

    // Act
    const result = await trackPresence(lifecycle('t-1', 'disconnected', AT + 2 * MINUTE, 7), w.deps);

    // Assess
    expect(result).toBe('suspect');
    expect(await w.health.suspects(ROLLOUT_ID, 0)).toEqual([{ ...watch, reason: 'reconnect' }]);
  });

  it('counts a disconnect at the last instant of the window', async () => {
    // Prepare
    const w = world(AT + WINDOW);
    await w.health.putWatch(watch);

    // Act
    const result = await trackPresence(lifecycle('t-1', 'disconnected', AT + WINDOW), w.deps);

    // Assess
    expect(result).toBe('suspect');
  });

  it.each([
    ['before the success, beyond the look-behind', AT - PRESENCE_LOOKBEHIND_MS - 1],
    ['after the window', AT + WINDOW + 1],
  ])('does not suspect a device on a disconnect %s', async (_when, at) => {
    // Prepare
    const w = world(at);
    await w.health.putWatch(watch);

    // Act
    const result = await trackPresence(lifecycle('t-1', 'disconnected', at), w.deps);

    // Assess
    expect(result).toBe('recorded');
    expect(await w.health.suspects(ROLLOUT_ID, 0)).toEqual([]);
  });

  it('never makes a suspect on a connect', async () => {
    // Prepare
    const w = world(AT + MINUTE);
    await w.health.putWatch(watch);

    // Act
    const result = await trackPresence(lifecycle('t-1', 'connected', AT + MINUTE), w.deps);

    // Assess
    expect(result).toBe('recorded');
    expect(await w.health.suspects(ROLLOUT_ID, 0)).toEqual([]);
  });

  it('makes one suspect, counted once on the stage, from a redelivered disconnect', async () => {
    // Prepare
    const w = world(AT + MINUTE);
    await w.health.putWatch(watch);
    const event = lifecycle('t-1', 'disconnected', AT + MINUTE, 3);

    // Act
    for (let i = 0; i < 3; i++) await trackPresence(event, w.deps);

    // Assess
    expect(await w.health.suspects(ROLLOUT_ID, 0)).toHaveLength(1);
    expect(w.health.stageItem(ROLLOUT_ID, 0).suspects).toEqual({ reconnect: 1 });
    expect(w.health.presence.get('t-1')).toEqual([{ at: AT + MINUTE, connected: false, version: 3 }]);
  });

  it('suspects the device in every rollout whose window the disconnect falls in', async () => {
    // Prepare
    const w = world(AT + MINUTE);
    await w.health.putWatch(watch);
    await w.health.putWatch({ ...watch, rolloutId: 'other-12345678', jobId: 'other-12345678-s0' });

    // Act
    await trackPresence(lifecycle('t-1', 'disconnected', AT + MINUTE), w.deps);

    // Assess
    expect(await w.health.suspects(ROLLOUT_ID, 0)).toHaveLength(1);
    expect(await w.health.suspects('other-12345678', 0)).toHaveLength(1);
  });
});

/**
 * The tracker (watchSuccess), the presence consumer (trackPresence) and Reconcile (assessHealth)
 * together, on a clock that moves with each delivery: the verdict must not depend on the order in which
 * the success and the lifecycle events arrive, nor on duplicates.
 */
describe('health after success: every arrival order gives the same verdict', () => {
  const rollout = healthRollout({ reconnectMinutes: 10 });
  const stage = stageOf(1);
  type Arrival = 'success' | 'disconnect' | 'connect';
  const orders: Arrival[][] = [
    ['success', 'disconnect', 'connect'],
    ['success', 'connect', 'disconnect'],
    ['disconnect', 'success', 'connect'],
    ['disconnect', 'connect', 'success'],
    ['connect', 'success', 'disconnect'],
    ['connect', 'disconnect', 'success'],
  ];

  /** Delivers each arrival (twice when `duplicates`), then asks Reconcile after the window and grace. */
  async function verdictAfter(order: Arrival[], reconnectAt: number, duplicates: boolean) {
    const health = new FakeHealthStore();
    const executions = new FakeExecutions();
    executions.set(JOB_ID, 't-1', { status: 'SUCCEEDED', statusDetails: {} });
    const clock = fakeClock(AT);
    const events: Record<Exclude<Arrival, 'success'>, PresenceLifecycle> = {
      disconnect: lifecycle('t-1', 'disconnected', AT + MINUTE, 1),
      connect: lifecycle('t-1', 'connected', reconnectAt, 2),
    };
    // Deliveries happen late enough that none is refused as stamped in the future.
    clock.set(reconnectAt);
    for (const arrival of duplicates ? [...order, ...order] : order) {
      if (arrival === 'success')
        await watchSuccess({ health }, ROLLOUT_ID, 0, healthOf(rollout), success('t-1', AT));
      else await trackPresence(events[arrival], { health, clock });
    }
    const judged = await assessHealth(
      { health, executions, packages: new FakePackages() },
      rollout,
      stage,
      AT + WINDOW + PRESENCE_GRACE_MS,
    );
    return { unhealthy: judged?.unhealthy, suspects: health.stageItem(ROLLOUT_ID, 0).suspects };
  }

  it.each(orders.map((o) => [o.join(' → '), o] as const))(
    'healthy when the device is back within its window: %s',
    async (_name, order) => {
      // Act
      const once = await verdictAfter(order, AT + 3 * MINUTE, false);
      const twice = await verdictAfter(order, AT + 3 * MINUTE, true);

      // Assess: one suspect (the disconnect), judged healthy, whatever the order and the duplicates.
      expect(once).toEqual({ unhealthy: 0, suspects: { reconnect: 1 } });
      expect(twice).toEqual(once);
    },
  );

  it.each(orders.map((o) => [o.join(' → '), o] as const))(
    'unhealthy when the device is back only after its window: %s',
    async (_name, order) => {
      // Act
      const once = await verdictAfter(order, AT + WINDOW + 1, false);
      const twice = await verdictAfter(order, AT + WINDOW + 1, true);

      // Assess
      expect(once).toEqual({ unhealthy: 1, suspects: { reconnect: 1 } });
      expect(twice).toEqual(once);
    },
  );
});
