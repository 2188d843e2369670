import { readFileSync } from 'node:fs';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import { createStepFunctionsEmulator } from '../../local/emulators/stepfunctions';
import { serveStepFunctions } from '../../local/emulators/stepfunctions/server';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/asl/${name}.asl.json`, import.meta.url), 'utf8')) as object;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const DAY = 86_400_000;

async function setup(machine: string, tps: Record<string, number> = {}) {
  const clock = new VirtualClock();
  const sfn = createStepFunctionsEmulator({
    clock,
    limiter: new RateLimiter(clock, tps),
    faults: new FaultInjector(seededRandom(1)),
    integrations: {},
  });
  const server = await serveStepFunctions(sfn);
  closers.push(server.close);
  const client = new SFNClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const stateMachineArn = sfn.registerStateMachine(machine, fixture(machine));
  const start = async (input: object, name?: string) => {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), name }),
    );
    await sfn.settle();
    return executionArn ?? '';
  };
  const advance = async (ms: number) => {
    clock.advanceBy(ms);
    sfn.sweep();
    await sfn.settle();
  };
  const describe = (executionArn: string) => client.send(new DescribeExecutionCommand({ executionArn }));
  return { clock, sfn, client, start, advance, describe };
}

describe('Step Functions emulator: virtual time', () => {
  it('waits 7 days and then until a timestamp on the virtual clock, in milliseconds of real time', async () => {
    const { clock, start, advance, describe } = await setup('sfn-wait');
    const t0 = clock.now();
    const realStart = performance.now();
    const arn = await start({ until: new Date(t0 + 8 * DAY).toISOString() }, 'weekly');
    await advance(7 * DAY - 1);
    expect((await describe(arn)).status).toBe('RUNNING');
    await advance(1);
    expect((await describe(arn)).status).toBe('RUNNING');
    await advance(DAY);
    const described = await describe(arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual({
      enteredAt: new Date(t0 + 8 * DAY).toISOString(),
      state: 'Stamp',
      startedAt: new Date(t0).toISOString(),
      execution: 'weekly',
    });
    expect(described.startDate?.getTime()).toBe(t0);
    expect(described.stopDate?.getTime()).toBe(t0 + 8 * DAY);
    expect(performance.now() - realStart).toBeLessThan(5_000);
  });

  it('times out the execution at its TimeoutSeconds on the virtual clock', async () => {
    const { sfn, start, advance, describe } = await setup('sfn-timeout');
    const quick = await start({ seconds: 60 });
    const slow = await start({ seconds: 7200 });
    await advance(60_000);
    expect((await describe(quick)).status).toBe('SUCCEEDED');
    expect((await describe(slow)).status).toBe('RUNNING');
    await advance(3_540_000);
    expect(await describe(slow)).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(sfn.executions.get(slow)?.history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'ExecutionTimedOut',
    ]);
    expect(sfn.nextDue()).toBeUndefined();
  });

  it('throttles API calls above the configured rate with ThrottlingException', async () => {
    const { client } = await setup('sfn-timeout', { DescribeExecution: 1 });
    const first = client.send(
      new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:0:execution:x:y' }),
    );
    const second = client.send(
      new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:0:execution:x:y' }),
    );
    const names = await Promise.all(
      [first, second].map((p) =>
        p.then(
          () => 'ok',
          (e: Error) => e.name,
        ),
      ),
    );
    expect(names.sort()).toEqual(['ExecutionDoesNotExist', 'ThrottlingException']);
  });
});
