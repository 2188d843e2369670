import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, World } from './harness';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const named = (name: string) => Object.assign(new Error(name), { name });

// A step whose notification or domain event kept being throttled (the chaos run's rollout that
// FAILED on "Throttling: Rate exceeded" from SNS) throws AwsTransientError: retried, not fatal.
describe('staged rollout state machine: transient AWS errors', () => {
  it('retries a step that threw AwsTransientError with backoff, then carries on', async () => {
    const world = new World();
    world.failures.set('startStage', [named('AwsTransientError'), named('AwsTransientError')]);
    const h = await startHarness(world);
    closers.push(h.close);
    await h.start();
    expect(world.actions()).toEqual(['checkpoint', 'startStage']);
    await h.advance(2);
    expect(world.actions()).toEqual(['checkpoint', 'startStage', 'startStage']);
    await h.advance(4);
    expect(world.actions().slice(-2)).toEqual(['startStage', 'awaitGate']);
    expect(world.actions()).not.toContain('fail');
  });

  it('still fails the execution on the raw SDK name, which the handler never lets out', async () => {
    const world = new World();
    world.failures.set('startStage', [named('Throttling')]);
    const h = await startHarness(world);
    closers.push(h.close);
    await h.start();
    expect(world.actions()).toEqual(['checkpoint', 'startStage', 'fail']);
  });
});
