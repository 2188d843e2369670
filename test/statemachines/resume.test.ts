import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, World } from './harness';

// A rollout resumed with a fixed document (docs/rollouts.md "Resume with a fixed document"): the API
// starts `<rolloutId>--r<n>` with the halted stage's index; the state machine needs no change, since
// Checkpoint takes the stage from the input.
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const ID = 'fw-24-abcdef12';
const executionIdOf = (c: object) => (c as { executionId?: string }).executionId ?? '';

describe('an execution started at the halted stage', () => {
  it('starts there, never runs an earlier stage, and goes on to the end', async () => {
    const world = new World();
    world.stages = 3;
    const h = await startHarness(world);
    closers.push(h.close);
    await h.start(ID, { name: `${ID}--r1`, stageIndex: 1 });
    expect(world.calls.map((c) => [c.action, c.stageIndex])).toEqual([
      ['checkpoint', 1],
      ['startStage', 1],
      ['awaitGate', 1],
    ]);
    await h.succeed(world.tokens.gate, World.WAKE);
    await h.succeed(world.tokens.gate, World.WAKE);
    expect((await h.status()).status).toBe('SUCCEEDED');
    expect(world.calls.map((c) => [c.action, c.stageIndex])).toEqual([
      ['checkpoint', 1],
      ['startStage', 1],
      ['awaitGate', 1],
      ['reconcile', 1],
      ['promote', 1],
      ['checkpoint', 2],
      ['startStage', 2],
      ['awaitGate', 2],
      ['reconcile', 2],
      ['promote', 2],
      ['checkpoint', 3],
      ['complete', 3],
    ]);
    expect(world.calls.some((c) => c.stageIndex === 0)).toBe(false);
    // Every step names the resumed execution, which the steps check against the rollout's record.
    expect(new Set(world.calls.map(executionIdOf))).toEqual(
      new Set([expect.stringMatching(new RegExp(`:execution:staged-rollout:${ID}--r1$`))]),
    );
  });

  it('halts again like any execution, and rolls back after it', async () => {
    const world = new World();
    world.stages = 2;
    world.rollbackAfterHalt = true;
    world.reconcile = () => ({ outcome: 'HALT' });
    const h = await startHarness(world);
    closers.push(h.close);
    await h.start(ID, { name: `${ID}--r2`, stageIndex: 1 });
    await h.succeed(world.tokens.gate, World.WAKE);
    await h.advance(600);
    expect((await h.status()).status).toBe('SUCCEEDED');
    expect(world.actions()).toEqual([
      'checkpoint',
      'startStage',
      'awaitGate',
      'reconcile',
      'halt',
      'startRollback',
      'reconcileRollback',
    ]);
    expect(world.calls.find((c) => c.action === 'halt')?.stageIndex).toBe(1);
  });
});
