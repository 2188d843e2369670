import { afterEach, describe, expect, it } from 'vitest';
import { lambdaServiceError, startHarness, World } from './harness';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function run(world: World) {
  const h = await startHarness(world);
  closers.push(h.close);
  await h.start();
  return h;
}

const WAKE = World.WAKE;
const HALT = { outcome: 'HALT' };
const named = (name: string) => Object.assign(new Error(name), { name });

describe('staged rollout state machine', () => {
  it('promotes through every stage on the tracker wake-ups, each decided by Reconcile, and completes', async () => {
    const world = new World();
    const h = await run(world);
    await h.succeed(world.tokens.gate, WAKE);
    await h.succeed(world.tokens.gate, WAKE);
    expect((await h.status()).status).toBe('SUCCEEDED');
    expect(world.actions()).toEqual([
      'checkpoint',
      'startStage',
      'awaitGate',
      'reconcile',
      'promote',
      'checkpoint',
      'startStage',
      'awaitGate',
      'reconcile',
      'promote',
      'checkpoint',
      'complete',
    ]);
  });

  it('ignores what the wake-up says: a forged PROMOTE sent with the gate token is judged by Reconcile', async () => {
    const world = new World();
    world.reconcile = () => ({ outcome: 'CONTINUE', waitSeconds: 600 });
    const h = await run(world);
    await h.succeed(world.tokens.gate, { outcome: 'PROMOTE', action: 'none', waitSeconds: 1 });
    expect(world.actions()).toEqual(['checkpoint', 'startStage', 'awaitGate', 'reconcile', 'awaitGate']);
    expect(world.actions()).not.toContain('promote');
  });

  it('halts on a HALT decision and goes no further', async () => {
    const world = new World();
    world.reconcile = () => HALT;
    const h = await run(world);
    await h.succeed(world.tokens.gate, WAKE);
    expect((await h.status()).status).toBe('SUCCEEDED');
    expect(world.actions().slice(-1)).toEqual(['halt']);
    const halt = world.calls.at(-1);
    expect(halt).toMatchObject({ stageIndex: 0, state: { gate: { outcome: 'HALT' } } });
    expect(world.actions()).not.toContain('promote');
  });

  it('re-evaluates at the bake end when no event decided, then promotes', async () => {
    const world = new World();
    const h = await run(world);
    await h.advance(1799);
    expect(world.actions()).not.toContain('reconcile');
    await h.advance(1);
    expect(world.actions()).toContain('reconcile');
    expect(world.calls.filter((c) => c.action === 'startStage')).toHaveLength(2);
  });

  it.each([
    ['halt', 'halt'],
    ['promote', 'promote'],
  ])('inconclusive at the deadline with onInconclusive %s does %s', async (action, expected) => {
    const world = new World();
    world.stages = 1;
    world.reconcile = () => ({ outcome: 'INCONCLUSIVE_AT_DEADLINE', action });
    const h = await run(world);
    await h.advance(1800);
    expect(world.actions()).toContain(expected);
    expect(world.actions()).not.toContain('requestApproval');
    expect((await h.status()).status).toBe('SUCCEEDED');
  });

  it('inconclusive with ask: an operator approval promotes, a rejection halts', async () => {
    const world = new World();
    world.stages = 1;
    world.reconcile = () => ({ outcome: 'INCONCLUSIVE_AT_DEADLINE', action: 'ask' });
    const h = await run(world);
    await h.advance(1800);
    expect(world.calls.at(-1)).toMatchObject({ action: 'requestApproval', kind: 'inconclusive' });
    await h.succeed(world.tokens.approval, { decision: 'approved' });
    expect(world.actions().slice(-4)).toEqual(['requestApproval', 'promote', 'checkpoint', 'complete']);

    const rejected = new World();
    rejected.stages = 1;
    rejected.reconcile = world.reconcile;
    const h2 = await run(rejected);
    await h2.advance(1800);
    await h2.fail(rejected.tokens.approval, 'ApprovalRejected', 'not today');
    expect(rejected.actions().at(-1)).toBe('halt');
    expect(rejected.calls.at(-1)?.state).toMatchObject({ error: { Error: 'ApprovalRejected' } });
  });

  it('waits for an approval between stages: granted moves on, expiry halts with a clear record', async () => {
    const world = new World();
    world.approvalRequired = [true];
    const h = await run(world);
    await h.succeed(world.tokens.gate, WAKE);
    expect(world.calls.at(-1)).toMatchObject({ action: 'requestApproval', kind: 'promote' });
    await h.succeed(world.tokens.approval, { decision: 'approved' });
    expect(world.actions().slice(-4)).toEqual(['promote', 'checkpoint', 'startStage', 'awaitGate']);
    expect(world.actions()).toContain('reconcile');

    const expiring = new World();
    expiring.approvalRequired = [true];
    const h2 = await run(expiring);
    await h2.succeed(expiring.tokens.gate, WAKE);
    await h2.advance(3600);
    expect(expiring.actions().slice(-2)).toEqual(['expireApproval', 'halt']);
    expect(expiring.calls.at(-1)?.state).toMatchObject({ error: { Error: 'States.Timeout' } });
    expect((await h2.status()).status).toBe('SUCCEEDED');
  });

  it('pauses while waiting on the gate, resumes into a reconcile, and can be aborted while paused', async () => {
    const world = new World();
    const h = await run(world);
    await h.fail(world.tokens.gate, 'RolloutPaused');
    expect(world.actions().at(-1)).toBe('awaitResume');
    await h.succeed(world.tokens.resume, {});
    // Resume re-evaluates the stage (here PROMOTE) before anything else happens.
    expect(world.actions().slice(-6)).toEqual([
      'awaitResume',
      'reconcile',
      'promote',
      'checkpoint',
      'startStage',
      'awaitGate',
    ]);

    const aborted = new World();
    const h2 = await run(aborted);
    await h2.fail(aborted.tokens.gate, 'RolloutPaused');
    await h2.fail(aborted.tokens.resume, 'RolloutAborted', 'operator abort');
    expect(aborted.actions().slice(-2)).toEqual(['awaitResume', 'abort']);
    expect((await h2.status()).status).toBe('SUCCEEDED');
  });

  it('checks pause and abort flags between stages', async () => {
    const world = new World();
    const h = await run(world);
    world.paused = true;
    await h.succeed(world.tokens.gate, WAKE);
    expect(world.actions().slice(-3)).toEqual(['promote', 'checkpoint', 'awaitResume']);
    world.paused = false;
    world.abortRequested = true;
    await h.succeed(world.tokens.resume, {});
    expect(world.actions().slice(-2)).toEqual(['checkpoint', 'abort']);
  });

  it('aborts from the gate wait and from an approval wait', async () => {
    const world = new World();
    const h = await run(world);
    await h.fail(world.tokens.gate, 'RolloutAborted');
    expect(world.actions().at(-1)).toBe('abort');

    const approving = new World();
    approving.approvalRequired = [true];
    const h2 = await run(approving);
    await h2.succeed(approving.tokens.gate, WAKE);
    await h2.fail(approving.tokens.approval, 'RolloutAborted');
    expect(approving.actions().at(-1)).toBe('abort');
  });

  it('retries throttling and Lambda service errors with backoff, then carries on', async () => {
    const world = new World();
    world.failures.set('startStage', [named('IotThrottledError'), named('IotThrottledError')]);
    world.failures.set('checkpoint', [lambdaServiceError()]);
    const h = await run(world);
    expect(world.actions()).toEqual(['checkpoint']);
    await h.advance(2);
    expect(world.actions()).toEqual(['checkpoint', 'checkpoint', 'startStage']);
    await h.advance(2);
    expect(world.actions()).toEqual(['checkpoint', 'checkpoint', 'startStage', 'startStage']);
    await h.advance(3);
    expect(world.actions()).toHaveLength(4); // backoff doubles: the third attempt is 4 s later
    await h.advance(1);
    expect(world.actions().slice(-2)).toEqual(['startStage', 'awaitGate']);
  });

  it('catches an unexpected Lambda error: records the failure and fails the execution', async () => {
    const world = new World();
    world.failures.set('startStage', [named('InvalidGateInputError')]);
    const h = await run(world);
    expect(world.actions()).toEqual(['checkpoint', 'startStage', 'fail']);
    expect(world.calls.at(-1)?.state).toMatchObject({ error: { Error: 'InvalidGateInputError' } });
    const status = await h.status();
    expect(status.status).toBe('FAILED');
    expect(status.error).toBe('RolloutFailed');
  });

  it('costs the same number of state transitions for a 1-hour and a 7-day bake', async () => {
    const transitions = async (bakeSeconds: number) => {
      const world = new World();
      world.startWait = bakeSeconds;
      world.approvalRequired = [true];
      const h = await run(world);
      await h.advance(bakeSeconds); // events arrived but only the bake end can promote
      await h.succeed(world.tokens.approval, { decision: 'approved' });
      await h.advance(bakeSeconds);
      expect((await h.status()).status).toBe('SUCCEEDED');
      return h.execution().stateTransitions;
    };
    const hour = await transitions(3600);
    const week = await transitions(7 * 86_400);
    expect(week).toBe(hour);
    expect(hour).toBeLessThan(40);
  });
});
