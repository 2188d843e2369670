import { describe, expect, it } from 'vitest';
import { type ExecutionTerminal, supersedes } from '../../../shared/domain/rollout/job-event';
import type { JobSnapshot } from '../../../shared/domain/rollout/job-snapshot';
import type { Rollout } from '../../../shared/domain/rollout/model';
import type { ApplyResult, CounterOptions } from '../../../shared/services/rollout-store-port';
import { type TrackerDeps, trackExecution } from '../../../shared/services/rollout-tracker';
import { FakeHealthStore } from '../../fakes/health-store';
import { finishedJob, healthRollout, MINUTE, ROLLOUT_ID, stageOf, success, T0 } from './fixture';

const AT = T0 + 5 * MINUTE;
const selfCheck = { selfTest: { equals: 'pass' } };

/** The tracker on a health-gated stage: counters with the store's newest-wins rule, a fresh job read. */
function tracker(rollout: Rollout, health = new FakeHealthStore()) {
  const marks = new Map<string, ExecutionTerminal>();
  const options: CounterOptions[] = [];
  const job: JobSnapshot = { ...finishedJob(100, 0, AT + MINUTE), inProgress: 100 };
  const deps = {
    clock: { now: () => AT + MINUTE },
    actor: 'function:rollout-tracker',
    audit: async () => 'written',
    health,
    counters: async (
      _id: string,
      _i: number,
      e: ExecutionTerminal,
      o: CounterOptions,
    ): Promise<ApplyResult> => {
      options.push(o);
      const current = marks.get(e.thingName);
      if (current?.eventId === e.eventId && current.at === e.at) return 'duplicate';
      if (!supersedes(e, current)) return 'stale';
      marks.set(e.thingName, e);
      return 'applied';
    },
    planned: async (_id: string, i: number) => rollout.plan.stages[i],
    store: {
      getRolloutAndStage: async () => ({ rollout, stage: stageOf(100, { job }) }),
      claimToken: async () => undefined,
    },
    jobs: {},
    tasks: {},
  } as unknown as TrackerDeps;
  return { deps, health, options };
}

describe('the tracker on a health-gated stage', () => {
  it('makes a success that fails its self-check a suspect', async () => {
    // Prepare
    const t = tracker(healthRollout({ selfCheck }));

    // Act
    await trackExecution(success('t-1', AT, { selfTest: 'fail' }), t.deps);

    // Assess
    expect((await t.health.suspects(ROLLOUT_ID, 0)).map((s) => `${s.thingName}#${s.reason}`)).toEqual([
      't-1#selfCheck',
    ]);
  });

  it('makes the suspect on a redelivery when the first delivery failed after counting', async () => {
    // Prepare: the counters applied the event, then the health write failed (the event is redelivered).
    const t = tracker(healthRollout({ selfCheck }));
    const event = success('t-1', AT, { selfTest: 'fail' });
    const putSuspect = t.health.putSuspect.bind(t.health);
    t.health.putSuspect = () => Promise.reject(new Error('throttled'));
    await expect(trackExecution(event, t.deps)).rejects.toThrow('throttled');
    t.health.putSuspect = putSuspect;

    // Act
    const result = await trackExecution(event, t.deps);

    // Assess
    expect(result).toBe('stale');
    expect(await t.health.suspects(ROLLOUT_ID, 0)).toHaveLength(1);
  });

  it("is not blinded by a later success that arrived first: the real event's failed self-check still counts", async () => {
    // Prepare: a success stamped later (forged, or a replay) with passing statusDetails came first.
    const t = tracker(healthRollout({ selfCheck }));
    await trackExecution(success('t-1', AT + 30_000, { selfTest: 'pass' }, 'forged'), t.deps);

    // Act: the real event, now older than the thing's newest mark.
    await trackExecution(success('t-1', AT, { selfTest: 'fail' }), t.deps);

    // Assess: Reconcile confirms the suspect on DescribeJobExecution, whichever event was real.
    expect((await t.health.suspects(ROLLOUT_ID, 0)).map((s) => s.succeededAt)).toEqual([AT]);
  });

  it('keeps per-minute success buckets for a stage with a reconnect window or a self-check', async () => {
    // Prepare
    const withWindow = tracker(healthRollout({ reconnectMinutes: 10 }));
    const withSelfCheck = tracker(healthRollout({ selfCheck }));
    const alarmsOnly = tracker(healthRollout({ alarms: { names: ['errors'] } }));

    // Act
    for (const t of [withWindow, withSelfCheck, alarmsOnly])
      await trackExecution(success('t-1', AT, { selfTest: 'pass' }), t.deps);

    // Assess: the gate counts a success only once its event was seen (its self-check read).
    expect([withWindow, withSelfCheck, alarmsOnly].map((t) => t.options)).toEqual([
      [{ successBuckets: true }],
      [{ successBuckets: true }],
      [{ successBuckets: false }],
    ]);
  });

  it('watches nothing for a failure', async () => {
    // Prepare
    const t = tracker(healthRollout({ reconnectMinutes: 10, selfCheck }));

    // Act
    await trackExecution({ ...success('t-1', AT), status: 'FAILED', outcome: 'failed' }, t.deps);

    // Assess
    expect(t.health.writes).toEqual([]);
  });
});
