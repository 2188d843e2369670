import { describe, expect, it } from 'vitest';
import { successBucket } from '../../../shared/domain/rollout/health-counts';
import { PRESENCE_GRACE_MS } from '../../../shared/domain/rollout/health-presence';
import type { Stage } from '../../../shared/domain/rollout/model';
import { judgeStageOnJob } from '../../../shared/domain/rollout/stage-gate';
import { nextHealthChange } from '../../../shared/domain/rollout/stage-health';
import { assessHealth } from '../../../shared/services/health-assess';
import { trackPresence } from '../../../shared/services/health-presence';
import { watchSuccess } from '../../../shared/services/health-success';
import { FakeExecutions, FakeHealthStore, FakePackages } from '../../fakes/health-store';
import {
  fakeClock,
  finishedJob,
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

/**
 * The gate end to end on a health-gated stage: 600 devices all SUCCEEDED as DescribeJob reports it,
 * each rebooting into the update after its success. The tracker, the presence consumer and Reconcile
 * run on their fakes; Reconcile is called when the gate asks to look again (nextHealthChange).
 */
const N = 600;
const WINDOW = 10 * MINUTE;
const rollout = healthRollout({ reconnectMinutes: 10 }, { failureThreshold: 0.01, deadlineMinutes: 120 });
const successAt = (i: number) => T0 + MINUTE + Math.floor((i * 5 * MINUTE) / N);
const thing = (i: number) => `t-${String(i).padStart(3, '0')}`;
const lastSuccess = successAt(N - 1);
/** When the window (and grace) of the last success's minute is over. */
const lastWindowEnds = (Number(successBucket(lastSuccess)) + 1) * MINUTE + WINDOW + PRESENCE_GRACE_MS;

/** Every device succeeds, goes offline 30 s later and, unless bricked, is back 2 min after its success. */
async function stageWith(bricked: (i: number) => boolean) {
  const health = new FakeHealthStore();
  const executions = new FakeExecutions();
  const clock = fakeClock(T0);
  const okBuckets: Record<string, number> = {};
  for (let i = 0; i < N; i++) {
    const at = successAt(i);
    executions.set(JOB_ID, thing(i), { status: 'SUCCEEDED', statusDetails: {} });
    clock.set(at);
    await watchSuccess({ health }, ROLLOUT_ID, 0, healthOf(rollout), success(thing(i), at));
    // The tracker's counters: one atomic ADD to the success's minute.
    okBuckets[successBucket(at)] = (okBuckets[successBucket(at)] ?? 0) + 1;
    clock.set(at + 30_000);
    await trackPresence(lifecycle(thing(i), 'disconnected', at + 30_000, 1), { health, clock });
    if (bricked(i)) continue;
    clock.set(at + 2 * MINUTE);
    await trackPresence(lifecycle(thing(i), 'connected', at + 2 * MINUTE, 2), { health, clock });
  }
  return { health, executions, okBuckets };
}

/** Reconcile from `from` on: assess, judge on the job, and look again when health says, until decided. */
async function reconcileUntilDecided(world: Awaited<ReturnType<typeof stageWith>>, from: number) {
  const decisions: { at: number; outcome: string; failed: number }[] = [];
  for (let now: number | undefined = from; now !== undefined; ) {
    await assessHealth(
      { health: world.health, executions: world.executions, packages: new FakePackages() },
      rollout,
      stageOf(N),
      now,
    );
    const stage: Stage = {
      ...stageOf(N),
      okBuckets: world.okBuckets,
      ...world.health.stageItem(ROLLOUT_ID, 0),
    };
    const decision = judgeStageOnJob(rollout, stage, finishedJob(N, N, now), now);
    decisions.push({ at: now, outcome: decision.outcome, failed: decision.evidence.failed });
    if (decision.outcome !== 'CONTINUE') break;
    const planned = rollout.plan.stages[0];
    now = planned ? nextHealthChange(planned, stage, now) : undefined;
  }
  return decisions;
}

describe('the gate on a health-gated stage', () => {
  it('promotes a stage whose devices all came back, only once the last window is over', async () => {
    // Prepare
    const world = await stageWith(() => false);

    // Act
    const decisions = await reconcileUntilDecided(world, lastSuccess + MINUTE);

    // Assess
    expect(decisions.at(-1)).toEqual({ at: lastWindowEnds, outcome: 'PROMOTE', failed: 0 });
    expect(decisions.slice(0, -1).every((d) => d.outcome === 'CONTINUE' && d.at < lastWindowEnds)).toBe(true);
  });

  it('does not promote a millisecond before the last window is over', async () => {
    // Prepare
    const world = await stageWith(() => false);

    // Act
    const [decision] = await reconcileUntilDecided(world, lastWindowEnds - 1);

    // Assess
    expect(decision).toEqual({ at: lastWindowEnds - 1, outcome: 'CONTINUE', failed: 0 });
  });

  it('halts a stage where 3 % of the successes never reconnect, once their windows are over', async () => {
    // Prepare: every 33rd device bricked (18 of 600), spread over all five minutes of successes.
    const world = await stageWith((i) => i % 33 === 32);

    // Act
    const decisions = await reconcileUntilDecided(world, lastSuccess + MINUTE);

    // Assess
    expect(decisions.at(-1)).toMatchObject({ outcome: 'HALT' });
    expect(decisions.at(-1)?.at).toBeLessThanOrEqual(lastWindowEnds);
    expect(decisions.slice(0, -1).every((d) => d.outcome === 'CONTINUE')).toBe(true);
  });

  it('counts the bricked devices as failures once the last window is over', async () => {
    // Prepare
    const world = await stageWith((i) => i % 33 === 32);

    // Act
    const [decision] = await reconcileUntilDecided(world, lastWindowEnds);

    // Assess
    expect(decision).toEqual({ at: lastWindowEnds, outcome: 'HALT', failed: 18 });
  });

  it('does not halt before the window of a bricked device is over: the job alone shows only successes', async () => {
    // Prepare
    const world = await stageWith((i) => i % 33 === 32);
    const firstBrickedEnds = successAt(32) + WINDOW + PRESENCE_GRACE_MS;

    // Act
    const [decision] = await reconcileUntilDecided(world, firstBrickedEnds - 1);

    // Assess
    expect(decision).toEqual({ at: firstBrickedEnds - 1, outcome: 'CONTINUE', failed: 0 });
  });
});

describe('the shortest gate deadline a plan may have with a reconnect window', () => {
  const gate = (deadlineMinutes: number) => ({ deadlineMinutes, failureThreshold: 0.5 });
  const job = { inProgressTimeoutMinutes: 1 };

  /** The shortest deadline resolvePlan accepts for a 10-minute window (devices time out after a minute). */
  function shortestDeadline(): number {
    for (let minutes = 10; minutes <= 20; minutes++) {
      try {
        healthRollout({ reconnectMinutes: 10 }, gate(minutes), job);
        return minutes;
      } catch {}
    }
    throw new Error('no deadline up to 20 minutes accepted');
  }

  it('lets a device that succeeded as the stage started, and came back, count as a success by the deadline', async () => {
    // Prepare: 20 devices succeed in the stage's first second, reboot and are back a minute later.
    const deadline = shortestDeadline();
    const rollout = healthRollout({ reconnectMinutes: 10 }, gate(deadline), job);
    const health = new FakeHealthStore();
    const clock = fakeClock(T0);
    const okBuckets: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      await watchSuccess({ health }, ROLLOUT_ID, 0, healthOf(rollout), success(thing(i), T0 + 500));
      okBuckets[successBucket(T0 + 500)] = (okBuckets[successBucket(T0 + 500)] ?? 0) + 1;
      clock.set(T0 + MINUTE);
      await trackPresence(lifecycle(thing(i), 'disconnected', T0 + 30_000), { health, clock });
      await trackPresence(lifecycle(thing(i), 'connected', T0 + MINUTE), { health, clock });
    }
    const now = T0 + deadline * MINUTE;
    await assessHealth(
      { health, executions: new FakeExecutions(), packages: new FakePackages() },
      rollout,
      stageOf(20),
      now,
    );
    const stage: Stage = { ...stageOf(20), okBuckets, ...health.stageItem(ROLLOUT_ID, 0) };

    // Act
    const decision = judgeStageOnJob(rollout, stage, finishedJob(20, 20, now), now);

    // Assess: not inconclusive at the deadline with every device healthy.
    expect(decision.outcome).toBe('PROMOTE');
  });
});
