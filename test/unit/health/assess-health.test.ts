import { describe, expect, it } from 'vitest';
import { PRESENCE_GRACE_MS } from '../../../shared/domain/rollout/health-presence';
import { nextHealthChange } from '../../../shared/domain/rollout/stage-health';
import { assessHealth, MAX_CONFIRMATIONS } from '../../../shared/services/health-assess';
import type { ExecutionRead, Suspect } from '../../../shared/services/health-ports';
import { FakeExecutions, FakeHealthStore, FakePackages } from '../../fakes/health-store';
import { healthRollout, JOB_ID, MINUTE, ROLLOUT_ID, stageOf, T0 } from './fixture';

const WINDOW = 10 * MINUTE;
const AT = T0 + 5 * MINUTE;
const FINAL = AT + WINDOW + PRESENCE_GRACE_MS;
const selfCheck = { selfTest: { equals: 'pass' } };
const rollout = healthRollout({ reconnectMinutes: 10, selfCheck });
const stage = stageOf(200);
const PASSED = { status: 'SUCCEEDED', statusDetails: { selfTest: 'pass' } };
const FAILED_CHECK = { status: 'SUCCEEDED', statusDetails: { selfTest: 'fail' } };

const suspect = (thing: string, reason: Suspect['reason']): Suspect => ({
  rolloutId: ROLLOUT_ID,
  stageIndex: 0,
  thingName: thing,
  jobId: JOB_ID,
  reason,
  succeededAt: AT,
  windowMs: reason === 'reconnect' ? WINDOW : 0,
});

/** A store with the suspects, t-N offline from a minute after its success, and IoT's executions. */
async function world(suspects: Suspect[], execution: ExecutionRead = PASSED) {
  const health = new FakeHealthStore();
  const executions = new FakeExecutions();
  for (const s of suspects) {
    await health.putSuspect(s);
    executions.set(JOB_ID, s.thingName, execution);
    if (s.reason === 'reconnect')
      await health.recordPresence(s.thingName, { at: AT + MINUTE, connected: false }, AT + MINUTE);
  }
  return { health, executions, deps: { health, executions, packages: new FakePackages() } };
}

const verdicts = async (health: FakeHealthStore) =>
  (await health.suspects(ROLLOUT_ID, 0)).map((s) => `${s.thingName}#${s.reason}:${s.verdict ?? 'open'}`);

describe('assessHealth: the reconnect window', () => {
  it('leaves an offline device unjudged until its window and the grace are over, and says when to look', async () => {
    // Prepare
    const w = await world([suspect('t-1', 'reconnect')]);

    // Act
    const health = await assessHealth(w.deps, rollout, stage, FINAL - 1);

    // Assess
    expect(health).toMatchObject({ unhealthy: 0, unjudged: 0, nextCheckAt: FINAL });
    expect(await verdicts(w.health)).toEqual(['t-1#reconnect:open']);
    expect(w.executions.calls).toEqual([]);
  });

  it('judges a device still offline when its window and the grace are over unhealthy', async () => {
    // Prepare
    const w = await world([suspect('t-1', 'reconnect')]);

    // Act
    const health = await assessHealth(w.deps, rollout, stage, FINAL);

    // Assess
    expect(health).toMatchObject({ unhealthy: 1, unjudged: 0, checkedAt: FINAL });
    expect(health?.examples).toEqual([
      {
        thingName: 't-1',
        reason: 'reconnect',
        evidence:
          'disconnected at 2027-03-01T00:06:00.000Z and not back within 10 min of its success at 2027-03-01T00:05:00.000Z',
      },
    ]);
    expect(w.health.stageItem(ROLLOUT_ID, 0).health).toEqual(health);
  });

  it('judges a device that came back within its window healthy at once, without asking AWS IoT', async () => {
    // Prepare
    const w = await world([suspect('t-1', 'reconnect')]);
    await w.health.recordPresence('t-1', { at: AT + 3 * MINUTE, connected: true }, AT + 3 * MINUTE);

    // Act
    const health = await assessHealth(w.deps, rollout, stage, AT + 4 * MINUTE);

    // Assess
    expect(health).toMatchObject({ unhealthy: 0, unjudged: 0 });
    expect(health?.nextCheckAt).toBeUndefined();
    expect(await verdicts(w.health)).toEqual(['t-1#reconnect:healthy']);
    expect(w.executions.calls).toEqual([]);
  });

  it('dismisses a suspect whose execution AWS IoT no longer shows SUCCEEDED: the job counts it', async () => {
    // Prepare
    const w = await world([suspect('t-1', 'reconnect')], { status: 'FAILED', statusDetails: {} });

    // Act
    const health = await assessHealth(w.deps, rollout, stage, FINAL);

    // Assess
    expect(health?.unhealthy).toBe(0);
    expect((await w.health.suspects(ROLLOUT_ID, 0))[0]).toMatchObject({
      verdict: 'healthy',
      evidence: 'execution is FAILED: the job counts it',
    });
  });

  it('dismisses a suspect whose execution AWS IoT does not know', async () => {
    // Prepare
    const w = await world([suspect('t-1', 'reconnect')]);
    w.executions.executions.clear();

    // Act
    const health = await assessHealth(w.deps, rollout, stage, FINAL);

    // Assess
    expect(health?.unhealthy).toBe(0);
    expect(await verdicts(w.health)).toEqual(['t-1#reconnect:healthy']);
  });
});

describe('assessHealth: the self-check', () => {
  it("judges on DescribeJobExecution's statusDetails: a forged event's failing self-check is dismissed", async () => {
    // Prepare: the event said selfTest=fail; the execution AWS IoT reports passes.
    const w = await world([suspect('t-1', 'selfCheck')], PASSED);

    // Act
    const health = await assessHealth(w.deps, rollout, stage, AT + MINUTE);

    // Assess
    expect(health?.unhealthy).toBe(0);
    expect(w.executions.calls).toEqual([`${JOB_ID}/t-1`]);
    expect((await w.health.suspects(ROLLOUT_ID, 0))[0]).toMatchObject({
      verdict: 'healthy',
      evidence: 'self-check passes on the execution AWS IoT reports',
    });
  });

  it('judges a self-check that fails on the execution AWS IoT reports unhealthy, at once', async () => {
    // Prepare
    const w = await world([suspect('t-1', 'selfCheck')], FAILED_CHECK);

    // Act
    const health = await assessHealth(w.deps, rollout, stage, AT + MINUTE);

    // Assess
    expect(health).toMatchObject({
      unhealthy: 1,
      examples: [
        {
          thingName: 't-1',
          reason: 'selfCheck',
          evidence: 'self-check: selfTest is "fail", expected "pass"',
        },
      ],
    });
  });

  it('counts a device that both fails its self-check and stays offline once', async () => {
    // Prepare
    const w = await world([suspect('t-1', 'selfCheck'), suspect('t-1', 'reconnect')], FAILED_CHECK);

    // Act
    const health = await assessHealth(w.deps, rollout, stage, FINAL);

    // Assess
    expect(await verdicts(w.health)).toEqual(['t-1#reconnect:unhealthy', 't-1#selfCheck:unhealthy']);
    expect(health?.unhealthy).toBe(1);
  });
});

describe('assessHealth: bounded work, final verdicts', () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => suspect(`t-${String(i).padStart(3, '0')}`, 'selfCheck'));

  it(`confirms at most ${MAX_CONFIRMATIONS} suspects a call and counts the rest as unjudged`, async () => {
    // Prepare
    const w = await world(many(MAX_CONFIRMATIONS + 5), FAILED_CHECK);

    // Act
    const health = await assessHealth(w.deps, rollout, stage, AT + MINUTE);

    // Assess
    expect(w.executions.calls).toHaveLength(MAX_CONFIRMATIONS);
    expect(health).toMatchObject({ unhealthy: MAX_CONFIRMATIONS, unjudged: 5 });
  });

  it('judges the ones left on the next call', async () => {
    // Prepare
    const w = await world(many(MAX_CONFIRMATIONS + 5), FAILED_CHECK);
    await assessHealth(w.deps, rollout, stage, AT + MINUTE);

    // Act
    const health = await assessHealth(w.deps, rollout, stage, AT + 2 * MINUTE);

    // Assess
    expect(w.executions.calls).toHaveLength(MAX_CONFIRMATIONS + 5);
    expect(health).toMatchObject({ unhealthy: MAX_CONFIRMATIONS + 5, unjudged: 0 });
  });

  it('asks Reconcile to come back at once while suspects are left unjudged', async () => {
    // Prepare: nothing else would bring Reconcile back before the gate's own recheck (the deadline).
    const w = await world(many(MAX_CONFIRMATIONS + 5), FAILED_CHECK);
    const now = AT + MINUTE;

    // Act
    const health = await assessHealth(w.deps, rollout, stage, now);

    // Assess
    const planned = rollout.plan.stages[0];
    if (!planned || !health) throw new Error('no stage health');
    const next = nextHealthChange(planned, { health }, now);
    expect(next).toBeDefined();
    expect((next as number) - now).toBeLessThanOrEqual(1_000);
  });

  it('never changes a verdict: a late reconnect or a changed execution does not rescue a device', async () => {
    // Prepare
    const w = await world([suspect('t-1', 'reconnect')]);
    await assessHealth(w.deps, rollout, stage, FINAL);
    await w.health.recordPresence('t-1', { at: AT + 2 * MINUTE, connected: true }, FINAL + MINUTE);
    w.executions.set(JOB_ID, 't-1', { status: 'FAILED', statusDetails: {} });

    // Act
    const health = await assessHealth(w.deps, rollout, stage, FINAL + MINUTE);

    // Assess
    expect(health?.unhealthy).toBe(1);
    expect(await verdicts(w.health)).toEqual(['t-1#reconnect:unhealthy']);
    expect(w.executions.calls).toHaveLength(1);
  });

  it('gives nothing and reads nothing for a stage without health', async () => {
    // Prepare
    const w = await world([suspect('t-1', 'selfCheck')]);
    const plain = {
      ...rollout,
      plan: { ...rollout.plan, stages: rollout.plan.stages.map(({ health: _h, ...s }) => s) },
    };

    // Act
    const health = await assessHealth(w.deps, plain, stage, FINAL);

    // Assess
    expect(health).toBeUndefined();
    expect(w.executions.calls).toEqual([]);
    expect(w.health.stageItem(ROLLOUT_ID, 0).health).toBeUndefined();
  });
});

describe('assessHealth: what the estimate needs', () => {
  it('counts the self-check suspects it dismissed, across calls', async () => {
    // Prepare
    const w = await world([suspect('t-1', 'selfCheck'), suspect('t-2', 'selfCheck')], PASSED);
    await assessHealth(w.deps, rollout, stage, AT + MINUTE);
    await w.health.putSuspect(suspect('t-3', 'selfCheck'));
    w.executions.set(JOB_ID, 't-3', FAILED_CHECK);

    // Act
    const health = await assessHealth(w.deps, rollout, stage, AT + 2 * MINUTE);

    // Assess
    expect(health).toMatchObject({ unhealthy: 1, dismissedSelfChecks: 2 });
  });
});

describe('assessHealth: where the unhealthy sit in the start order', () => {
  it('keeps each unhealthy device execution start once, oldest first, for the gate prefix rule', async () => {
    // Prepare: t-1 fails both signals; t-2 only its reconnect; both started before their success.
    const w = await world([
      suspect('t-1', 'reconnect'),
      suspect('t-1', 'selfCheck'),
      suspect('t-2', 'reconnect'),
    ]);
    w.executions.set(JOB_ID, 't-1', { ...FAILED_CHECK, startedAt: T0 + 2 * MINUTE });
    w.executions.set(JOB_ID, 't-2', { ...PASSED, startedAt: T0 + MINUTE });

    // Act
    const health = await assessHealth(w.deps, rollout, stage, FINAL);

    // Assess
    expect(health).toMatchObject({ unhealthy: 2, unhealthyStarts: [T0 + MINUTE, T0 + 2 * MINUTE] });
  });

  it('gives no starts for a suspect dismissed on the execution AWS IoT reports', async () => {
    // Prepare
    const w = await world([suspect('t-1', 'selfCheck')], { ...PASSED, startedAt: T0 });

    // Act
    const health = await assessHealth(w.deps, rollout, stage, FINAL);

    // Assess
    expect(health?.unhealthy).toBe(0);
    expect(health).not.toHaveProperty('unhealthyStarts');
  });
});
