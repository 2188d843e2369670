import { readFileSync } from 'node:fs';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import {
  createStepFunctionsEmulator,
  type StepFunctionsIntegrations,
} from '../../local/emulators/stepfunctions';
import { serveStepFunctions } from '../../local/emulators/stepfunctions/server';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/asl/${name}.asl.json`, import.meta.url), 'utf8')) as object;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setup(integrations: StepFunctionsIntegrations) {
  const clock = new VirtualClock();
  const sfn = createStepFunctionsEmulator({
    clock,
    limiter: new RateLimiter(clock, {}),
    faults: new FaultInjector(seededRandom(1)),
    integrations,
  });
  const server = await serveStepFunctions(sfn);
  closers.push(server.close);
  const client = new SFNClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { clock, sfn, client, arn: sfn.registerStateMachine('retry-catch', fixture('sfn-retry-catch')) };
}

async function history(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 5, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

class TransientError extends Error {
  override name = 'TransientError';
}
class CustomError extends Error {
  override name = 'CustomError';
}

describe('Step Functions emulator: retry, catch, history', () => {
  it('retries a custom error after the backoff on the virtual clock, then succeeds', async () => {
    let calls = 0;
    const { clock, sfn, client, arn } = await setup({
      invokeLambda: async (fn, payload) => {
        calls += 1;
        if (calls === 1) throw new TransientError('try again');
        return { fn, payload };
      },
    });
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: '{"n":1}' }),
    );
    await sfn.settle();
    expect(calls).toBe(1);
    clock.advanceBy(4_999);
    sfn.sweep();
    await sfn.settle();
    expect(calls).toBe(1);
    clock.advanceBy(1);
    sfn.sweep();
    await sfn.settle();
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual({ result: { fn: 'worker', payload: { n: 1 } } });
    expect(described.stopDate?.getTime()).toBe(clock.now());

    const types = (await history(client, executionArn ?? '')).map((e) => e.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    const view = sfn.executions.get(executionArn ?? '');
    expect(view?.history).toHaveLength(12);
    expect(view?.stateTransitions).toBe(3);
  });

  it('catches a custom error by name and records it in the output', async () => {
    const { sfn, client, arn } = await setup({
      invokeLambda: async () => {
        throw new CustomError('bad input');
      },
    });
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }),
    );
    await sfn.settle();
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output ?? '');
    expect(output.outcome).toBe('handled');
    expect(output.failure.Error).toBe('CustomError');
    expect(JSON.parse(output.failure.Cause)).toMatchObject({
      errorType: 'CustomError',
      errorMessage: 'bad input',
    });
    const events = await history(client, executionArn ?? '');
    const failed = events.find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'CustomError',
    });
    expect(events.map((e) => e.type)).toContain('PassStateEntered');
  });

  it('fails the execution with the error name once the retrier is exhausted', async () => {
    let calls = 0;
    const { clock, sfn, client, arn } = await setup({
      invokeLambda: async () => {
        calls += 1;
        throw new TransientError('still down');
      },
    });
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: arn }));
    await sfn.settle();
    for (let next = sfn.nextDue(); next !== undefined; next = sfn.nextDue()) {
      clock.advanceTo(next);
      sfn.sweep();
      await sfn.settle();
    }
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(calls).toBe(3);
    expect(described).toMatchObject({ status: 'FAILED', error: 'TransientError' });
    expect(JSON.parse(described.cause ?? '')).toMatchObject({ errorMessage: 'still down' });
    expect(sfn.executions.get(executionArn ?? '')?.stateTransitions).toBe(3);
    const listed = await client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'FAILED' }),
    );
    expect(listed.executions?.map((e) => e.executionArn)).toEqual([executionArn]);
    const running = await client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }),
    );
    expect(running.executions).toEqual([]);
  });
});
