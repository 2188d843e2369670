import { describe, expect, it } from 'vitest';
import type { StageCounts } from '../../../shared/domain/gate';
import { PRESENCE_GRACE_MS } from '../../../shared/domain/rollout/health-presence';
import type { ResolvedStage } from '../../../shared/domain/rollout/plan';
import {
  countsWithHealth,
  FOLD_AT,
  FOLD_MAX,
  foldableBuckets,
  nextHealthChange,
  type StageHealth,
} from '../../../shared/domain/rollout/stage-health';
import { bucketsOf, healthRollout, MINUTE, T0 } from './fixture';

const WINDOW = 10 * MINUTE;
const planned = (health: Parameters<typeof healthRollout>[0]): ResolvedStage => {
  const stage = healthRollout(health).plan.stages[0];
  if (!stage) throw new Error('no stage');
  return stage;
};
const reconnect = planned({ reconnectMinutes: 10 });
const selfCheckOnly = planned({ selfCheck: { selfTest: { equals: 'pass' } } });
const counts: StageCounts = { targets: 100, started: 60, succeeded: 50, failed: 2, excluded: 0 };
const judged = (over: Partial<StageHealth>): StageHealth => ({
  unhealthy: 0,
  unjudged: 0,
  checkedAt: T0,
  examples: [],
  ...over,
});
// 50 successes in minute 3 after T0, as the tracker's buckets hold them.
const buckets = bucketsOf(Array.from({ length: 50 }, (_, i) => T0 + 3 * MINUTE + i * 1_000));
const released = T0 + 4 * MINUTE + WINDOW + PRESENCE_GRACE_MS;

describe('countsWithHealth', () => {
  it('leaves the counts of a stage without health alone', () => {
    // Prepare
    const plain = { ...reconnect, health: undefined };

    // Act
    const seen = countsWithHealth(plain, { health: judged({ unhealthy: 5 }) }, counts, released);

    // Assess
    expect(seen).toEqual(counts);
  });

  it('counts successes still inside their window as running, not succeeded', () => {
    // Act
    const seen = countsWithHealth(reconnect, { okBuckets: buckets }, counts, released - 1);

    // Assess
    expect(seen).toEqual({ ...counts, succeeded: 0 });
  });

  it('counts them as successes once the window of the last of them and the grace are over', () => {
    // Act
    const seen = countsWithHealth(reconnect, { okBuckets: buckets }, counts, released);

    // Assess
    expect(seen).toEqual(counts);
  });

  it('counts the successes the job shows but no event has yet as running', () => {
    // Prepare: the job shows 50 successes, the events 40 (the job is ahead of its events).
    const seenSoFar = bucketsOf(Array.from({ length: 40 }, () => T0 + 3 * MINUTE));

    // Act
    const seen = countsWithHealth(reconnect, { okBuckets: seenSoFar }, counts, released);

    // Assess
    expect(seen.succeeded).toBe(40);
  });

  it('counts unhealthy successes as failures', () => {
    // Act
    const seen = countsWithHealth(
      reconnect,
      { okBuckets: buckets, health: judged({ unhealthy: 4 }) },
      counts,
      released,
    );

    // Assess
    expect(seen).toEqual({ ...counts, succeeded: 46, failed: 6 });
  });

  it('counts suspects not judged yet as running', () => {
    // Act
    const seen = countsWithHealth(
      selfCheckOnly,
      { okBuckets: buckets, health: judged({ unjudged: 3 }) },
      counts,
      released,
    );

    // Assess
    expect(seen).toEqual({ ...counts, succeeded: 47 });
  });

  it("counts a self-check-only stage's successes at once: it has no window", () => {
    // Act
    const seen = countsWithHealth(selfCheckOnly, { okBuckets: buckets }, counts, T0 + 3 * MINUTE);

    // Assess
    expect(seen).toEqual(counts);
  });

  it("counts a self-check-only stage's successes no event has shown yet as running: their self-check is unknown", () => {
    // Prepare: the job shows 50 successes, the events 45 (their self-checks not read yet).
    const seenSoFar = bucketsOf(Array.from({ length: 45 }, () => T0 + 3 * MINUTE));

    // Act
    const seen = countsWithHealth(selfCheckOnly, { okBuckets: seenSoFar }, counts, released);

    // Assess
    expect(seen.succeeded).toBe(45);
  });

  it('counts the successes of a stage watching only alarms at once', () => {
    // Act
    const seen = countsWithHealth(planned({ alarms: { names: ['errors'] } }), {}, counts, T0);

    // Assess
    expect(seen).toEqual(counts);
  });

  it("estimates with the tracker's count of failed self-checks when it is ahead of Reconcile's verdicts", () => {
    // Prepare
    const item = { okBuckets: buckets, suspects: { selfCheck: 7 }, health: judged({ unhealthy: 2 }) };

    // Act
    const decided = countsWithHealth(reconnect, item, counts, released);
    const estimated = countsWithHealth(reconnect, item, counts, released, true);

    // Assess: the decision counts only verdicts.
    expect(decided.failed).toBe(4);
    expect(estimated.failed).toBe(9);
  });
});

describe('nextHealthChange', () => {
  it("is the end of the earliest bucket's window and grace", () => {
    // Prepare
    const two = { ...buckets, ...bucketsOf([T0 + 5 * MINUTE]) };

    // Act
    const next = nextHealthChange(reconnect, { okBuckets: two }, T0 + 6 * MINUTE);

    // Assess
    expect(next).toBe(released);
  });

  it('is a pending suspect’s window end when that comes first', () => {
    // Act
    const next = nextHealthChange(
      reconnect,
      { okBuckets: buckets, health: judged({ nextCheckAt: released - 5_000 }) },
      T0 + 6 * MINUTE,
    );

    // Assess
    expect(next).toBe(released - 5_000);
  });

  it('is undefined once every window is over and no suspect is pending', () => {
    // Act
    const next = nextHealthChange(
      reconnect,
      { okBuckets: buckets, health: judged({ nextCheckAt: released - 1 }) },
      released,
    );

    // Assess
    expect(next).toBeUndefined();
  });

  it('ignores buckets emptied by a success that turned into something else', () => {
    // Act
    const next = nextHealthChange(reconnect, { okBuckets: { [String(T0 / MINUTE + 3)]: 0 } }, T0);

    // Assess
    expect(next).toBeUndefined();
  });
});

describe('the estimate after Reconcile dismissed self-check suspects', () => {
  it('no longer counts the suspects Reconcile found healthy (forged events): the waiting gate would wake itself', () => {
    // Prepare: 30 failing self-checks on the events, all passing on DescribeJobExecution.
    const item = {
      okBuckets: buckets,
      suspects: { selfCheck: 30 },
      health: judged({ dismissedSelfChecks: 30 }),
    };

    // Act
    const estimated = countsWithHealth(selfCheckOnly, item, counts, released, true);

    // Assess
    expect(estimated).toEqual(counts);
  });

  it('still counts the ones not judged yet', () => {
    // Prepare
    const item = {
      okBuckets: buckets,
      suspects: { selfCheck: 30 },
      health: judged({ dismissedSelfChecks: 20 }),
    };

    // Act
    const estimated = countsWithHealth(selfCheckOnly, item, counts, released, true);

    // Assess
    expect(estimated.failed).toBe(counts.failed + 10);
  });
});

describe('folding ended success buckets (a stage item stays under DynamoDB 400 KB)', () => {
  const minutes = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [String(Math.floor(T0 / MINUTE) + i), 2]));
  const afterAll = T0 + 200 * MINUTE + WINDOW + PRESENCE_GRACE_MS;

  it('folds nothing until FOLD_AT buckets have ended', () => {
    expect(foldableBuckets(reconnect, { okBuckets: minutes(FOLD_AT - 1) }, afterAll)).toEqual({});
  });

  it('folds at most FOLD_MAX ended buckets, never one whose window is still open', () => {
    const okBuckets = minutes(150);
    const now = T0 + 120 * MINUTE + MINUTE + WINDOW + PRESENCE_GRACE_MS;
    const folded = foldableBuckets(reconnect, { okBuckets }, now);
    expect(Object.keys(folded)).toHaveLength(FOLD_MAX);
    expect(
      Object.keys(folded).every((b) => Number(b) * MINUTE + MINUTE + WINDOW + PRESENCE_GRACE_MS <= now),
    ).toBe(true);
  });

  it('counts folded successes as seen and ended: the gate treats them as before the fold', () => {
    const okBuckets = minutes(100);
    const before = countsWithHealth(
      reconnect,
      { okBuckets },
      { ...counts, succeeded: 200, started: 200 },
      afterAll,
    );
    const folded = foldableBuckets(reconnect, { okBuckets }, afterAll);
    const rest = Object.fromEntries(Object.entries(okBuckets).filter(([b]) => !(b in folded)));
    const okMatured = Object.values(folded).reduce((a, b) => a + b, 0);
    const after = countsWithHealth(
      reconnect,
      { okBuckets: rest, okMatured },
      { ...counts, succeeded: 200, started: 200 },
      afterAll,
    );
    expect(after).toEqual(before);
    expect(after.succeeded).toBe(200);
  });
});
