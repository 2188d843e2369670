import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, World } from './harness';

// Issue 17: after Halt (or an Abort that asks for it) a plan's rollback fills its group page by page,
// then the rollback job is watched (Wait + ReconcileRollback) until nothing is left to run.
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
const named = (name: string) => Object.assign(new Error(name), { name });
type Harness = Awaited<ReturnType<typeof run>>;
/** The states the execution entered, in order. */
const entered = (h: Harness) =>
  h
    .execution()
    .history.filter((e) => e.type.endsWith('StateEntered'))
    .map((e) => String(e.details?.name));
const rollbackCalls = (world: World) =>
  world.calls.filter((c) => c.action === 'startRollback' || c.action === 'reconcileRollback');

function halting(world: World) {
  world.reconcile = () => ({ outcome: 'HALT' });
  world.rollbackAfterHalt = true;
  return world;
}

describe('staged rollout state machine: rollback', () => {
  it('after a halt, loops StartRollback on its cursor, then watches the job until done, and ends Halted', async () => {
    const world = halting(new World());
    world.rollbackPages = 3;
    world.rollbackWatch = ['watch', 'watch'];
    const h = await run(world);
    await h.succeed(world.tokens.gate, WAKE);
    // The fill needs no wait between pages; the job is first read a rollbackWait later.
    expect(world.actions().slice(-4)).toEqual(['halt', 'startRollback', 'startRollback', 'startRollback']);
    expect(world.calls.filter((c) => c.action === 'startRollback').map((c) => c.cursor)).toEqual([
      { stage: 0, page: 0 },
      { stage: 0, page: 1, token: 'page-1' },
      { stage: 0, page: 2, token: 'page-2' },
    ]);
    await h.advance(599);
    expect(world.actions()).not.toContain('reconcileRollback');
    expect((await h.status()).status).toBe('RUNNING');
    await h.advance(1);
    expect(world.actions().filter((a) => a === 'reconcileRollback')).toHaveLength(1);
    await h.advance(1200);
    expect(world.actions().filter((a) => a === 'reconcileRollback')).toHaveLength(3);
    const status = await h.status();
    expect(status.status).toBe('SUCCEEDED');
    expect(entered(h).slice(-4)).toEqual(['ReconcileRollback', 'RouteRollback', 'RollbackEnded', 'Halted']);
    expect(entered(h)).not.toContain('Aborted');
    // Every rollback step is told which stage halted and which execution runs it.
    for (const c of rollbackCalls(world)) expect(c.stageIndex).toBe(0);
    expect(world.actions()).not.toContain('fail');
  });

  it('ends Halted at once when the plan has no rollback', async () => {
    const world = new World();
    world.reconcile = () => ({ outcome: 'HALT' });
    const h = await run(world);
    await h.succeed(world.tokens.gate, WAKE);
    expect(world.actions().slice(-1)).toEqual(['halt']);
    expect(entered(h).slice(-2)).toEqual(['AfterHalt', 'Halted']);
  });

  it('ends without watching when no device applied the update', async () => {
    const world = halting(new World());
    world.rollbackPages = 0;
    const h = await run(world);
    await h.succeed(world.tokens.gate, WAKE);
    expect(world.actions().slice(-2)).toEqual(['halt', 'startRollback']);
    expect(entered(h).slice(-2)).toEqual(['RollbackEnded', 'Halted']);
    expect((await h.status()).status).toBe('SUCCEEDED');
  });

  it('rolls back after an abort only when asked, and ends Aborted', async () => {
    const plain = new World();
    const h = await run(plain);
    await h.fail(plain.tokens.gate, 'RolloutAborted', 'operator abort');
    expect(plain.actions().slice(-1)).toEqual(['abort']);
    expect(entered(h).slice(-2)).toEqual(['AfterAbort', 'Aborted']);

    const asked = new World();
    asked.rollbackAfterAbort = true;
    const h2 = await run(asked);
    await h2.fail(asked.tokens.gate, 'RolloutAborted', 'operator abort with rollback');
    expect(asked.actions().slice(-2)).toEqual(['abort', 'startRollback']);
    await h2.advance(600);
    expect(asked.actions().slice(-1)).toEqual(['reconcileRollback']);
    expect(entered(h2).slice(-2)).toEqual(['RollbackEnded', 'Aborted']);
    expect((await h2.status()).status).toBe('SUCCEEDED');
  });

  it('records a failed rollback without marking the rollout failed, and ends RollbackFailed', async () => {
    const world = halting(new World());
    world.failures.set('startRollback', [named('RollbackGroupConflictError')]);
    const h = await run(world);
    await h.succeed(world.tokens.gate, WAKE);
    expect(world.actions().slice(-3)).toEqual(['halt', 'startRollback', 'failRollback']);
    expect(world.calls.at(-1)?.state).toMatchObject({ error: { Error: 'RollbackGroupConflictError' } });
    expect(world.actions()).not.toContain('fail');
    const status = await h.status();
    expect(status.status).toBe('FAILED');
    expect(status.error).toBe('RollbackFailed');
  });

  it('retries a throttled rollback step, and ends Refused when a rollback step refuses the execution', async () => {
    const world = halting(new World());
    world.failures.set('reconcileRollback', [named('AwsTransientError')]);
    const h = await run(world);
    await h.succeed(world.tokens.gate, WAKE);
    await h.advance(600);
    await h.advance(2);
    expect(world.actions().filter((a) => a === 'reconcileRollback')).toHaveLength(2);
    expect((await h.status()).status).toBe('SUCCEEDED');

    const refused = halting(new World());
    refused.failures.set('startRollback', [named('ExecutionRefusedError')]);
    const h2 = await run(refused);
    await h2.succeed(refused.tokens.gate, WAKE);
    expect((await h2.status()).error).toBe('ExecutionRefused');
    expect(refused.actions()).not.toContain('failRollback');
  });
});
