import { afterEach, describe, expect, it } from 'vitest';
import { loadDefinition, startHarness, World } from './harness';

// The state machine's side of issue 13: every step learns which execution runs it, a refused
// execution ends in `Refused` without touching the rollout (no RecordFailure), and a refused
// promotion halts.
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

const PROMOTE = { outcome: 'PROMOTE', action: 'none', waitSeconds: 1 };
const named = (name: string) => Object.assign(new Error(name), { name });

type State = {
  Type: string;
  Parameters?: { Payload?: Record<string, unknown> };
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Retry?: { ErrorEquals: string[] }[];
};

describe('staged rollout state machine: guards', () => {
  it('gives every Lambda task the execution id, and routes a refused execution to Refused', () => {
    const states = (loadDefinition() as { States: Record<string, State> }).States;
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(10);
    for (const [name, state] of tasks) {
      expect(state.Parameters?.Payload?.['executionId.$'], name).toBe('$$.Execution.Id');
      expect(
        state.Retry?.some((r) => r.ErrorEquals.includes('AwsTransientError')),
        name,
      ).toBe(true);
      if (name === 'RecordFailure') continue;
      const first = state.Catch?.[0];
      expect(first, name).toEqual(
        expect.objectContaining({ ErrorEquals: ['ExecutionRefusedError'], Next: 'Refused' }),
      );
    }
    expect(states.Refused).toMatchObject({ Type: 'Fail', Error: 'ExecutionRefused' });
  });

  it('passes the same execution id to every step of a run', async () => {
    const world = new World();
    world.approvalRequired = [true];
    const h = await run(world);
    await h.succeed(world.tokens.gate, PROMOTE);
    await h.succeed(world.tokens.approval, { decision: 'approved' });
    await h.succeed(world.tokens.gate, PROMOTE);
    expect((await h.status()).status).toBe('SUCCEEDED');
    const ids = new Set(world.calls.map((c) => (c as { executionId?: string }).executionId));
    expect([...ids]).toEqual([h.execution().executionArn]);
  });

  it('ends an execution refused at its first step, without recording a failure on the rollout', async () => {
    const world = new World();
    world.failures.set('checkpoint', [named('ExecutionRefusedError')]);
    const h = await run(world);
    expect(world.actions()).toEqual(['checkpoint']);
    const status = await h.status();
    expect(status.status).toBe('FAILED');
    expect(status.error).toBe('ExecutionRefused');
  });

  it('ends in Refused when a wait or the promote step refuses the execution', async () => {
    const waiting = new World();
    waiting.failures.set('awaitGate', [named('ExecutionRefusedError')]);
    const h = await run(waiting);
    expect(waiting.actions()).toEqual(['checkpoint', 'startStage', 'awaitGate']);
    expect((await h.status()).error).toBe('ExecutionRefused');

    const promoting = new World();
    promoting.failures.set('promote', [named('ExecutionRefusedError')]);
    const h2 = await run(promoting);
    await h2.succeed(promoting.tokens.gate, PROMOTE);
    expect(promoting.actions().slice(-1)).toEqual(['promote']);
    expect((await h2.status()).error).toBe('ExecutionRefused');
  });

  it('halts when the promote step finds no grounds to promote (a forged wake-up)', async () => {
    const world = new World();
    world.failures.set('promote', [named('PromotionRefusedError')]);
    const h = await run(world);
    await h.succeed(world.tokens.gate, PROMOTE);
    expect(world.actions().slice(-2)).toEqual(['promote', 'halt']);
    expect(world.calls.at(-1)?.state).toMatchObject({ error: { Error: 'PromotionRefusedError' } });
    expect(world.actions()).not.toContain('fail');
    expect((await h.status()).status).toBe('SUCCEEDED');
  });

  it('waits for a resume when a fleet alarm fired before the promotion, then promotes', async () => {
    const world = new World();
    world.failures.set('promote', [named('FleetAlarmPausedError')]);
    const h = await run(world);
    await h.succeed(world.tokens.gate, PROMOTE);
    expect(world.actions().slice(-2)).toEqual(['promote', 'awaitResume']);
    await h.succeed(world.tokens.resume, {});
    expect(world.actions().join(' ')).toContain('promote awaitResume promote checkpoint startStage');
    expect(world.actions()).not.toContain('halt');
  });

  it('halts when the plan halts on its fleet alarms and one fired before the promotion', async () => {
    const world = new World();
    world.failures.set('promote', [named('FleetAlarmHaltError')]);
    const h = await run(world);
    await h.succeed(world.tokens.gate, PROMOTE);
    expect(world.actions().slice(-2)).toEqual(['promote', 'halt']);
    expect(world.calls.at(-1)?.state).toMatchObject({ error: { Error: 'FleetAlarmHaltError' } });
  });

  it('hands the promote step the task output it was woken with, so a refusal can be audited', async () => {
    const world = new World();
    world.approvalRequired = [true];
    const h = await run(world);
    await h.succeed(world.tokens.gate, PROMOTE);
    await h.succeed(world.tokens.approval, { decision: 'approved', by: 'someone' });
    const promote = world.calls.find((c) => c.action === 'promote');
    expect(promote?.state).toMatchObject({ approval: { decision: 'approved', by: 'someone' } });
  });

  it('halts when an approval is asked on a gate that did not pass', async () => {
    const world = new World();
    world.approvalRequired = [true];
    world.failures.set('requestApproval', [named('PromotionRefusedError')]);
    const h = await run(world);
    await h.succeed(world.tokens.gate, PROMOTE);
    expect(world.actions().slice(-2)).toEqual(['requestApproval', 'halt']);
    expect((await h.status()).status).toBe('SUCCEEDED');
  });
});
