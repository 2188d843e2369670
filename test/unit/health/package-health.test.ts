import { describe, expect, it } from 'vitest';
import type { StageCounts } from '../../../shared/domain/gate';
import { PACKAGE_SETTLE_MS } from '../../../shared/domain/rollout/health-package';
import { PRESENCE_GRACE_MS } from '../../../shared/domain/rollout/health-presence';
import type { ResolvedStage } from '../../../shared/domain/rollout/plan';
import {
  countsWithHealth,
  healthLookSeconds,
  nextHealthChange,
  type StageHealth,
} from '../../../shared/domain/rollout/stage-health';
import { assessHealth } from '../../../shared/services/health-assess';
import type { Suspect } from '../../../shared/services/health-ports';
import { watchSuccess } from '../../../shared/services/health-success';
import { FakeExecutions, FakeHealthStore, FakePackages } from '../../fakes/health-store';
import {
  bucketsOf,
  healthOf,
  healthRollout,
  JOB_ID,
  MINUTE,
  packageVersionArn,
  ROLLOUT_ID,
  stageOf,
  success,
  T0,
} from './fixture';

const FW = packageVersionArn('fw', '3.1.0');
const CFG = packageVersionArn('cfg', '7');
const rollout = healthRollout({}, {}, { destinationPackageVersions: [FW, CFG] });
const planned = (r = rollout): ResolvedStage => {
  const stage = r.plan.stages[0];
  if (!stage) throw new Error('no stage');
  return stage;
};
const AT = T0 + 5 * MINUTE;
const SETTLED = AT + PACKAGE_SETTLE_MS;
const RUNS = { fw: '3.1.0', cfg: '7' };
const SUCCEEDED = { status: 'SUCCEEDED', statusDetails: {} };

const suspect = (thing: string, reason: Suspect['reason'] = 'package'): Suspect => ({
  rolloutId: ROLLOUT_ID,
  stageIndex: 0,
  thingName: thing,
  jobId: JOB_ID,
  reason,
  succeededAt: AT,
  windowMs: reason === 'package' ? PACKAGE_SETTLE_MS : 0,
});

/** A store with the suspects, each execution SUCCEEDED as AWS IoT reports it, and no shadows yet. */
async function world(suspects: Suspect[]) {
  const health = new FakeHealthStore();
  const executions = new FakeExecutions();
  const packages = new FakePackages();
  for (const s of suspects) {
    await health.putSuspect(s);
    executions.set(JOB_ID, s.thingName, SUCCEEDED);
  }
  return { health, executions, packages, deps: { health, executions, packages } };
}

const verdicts = async (health: FakeHealthStore) =>
  (await health.suspects(ROLLOUT_ID, 0)).map((s) => `${s.thingName}#${s.reason}:${s.verdict ?? 'open'}`);

describe('stage health: the package settle time', () => {
  const counts: StageCounts = { targets: 100, started: 60, succeeded: 50, failed: 2, excluded: 0 };
  // 50 successes in minute 3 after T0, as the tracker's buckets hold them.
  const buckets = bucketsOf(Array.from({ length: 50 }, (_, i) => T0 + 3 * MINUTE + i * 1_000));
  const released = T0 + 4 * MINUTE + PACKAGE_SETTLE_MS + PRESENCE_GRACE_MS;
  const judged = (unhealthy: number): StageHealth => ({
    unhealthy,
    unjudged: 0,
    checkedAt: T0,
    examples: [],
  });

  it('counts a success whose shadow has not settled as running, not succeeded', () => {
    // Act
    const seen = countsWithHealth(planned(), { okBuckets: buckets }, counts, released - 1);

    // Assess
    expect(seen).toEqual({ ...counts, succeeded: 0 });
  });

  it('counts it once its minute has settled, and the judged mismatches as failures', () => {
    // Act
    const seen = countsWithHealth(planned(), { okBuckets: buckets, health: judged(3) }, counts, released);

    // Assess
    expect(seen).toEqual({ ...counts, succeeded: 47, failed: 5 });
  });

  it('does not count the package suspects the tracker made as failures in the estimate', () => {
    // Prepare: every success is a package suspect until Reconcile reads its shadow.
    const item = { okBuckets: buckets, suspects: { package: 50 }, health: judged(0) };

    // Act
    const seen = countsWithHealth(planned(), item, counts, released, true);

    // Assess
    expect(seen).toEqual(counts);
  });

  it('says when the last settle time ends, so Reconcile looks then', () => {
    // Act
    const next = nextHealthChange(planned(), { okBuckets: buckets }, T0 + 4 * MINUTE);

    // Assess
    expect(next).toBe(released);
  });

  it('waits the longer of a reconnect window and the settle time', () => {
    // Prepare
    const both = planned(healthRollout({ reconnectMinutes: 1 }, {}, { destinationPackageVersions: [FW] }));
    const longer = planned(healthRollout({ reconnectMinutes: 30 }, {}, { destinationPackageVersions: [FW] }));

    // Act
    const looks = [healthLookSeconds(both), healthLookSeconds(longer), healthLookSeconds(planned())];

    // Assess
    expect(looks).toEqual([240, 30 * 60 + 120, 240]);
  });
});

describe('watchSuccess: package versions', () => {
  it('makes every success a package suspect, judged once the settle time is over', async () => {
    // Prepare
    const health = new FakeHealthStore();

    // Act
    await watchSuccess({ health }, ROLLOUT_ID, 0, healthOf(rollout), success('t-1', AT));

    // Assess
    expect(await health.suspects(ROLLOUT_ID, 0)).toEqual([
      {
        rolloutId: ROLLOUT_ID,
        stageIndex: 0,
        thingName: 't-1',
        jobId: JOB_ID,
        reason: 'package',
        succeededAt: AT,
        windowMs: PACKAGE_SETTLE_MS,
      },
    ]);
    expect(health.stageItem(ROLLOUT_ID, 0).suspects).toEqual({ package: 1 });
  });

  it('creates the suspect once however often the success is redelivered', async () => {
    // Prepare
    const health = new FakeHealthStore();

    // Act
    for (let i = 0; i < 3; i++)
      await watchSuccess({ health }, ROLLOUT_ID, 0, healthOf(rollout), success('t-1', AT));

    // Assess
    expect(health.stageItem(ROLLOUT_ID, 0).suspects).toEqual({ package: 1 });
  });

  it('writes nothing for a stage that turned the check off', async () => {
    // Prepare
    const health = new FakeHealthStore();
    const off = healthRollout(
      { packageVersion: false, selfCheck: { selfTest: { equals: 'pass' } } },
      {},
      { destinationPackageVersions: [FW] },
    );

    // Act
    await watchSuccess({ health }, ROLLOUT_ID, 0, healthOf(off), success('t-1', AT, { selfTest: 'pass' }));

    // Assess
    expect(health.writes).toEqual([]);
  });
});

describe('assessHealth: package versions', () => {
  it('leaves a success open until its settle time is over, reading nothing, and says when to look', async () => {
    // Prepare
    const w = await world([suspect('t-1')]);

    // Act
    const health = await assessHealth(w.deps, rollout, stageOf(10), SETTLED - 1);

    // Assess
    expect(health).toMatchObject({ unhealthy: 0, unjudged: 0, nextCheckAt: SETTLED });
    expect(await verdicts(w.health)).toEqual(['t-1#package:open']);
    expect([w.packages.reads, w.executions.calls]).toEqual([[], []]);
  });

  it('judges a device that reports every target version healthy on its shadow alone', async () => {
    // Prepare
    const w = await world([suspect('t-1')]);
    w.packages.report('t-1', RUNS);

    // Act
    const health = await assessHealth(w.deps, rollout, stageOf(10), SETTLED);

    // Assess
    expect(health).toMatchObject({ unhealthy: 0, unjudged: 0 });
    expect((await w.health.suspects(ROLLOUT_ID, 0))[0]).toMatchObject({
      verdict: 'healthy',
      evidence: 'reports 7 for package cfg, 3.1.0 for package fw',
    });
    expect(w.executions.calls).toEqual([]);
  });

  it('judges a device that reports another version unhealthy, confirmed on its execution', async () => {
    // Prepare
    const w = await world([suspect('t-1')]);
    w.packages.report('t-1', { fw: '2.4.1', cfg: '7' });

    // Act
    const health = await assessHealth(w.deps, rollout, stageOf(10), SETTLED);

    // Assess
    expect(health).toMatchObject({
      unhealthy: 1,
      examples: [
        { thingName: 't-1', reason: 'package', evidence: 'reports 2.4.1 for package fw, expected 3.1.0' },
      ],
    });
    expect(w.executions.calls).toEqual([`${JOB_ID}/t-1`]);
    expect(w.health.stageItem(ROLLOUT_ID, 0).health).toEqual(health);
  });

  it('judges a device whose shadow lacks a package of the job unhealthy', async () => {
    // Prepare
    const w = await world([suspect('t-1')]);
    w.packages.report('t-1', { fw: '3.1.0' });

    // Act
    const health = await assessHealth(w.deps, rollout, stageOf(10), SETTLED);

    // Assess
    expect(health?.examples[0]?.evidence).toBe('reports no version for package cfg, expected 7');
  });

  it('judges a device without a $package shadow unhealthy: nothing says it runs the update', async () => {
    // Prepare
    const w = await world([suspect('t-1')]);

    // Act
    const health = await assessHealth(w.deps, rollout, stageOf(10), SETTLED);

    // Assess
    expect(health?.unhealthy).toBe(1);
    expect(health?.examples[0]?.evidence).toMatch(/^no \$package shadow/);
  });

  it('dismisses a mismatch whose execution AWS IoT no longer shows SUCCEEDED: the job counts it', async () => {
    // Prepare
    const w = await world([suspect('t-1')]);
    w.packages.report('t-1', { fw: '2.4.1', cfg: '7' });
    w.executions.set(JOB_ID, 't-1', { status: 'FAILED', statusDetails: {} });

    // Act
    const health = await assessHealth(w.deps, rollout, stageOf(10), SETTLED);

    // Assess
    expect(health?.unhealthy).toBe(0);
    expect((await w.health.suspects(ROLLOUT_ID, 0))[0]).toMatchObject({
      verdict: 'healthy',
      evidence: 'execution is FAILED: the job counts it',
    });
  });

  it('never changes a verdict: a device that writes the right version later is not rescued', async () => {
    // Prepare
    const w = await world([suspect('t-1')]);
    w.packages.report('t-1', { fw: '2.4.1', cfg: '7' });
    await assessHealth(w.deps, rollout, stageOf(10), SETTLED);
    w.packages.report('t-1', RUNS);

    // Act
    const health = await assessHealth(w.deps, rollout, stageOf(10), SETTLED + MINUTE);

    // Assess
    expect(health?.unhealthy).toBe(1);
    expect(w.packages.reads).toEqual(['t-1']);
  });

  it('counts a device that fails its self-check and reports the old version once', async () => {
    // Prepare
    const both = healthRollout(
      { selfCheck: { selfTest: { equals: 'pass' } } },
      {},
      { destinationPackageVersions: [FW, CFG] },
    );
    const w = await world([suspect('t-1'), suspect('t-1', 'selfCheck')]);
    w.executions.set(JOB_ID, 't-1', { status: 'SUCCEEDED', statusDetails: { selfTest: 'fail' } });
    w.packages.report('t-1', { fw: '2.4.1', cfg: '7' });

    // Act
    const health = await assessHealth(w.deps, both, stageOf(10), SETTLED);

    // Assess
    expect(await verdicts(w.health)).toEqual(['t-1#package:unhealthy', 't-1#selfCheck:unhealthy']);
    expect(health?.unhealthy).toBe(1);
  });
});
