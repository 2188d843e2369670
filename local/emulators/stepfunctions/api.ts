import { SfnApiError } from './errors';
import type { Execution } from './execution';
import type { Store } from './store';
import type { TaskTokens } from './tokens';
import type { HistoryEvent, Params } from './types';

export type Operation = (input: Params) => Promise<Params> | Params;

/** awsJson1_0 timestamps are epoch seconds. */
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function page<T>(items: T[], input: Params): { slice: T[]; nextToken?: string } {
  const max = Math.min(1000, Number(input.maxResults) || 100);
  const start = input.nextToken === undefined ? 0 : Number(Buffer.from(String(input.nextToken), 'base64url'));
  if (!Number.isInteger(start) || start < 0) throw new SfnApiError('InvalidToken', 'Invalid nextToken');
  const end = start + max;
  return {
    slice: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}

function summary(e: Execution): Params {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: seconds(e.startDate),
    stopDate: seconds(e.stopDate),
  };
}

function wireEvent(event: HistoryEvent, includeData: boolean): Params {
  const { id, previousEventId, timestamp, type, detailsKey, details } = event;
  const wire: Params = { timestamp: seconds(timestamp), type, id, previousEventId };
  if (detailsKey && details) {
    const { input, output, ...rest } = details;
    wire[detailsKey] = includeData ? details : rest;
  }
  return wire;
}

function json(value: unknown, code: string): unknown {
  try {
    return JSON.parse(String(value));
  } catch {
    throw new SfnApiError(code, `Invalid ${code === 'InvalidOutput' ? 'output' : 'input'}: not JSON`);
  }
}

/** The Step Functions API operations the local stack serves, by X-Amz-Target operation name. */
export function createOperations(store: Store, tokens: TaskTokens, ready: Promise<unknown>) {
  const ops: Record<string, Operation> = {
    CreateStateMachine: (input) => {
      const type = String(input.type ?? 'STANDARD');
      const machine = store.createMachine(
        String(input.name ?? ''),
        String(input.definition ?? ''),
        input.roleArn as string,
        type,
      );
      return { stateMachineArn: machine.arn, creationDate: seconds(machine.creationDate) };
    },
    DescribeStateMachine: (input) => {
      const m = store.machine(input.stateMachineArn);
      return {
        stateMachineArn: m.arn,
        name: m.name,
        status: 'ACTIVE',
        definition: m.definition,
        roleArn: m.roleArn,
        type: m.type,
        creationDate: seconds(m.creationDate),
      };
    },
    StartExecution: async (input) => {
      await ready;
      const { execution } = store.start(input.stateMachineArn, input.name, input.input);
      return { executionArn: execution.executionArn, startDate: seconds(execution.startDate) };
    },
    DescribeExecution: (input) => {
      const e = store.execution(input.executionArn);
      return {
        ...summary(e),
        input: e.input,
        inputDetails: { included: true },
        output: e.output,
        outputDetails: e.output === undefined ? undefined : { included: true },
        error: e.error,
        cause: e.cause,
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
      };
    },
    ListExecutions: (input) => {
      const machine = store.machine(input.stateMachineArn);
      const all = [...store.executions.values()]
        .filter((e) => e.stateMachineArn === machine.arn)
        .filter((e) => input.statusFilter === undefined || e.status === input.statusFilter)
        .reverse();
      const { slice, nextToken } = page(all, input);
      return { executions: slice.map(summary), nextToken };
    },
    StopExecution: (input) => {
      const e = store.execution(input.executionArn);
      e.close('ABORTED', input.error as string | undefined, input.cause as string | undefined);
      return { stopDate: seconds(e.stopDate) };
    },
    GetExecutionHistory: (input) => {
      const e = store.execution(input.executionArn);
      const events = input.reverseOrder === true ? [...e.history].reverse() : e.history;
      const { slice, nextToken } = page(events, input);
      return {
        events: slice.map((event) => wireEvent(event, input.includeExecutionData !== false)),
        nextToken,
      };
    },
    SendTaskSuccess: (input) => {
      const task = tokens.get(input.taskToken);
      task.succeed(json(input.output, 'InvalidOutput'));
      return {};
    },
    SendTaskFailure: (input) => {
      const task = tokens.get(input.taskToken);
      task.fail(String(input.error ?? ''), String(input.cause ?? ''));
      return {};
    },
    SendTaskHeartbeat: (input) => {
      tokens.get(input.taskToken).heartbeat();
      return {};
    },
  };
  return ops;
}
