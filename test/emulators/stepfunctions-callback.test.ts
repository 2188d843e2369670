import { readFileSync } from 'node:fs';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
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

/** A callback machine whose `notify` Lambda hands each task token to the test. */
async function setup(machine = 'sfn-callback') {
  const clock = new VirtualClock();
  const tokens: string[] = [];
  const sfn = createStepFunctionsEmulator({
    clock,
    limiter: new RateLimiter(clock, {}),
    faults: new FaultInjector(seededRandom(1)),
    integrations: {
      invokeLambda: async (_fn, payload) => {
        tokens.push((payload as { token: string }).token);
        return null;
      },
    },
  });
  const server = await serveStepFunctions(sfn);
  closers.push(server.close);
  const client = new SFNClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const stateMachineArn = sfn.registerStateMachine(machine, fixture(machine));
  const start = async (input = '{}', name?: string) => {
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input, name }));
    await sfn.settle();
    return executionArn ?? '';
  };
  const describe = (executionArn: string) => client.send(new DescribeExecutionCommand({ executionArn }));
  return { clock, sfn, client, tokens, stateMachineArn, start, describe };
}

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: Error) => e.name,
  );

describe('Step Functions emulator: callback tasks', () => {
  it('resolves each callback task by SendTaskSuccess, each with its own token', async () => {
    const { sfn, client, tokens, start, describe } = await setup();
    const arn = await start('{"rollout":"r1"}');
    expect(tokens).toHaveLength(1);
    expect((await describe(arn)).status).toBe('RUNNING');
    await client.send(new SendTaskSuccessCommand({ taskToken: tokens[0], output: '{"approved":true}' }));
    await sfn.settle();
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).not.toBe(tokens[0]);
    await client.send(new SendTaskSuccessCommand({ taskToken: tokens[1], output: '"done"' }));
    await sfn.settle();
    const described = await describe(arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual({
      rollout: 'r1',
      first: { approved: true },
      second: 'done',
    });
    expect(sfn.issuedTokens()).toEqual(tokens);
    const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn: arn }));
    expect(events.filter((e) => e.type === 'TaskSubmitted')).toHaveLength(2);
    expect(JSON.stringify(events)).not.toContain(tokens[0]);
  });

  it('routes SendTaskFailure to the Catch that names its error', async () => {
    const { sfn, client, tokens, start, describe } = await setup();
    const arn = await start();
    await client.send(
      new SendTaskFailureCommand({ taskToken: tokens[0], error: 'Rejected', cause: 'operator said no' }),
    );
    await sfn.settle();
    const output = JSON.parse((await describe(arn)).output ?? '');
    expect(output).toEqual({ outcome: 'rejected', error: { Error: 'Rejected', Cause: 'operator said no' } });
  });

  it('times out on the virtual clock as States.Timeout, which States.TaskFailed does not catch', async () => {
    const { clock, sfn, client, tokens, start, describe } = await setup();
    const arn = await start();
    clock.advanceBy(3_599_000);
    sfn.sweep();
    await sfn.settle();
    expect((await describe(arn)).status).toBe('RUNNING');
    clock.advanceBy(1_000);
    sfn.sweep();
    await sfn.settle();
    const described = await describe(arn);
    expect(JSON.parse(described.output ?? '')).toMatchObject({
      outcome: 'timed out',
      error: { Error: 'States.Timeout' },
    });
    const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn: arn }));
    expect(events.map((e) => e.type)).toContain('TaskTimedOut');
    const late = client.send(new SendTaskSuccessCommand({ taskToken: tokens[0], output: '{}' }));
    expect(await rejection(late)).toBe('TaskTimedOut');
  });

  it('answers SendTask* for unknown, malformed and used tokens with the AWS errors', async () => {
    const { sfn, client, tokens, start } = await setup();
    await start();
    const wellFormed = `AQ${'x'.repeat(128)}`;
    expect(
      await rejection(client.send(new SendTaskSuccessCommand({ taskToken: 'nope', output: '{}' }))),
    ).toBe('InvalidToken');
    expect(
      await rejection(client.send(new SendTaskSuccessCommand({ taskToken: wellFormed, output: '{}' }))),
    ).toBe('TaskDoesNotExist');
    const bad = client.send(new SendTaskSuccessCommand({ taskToken: tokens[0], output: 'not json' }));
    expect(await rejection(bad)).toBe('InvalidOutput');
    await client.send(new SendTaskSuccessCommand({ taskToken: tokens[0], output: '{}' }));
    await sfn.settle();
    const again = client.send(new SendTaskSuccessCommand({ taskToken: tokens[0], output: '{}' }));
    expect(await rejection(again)).toBe('TaskTimedOut');
    expect(await rejection(client.send(new SendTaskHeartbeatCommand({ taskToken: tokens[0] })))).toBe(
      'TaskTimedOut',
    );
  });

  it('keeps a callback alive on heartbeats and fails it with States.HeartbeatTimeout without them', async () => {
    const { clock, sfn, client, tokens, start, describe } = await setup('sfn-heartbeat');
    const arn = await start();
    clock.advanceBy(500_000);
    sfn.sweep();
    await client.send(new SendTaskHeartbeatCommand({ taskToken: tokens[0] }));
    clock.advanceBy(500_000);
    sfn.sweep();
    await sfn.settle();
    expect((await describe(arn)).status).toBe('RUNNING');
    clock.advanceBy(100_000);
    sfn.sweep();
    await sfn.settle();
    expect(await describe(arn)).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
  });

  it('starts idempotently by name and input, refuses a reused name, and stops', async () => {
    const { sfn, client, tokens, stateMachineArn, start, describe } = await setup();
    const arn = await start('{"a":1}', 'rollout-1');
    expect(await start('{"a":1}', 'rollout-1')).toBe(arn);
    expect(tokens).toHaveLength(1);
    const other = client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'rollout-1', input: '{"a":2}' }),
    );
    expect(await rejection(other)).toBe('ExecutionAlreadyExists');
    await client.send(
      new StopExecutionCommand({ executionArn: arn, error: 'Operator', cause: 'abort rollout' }),
    );
    await sfn.settle();
    expect(await describe(arn)).toMatchObject({
      status: 'ABORTED',
      error: 'Operator',
      cause: 'abort rollout',
    });
    const late = client.send(new SendTaskSuccessCommand({ taskToken: tokens[0], output: '{}' }));
    expect(await rejection(late)).toBe('TaskTimedOut');
    const reuse = client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'rollout-1', input: '{"a":1}' }),
    );
    expect(await rejection(reuse)).toBe('ExecutionAlreadyExists');
    const history = sfn.executions.get(arn)?.history.map((e) => e.type);
    expect(history?.at(-1)).toBe('ExecutionAborted');
  });
});
