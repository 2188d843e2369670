import { ExecutionError } from 'aws-local-stepfunctions';
import type { Clock } from '../common/clock';
import type { PreparedMachine, StateInfo } from './definition';
import { errorMessage, errorName, StatesError } from './errors';
import { type EngineEvent, HistoryMapper, historyEvent } from './history';
import type { IntegrationCall } from './integrations';
import type { ResourceSpec } from './resources';
import type { Scheduler } from './scheduler';
import { runTask, type TaskHost, type WrappedInput } from './task-runner';
import type { TaskTokens } from './tokens';
import type { ExecutionStatus, ExecutionView, HistoryEvent, Params } from './types';

export interface MachineRecord {
  arn: string;
  name: string;
  definition: string;
  roleArn: string;
  type: string;
  creationDate: number;
  prepared: PreparedMachine;
}

export interface ExecutionEnv {
  clock: Clock;
  scheduler: Scheduler;
  tokens: TaskTokens;
  region: string;
  call: IntegrationCall;
  timeoutError(): Error;
}

/** AWS fails a Standard execution whose history would exceed 25,000 events. */
const HISTORY_LIMIT = 25_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** Lets the engine's event log catch up, so a task's events follow its StateEntered. */
const drainEngineLog = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Execution implements ExecutionView, TaskHost {
  readonly executionArn: string;
  readonly startDate: number;
  readonly history: HistoryEvent[] = [];
  status: ExecutionStatus = 'RUNNING';
  output?: string;
  error?: string;
  cause?: string;
  stopDate?: number;
  stateTransitions = 0;
  readonly #abort = new AbortController();
  readonly #mapper: HistoryMapper;
  #pendingToken: string | undefined;
  #abortEngine: () => void = () => undefined;
  #cancelTimeout: () => void = () => undefined;

  constructor(
    private readonly env: ExecutionEnv,
    readonly machine: MachineRecord,
    readonly name: string,
    readonly input: string,
  ) {
    this.executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    this.startDate = env.clock.now();
    this.#mapper = new HistoryMapper(
      machine.prepared.states,
      (type, details) => this.record(type, details ?? {}),
      () => this.countTransition(),
    );
  }

  get stateMachineArn(): string {
    return this.machine.arn;
  }
  get region(): string {
    return this.env.region;
  }
  get signal(): AbortSignal {
    return this.#abort.signal;
  }
  get scheduler(): Scheduler {
    return this.env.scheduler;
  }
  get tokens(): TaskTokens {
    return this.env.tokens;
  }
  now(): number {
    return this.env.clock.now();
  }
  countTransition(): void {
    this.stateTransitions += 1;
  }
  call(spec: ResourceSpec, params: unknown): Promise<unknown> {
    return this.env.call(spec, params);
  }
  timeoutError(): Error {
    return this.env.timeoutError();
  }

  start(): void {
    const { roleArn, prepared } = this.machine;
    this.#append('ExecutionStarted', { input: this.input, inputDetails: { truncated: false }, roleArn });
    if (prepared.timeoutSeconds !== undefined) {
      const due = this.startDate + prepared.timeoutSeconds * 1000;
      this.#cancelTimeout = this.scheduler.at(due, () => this.close('TIMED_OUT', 'States.Timeout', ''));
    }
    const run = prepared.engine.run(JSON.parse(this.input), {
      context: this.#context(),
      overrides: this.#overrides(),
      noThrowOnAbort: true,
    });
    this.#abortEngine = run.abort;
    const consumed = (async () => {
      for await (const event of run.eventLogs) {
        if (this.status === 'RUNNING') this.#mapper.onEngineEvent(event as EngineEvent);
      }
    })();
    run.result.then(
      async (output) => {
        await consumed;
        if (this.status === 'RUNNING') this.close('SUCCEEDED', undefined, undefined, JSON.stringify(output));
      },
      async (e: unknown) => {
        await consumed;
        const cause = e instanceof ExecutionError ? e.cause : e;
        this.close('FAILED', errorName(cause), errorMessage(cause));
      },
    );
  }

  /** Ends the execution (StopExecution, timeout, failure or success) and releases its tasks. */
  close(status: ExecutionStatus, error?: string, cause?: string, output?: string): void {
    if (this.status !== 'RUNNING') return;
    this.status = status;
    this.stopDate = this.now();
    Object.assign(this, { error, cause, output });
    if (status === 'SUCCEEDED')
      this.#append('ExecutionSucceeded', { output, outputDetails: { truncated: false } });
    else this.#append(TERMINAL_EVENTS[status], { error, cause });
    this.#cancelTimeout();
    this.env.tokens.closeExecution(this.executionArn);
    this.#abort.abort();
    if (status !== 'SUCCEEDED' && status !== 'FAILED') this.#abortEngine();
  }

  record(type: string, details: Params): void {
    if (this.status !== 'RUNNING') return;
    this.#append(type, details);
    if (this.history.length >= HISTORY_LIMIT - 1) {
      this.close(
        'FAILED',
        'States.Runtime',
        `The execution reached the maximum number of history events (${HISTORY_LIMIT}).`,
      );
      this.#abortEngine();
    }
  }

  #append(type: string, details: Params): void {
    this.history.push(historyEvent(this.history.length + 1, this.now(), type, details));
  }

  /** Context objects the rewritten `$$.Execution` / `$$.State` / `$$.Task` paths resolve against. */
  #context(): Params {
    const { arn, name, roleArn, prepared } = this.machine;
    const execution = { Id: this.executionArn, Name: this.name, RoleArn: roleArn };
    const task = Object.defineProperty({}, 'Token', { enumerable: true, get: () => this.#token() });
    const context: Params = {
      Execution: execution,
      EmulatedExecution: {
        ...execution,
        Input: JSON.parse(this.input),
        StartTime: iso(this.startDate),
        RedriveCount: 0,
      },
      StateMachine: { Id: arn, Name: name },
      Task: task,
    };
    for (const info of prepared.states.values()) {
      const state = { Name: info.name, RetryCount: 0 };
      context[info.contextKey] = Object.defineProperty(state, 'EnteredTime', {
        enumerable: true,
        get: () => iso(this.now()),
      });
    }
    return context;
  }

  /** One token per task attempt: minted when Parameters read `$$.Task.Token`, taken by that task. */
  #token(): string {
    this.#pendingToken ??= this.env.tokens.mint();
    return this.#pendingToken;
  }

  #overrides() {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const retryIntervalOverrides: Record<string, number> = {};
    for (const info of this.machine.prepared.states.values()) {
      if (info.type === 'Task') {
        handlers[info.name] = (input) => {
          // The engine calls us synchronously after evaluating Parameters: the pending token is ours.
          const token = this.#pendingToken;
          this.#pendingToken = undefined;
          return drainEngineLog().then(() => runTask(this, info, input as WrappedInput, token));
        };
      } else if (info.type === 'Wait') {
        handlers[info.name] = (input) =>
          this.#wait(info, input as WrappedInput & { s?: unknown; ts?: unknown });
      } else if (info.def.Retry) {
        // Parallel/Map retries: no real-time backoff (see README); Task retries run in runTask.
        retryIntervalOverrides[info.name] = 0;
      }
    }
    return { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides };
  }

  async #wait(info: StateInfo, input: WrappedInput & { s?: unknown; ts?: unknown }): Promise<unknown> {
    const { Seconds, Timestamp } = info.def;
    const now = this.now();
    let due = now;
    if (typeof Seconds === 'number') due = now + Seconds * 1000;
    else if (typeof Timestamp === 'string') due = Date.parse(Timestamp);
    else if (input.s !== undefined) {
      if (typeof input.s !== 'number' || !Number.isInteger(input.s) || input.s < 0) {
        throw new StatesError('States.Runtime', `SecondsPath of ${info.name} is not a non-negative integer`);
      }
      due = now + input.s * 1000;
    } else if (input.ts !== undefined) {
      due = typeof input.ts === 'string' ? Date.parse(input.ts) : Number.NaN;
      if (Number.isNaN(due))
        throw new StatesError('States.Runtime', `TimestampPath of ${info.name} is not a timestamp`);
    }
    await this.scheduler.until(due, this.signal);
    return input.p;
  }
}

const TERMINAL_EVENTS: Record<ExecutionStatus, string> = {
  RUNNING: '',
  SUCCEEDED: 'ExecutionSucceeded',
  FAILED: 'ExecutionFailed',
  ABORTED: 'ExecutionAborted',
  TIMED_OUT: 'ExecutionTimedOut',
};
