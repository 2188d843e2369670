import { describe, expect, it } from 'vitest';
import { watchSuccess } from '../../../shared/services/health-success';
import { FakeHealthStore } from '../../fakes/health-store';
import { healthOf, healthRollout, JOB_ID, MINUTE, ROLLOUT_ID, success, T0 } from './fixture';

const selfCheck = { selfTest: { equals: 'pass' } };
const AT = T0 + 5 * MINUTE;

describe('watchSuccess', () => {
  it('makes a device whose self-check fails on the event a suspect, with the reason', async () => {
    // Prepare
    const health = new FakeHealthStore();
    const rollout = healthRollout({ selfCheck });

    // Act
    await watchSuccess(
      { health },
      ROLLOUT_ID,
      0,
      healthOf(rollout),
      success('t-1', AT, { selfTest: 'fail' }),
    );

    // Assess
    expect(await health.suspects(ROLLOUT_ID, 0)).toEqual([
      {
        rolloutId: ROLLOUT_ID,
        stageIndex: 0,
        thingName: 't-1',
        jobId: JOB_ID,
        reason: 'selfCheck',
        succeededAt: AT,
        windowMs: 0,
        explanation: 'selfTest is "fail", expected "pass"',
      },
    ]);
    expect(health.stageItem(ROLLOUT_ID, 0).suspects).toEqual({ selfCheck: 1 });
  });

  it('makes a device whose event has no statusDetails at all a suspect: it did not run its self-check', async () => {
    // Prepare
    const health = new FakeHealthStore();
    const rollout = healthRollout({ selfCheck });

    // Act
    await watchSuccess({ health }, ROLLOUT_ID, 0, healthOf(rollout), success('t-1', AT));

    // Assess
    expect((await health.suspects(ROLLOUT_ID, 0)).map((s) => s.explanation)).toEqual([
      'selfTest missing from statusDetails',
    ]);
  });

  it('writes nothing for a device whose self-check passes when the stage has no reconnect window', async () => {
    // Prepare
    const health = new FakeHealthStore();
    const rollout = healthRollout({ selfCheck });

    // Act
    await watchSuccess(
      { health },
      ROLLOUT_ID,
      0,
      healthOf(rollout),
      success('t-1', AT, { selfTest: 'pass' }),
    );

    // Assess
    expect(health.writes).toEqual([]);
  });

  it('watches the reconnect of a success for the plan window, without a suspect', async () => {
    // Prepare
    const health = new FakeHealthStore();
    const rollout = healthRollout({ reconnectMinutes: 10 });

    // Act
    await watchSuccess({ health }, ROLLOUT_ID, 0, healthOf(rollout), success('t-1', AT));

    // Assess
    expect(await health.watchesOf('t-1')).toEqual([
      {
        rolloutId: ROLLOUT_ID,
        stageIndex: 0,
        thingName: 't-1',
        jobId: JOB_ID,
        succeededAt: AT,
        windowMs: 10 * MINUTE,
      },
    ]);
    expect(await health.suspects(ROLLOUT_ID, 0)).toEqual([]);
  });

  it('makes a device a suspect when its disconnect after the success arrived before the success did', async () => {
    // Prepare: lifecycle events are unordered; the disconnect (a minute after the success) came first.
    const health = new FakeHealthStore();
    await health.recordPresence('t-1', { at: AT + MINUTE, connected: false }, AT + MINUTE);
    const rollout = healthRollout({ reconnectMinutes: 10 });

    // Act
    await watchSuccess({ health }, ROLLOUT_ID, 0, healthOf(rollout), success('t-1', AT));

    // Assess
    expect(await health.suspects(ROLLOUT_ID, 0)).toEqual([
      expect.objectContaining({
        thingName: 't-1',
        reason: 'reconnect',
        succeededAt: AT,
        windowMs: 10 * MINUTE,
      }),
    ]);
  });

  it('does not suspect a device that disconnected and reconnected before reporting its success', async () => {
    // Prepare
    const health = new FakeHealthStore();
    await health.recordPresence('t-1', { at: AT - 2000, connected: false }, AT);
    await health.recordPresence('t-1', { at: AT - 1000, connected: true }, AT);
    const rollout = healthRollout({ reconnectMinutes: 10 });

    // Act
    await watchSuccess({ health }, ROLLOUT_ID, 0, healthOf(rollout), success('t-1', AT));

    // Assess
    expect(await health.suspects(ROLLOUT_ID, 0)).toEqual([]);
  });

  it('creates each suspect once however often the success is redelivered', async () => {
    // Prepare
    const health = new FakeHealthStore();
    await health.recordPresence('t-1', { at: AT + MINUTE, connected: false }, AT + MINUTE);
    const rollout = healthRollout({ reconnectMinutes: 10, selfCheck });
    const event = success('t-1', AT, { selfTest: 'fail' });

    // Act
    for (let i = 0; i < 3; i++) await watchSuccess({ health }, ROLLOUT_ID, 0, healthOf(rollout), event);

    // Assess
    expect((await health.suspects(ROLLOUT_ID, 0)).map((s) => s.reason)).toEqual(['reconnect', 'selfCheck']);
    expect(health.stageItem(ROLLOUT_ID, 0).suspects).toEqual({ reconnect: 1, selfCheck: 1 });
  });
});
