import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, World } from './harness';

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

/** A two-stage rollout whose last stage is CONTINUOUS and has promoted: the execution is watching it. */
async function watching(world = new World()) {
  world.continuousLast = true;
  const h = await run(world);
  await h.succeed(world.tokens.gate, World.WAKE);
  await h.succeed(world.tokens.gate, World.WAKE);
  expect(world.actions().slice(-3)).toEqual(['reconcile', 'startWatch', 'awaitWatch']);
  return { h, world };
}

const ORDER_TO_WATCH = [
  'checkpoint',
  'startStage',
  'awaitGate',
  'reconcile',
  'promote',
  'checkpoint',
  'startStage',
  'awaitGate',
  'reconcile',
  'startWatch',
  'awaitWatch',
];

describe('a continuous last stage: watched after its gate, until it is completed', () => {
  it('does not promote past the last stage: it parks on Watch, and a complete ends the rollout', async () => {
    const { h, world } = await watching();
    expect(world.actions()).toEqual(ORDER_TO_WATCH);
    expect((await h.status()).status).toBe('RUNNING');
    world.watch = () => 'complete';
    await h.succeed(world.tokens.gate, { wake: 'complete' });
    expect(world.actions().slice(ORDER_TO_WATCH.length)).toEqual([
      'reconcileWatch',
      'completeContinuous',
      'checkpoint',
      'complete',
    ]);
    expect((await h.status()).status).toBe('SUCCEEDED');
  });

  it('keeps watching when a wake-up does not confirm a halt, and halts when the job does', async () => {
    const { h, world } = await watching();
    await h.succeed(world.tokens.gate, World.WAKE);
    expect(world.actions().slice(-2)).toEqual(['reconcileWatch', 'awaitWatch']);
    world.watch = () => 'halt';
    await h.succeed(world.tokens.gate, World.WAKE);
    expect(world.actions().slice(-2)).toEqual(['reconcileWatch', 'halt']);
    expect(world.calls.at(-1)).toMatchObject({ state: { gate: { outcome: 'HALT', next: 'halt' } } });
    expect((await h.status()).status).toBe('SUCCEEDED');
  });

  it('completes by itself when the wait runs out at completeAt', async () => {
    const world = new World();
    world.watchWait = 3600;
    const { h } = await watching(world);
    world.watch = () => 'complete';
    await h.advance(3599);
    expect(world.actions().at(-1)).toBe('awaitWatch');
    await h.advance(1);
    expect(world.actions().slice(-3)).toEqual(['completeContinuous', 'checkpoint', 'complete']);
  });

  it('costs a bounded number of transitions however long it is watched: a weekly re-read, no polling', async () => {
    const { h, world } = await watching();
    const before = world.calls.length;
    await h.advance(28 * 86_400);
    // Four weeks: four re-reads of the job (ReconcileWatch, then Watch again), nothing else.
    expect(world.actions().slice(before)).toEqual([
      'reconcileWatch',
      'awaitWatch',
      'reconcileWatch',
      'awaitWatch',
      'reconcileWatch',
      'awaitWatch',
      'reconcileWatch',
      'awaitWatch',
    ]);
  });

  it('pauses and resumes while watching (back through Reconcile to the watch), and aborts', async () => {
    const { h, world } = await watching();
    await h.fail(world.tokens.gate, 'RolloutPaused', 'pause');
    expect(world.actions().at(-1)).toBe('awaitResume');
    await h.succeed(world.tokens.resume, {});
    expect(world.actions().slice(-3)).toEqual(['reconcile', 'startWatch', 'awaitWatch']);
    await h.fail(world.tokens.gate, 'RolloutAborted', 'abort');
    expect(world.actions().at(-1)).toBe('abort');
  });

  it('leaves stages that are not continuous as they were: the last stage promotes and the rollout completes', async () => {
    const world = new World();
    const h = await run(world);
    await h.succeed(world.tokens.gate, World.WAKE);
    await h.succeed(world.tokens.gate, World.WAKE);
    expect(world.actions()).not.toContain('startWatch');
    expect((await h.status()).status).toBe('SUCCEEDED');
  });
});

describe('a query stage whose dynamic group is still backfilling', () => {
  it('retries the stage start every 30 s or more (DynamicGroupBuildingError), then goes on', async () => {
    const world = new World();
    const building = Object.assign(new Error('building'), { name: 'DynamicGroupBuildingError' });
    world.failures.set('startStage', [building, building]);
    const h = await run(world);
    expect(world.actions()).toEqual(['checkpoint', 'startStage']);
    await h.advance(29);
    expect(world.actions()).toEqual(['checkpoint', 'startStage']);
    await h.advance(1);
    expect(world.actions()).toEqual(['checkpoint', 'startStage', 'startStage']);
    await h.advance(45);
    expect(world.actions()).toEqual(['checkpoint', 'startStage', 'startStage', 'startStage', 'awaitGate']);
  });
});
