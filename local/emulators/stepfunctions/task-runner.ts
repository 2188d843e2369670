import type { StateInfo } from './definition';
import { ExecutionClosed, errorMessage, errorName, StatesError } from './errors';
import { parseResource, type ResourceSpec } from './resources';
import { nextRetryDelay, type Retrier } from './retry';
import type { Scheduler } from './scheduler';
import type { TaskTokens } from './tokens';
import type { Params } from './types';

/** What a running execution lends its Task states. */
export interface TaskHost {
  readonly executionArn: string;
  readonly region: string;
  readonly signal: AbortSignal;
  readonly scheduler: Scheduler;
  readonly tokens: TaskTokens;
  now(): number;
  record(type: string, details: Params): void;
  countTransition(): void;
  call(spec: ResourceSpec, params: unknown): Promise<unknown>;
  /** A States.Timeout the engine treats as its own (so States.TaskFailed does not catch it). */
  timeoutError(): Error;
}

/** Engine-side input of a Task: the effective parameters plus any *SecondsPath values. */
export interface WrappedInput {
  p?: unknown;
  t?: unknown;
  h?: unknown;
}

const REDACTED = '<task token>';

/**
 * Runs one Task state visit: attempts, Retry with backoff on the emulator's clock, TimeoutSeconds and
 * HeartbeatSeconds on the emulator's clock (no timeout when unset, as in AWS), a fresh token per
 * callback attempt, and the history events AWS writes for each attempt.
 */
export async function runTask(host: TaskHost, info: StateInfo, input: WrappedInput, token?: string) {
  const spec = parseResource(String(info.def.Resource)) as ResourceSpec;
  const timeout = seconds(input.t ?? info.def.TimeoutSeconds);
  const heartbeat = seconds(input.h ?? info.def.HeartbeatSeconds);
  const retriers = (info.def.Retry ?? []) as Retrier[];
  const attempts = retriers.map(() => 0);
  let params = input.p;
  let current = spec.callback ? token : undefined;
  for (;;) {
    try {
      return await attempt(host, spec, params, current, timeout, heartbeat);
    } catch (e) {
      if (e instanceof ExecutionClosed) throw e;
      const delay = nextRetryDelay(retriers, attempts, errorName(e));
      if (delay === undefined) throw e;
      await host.scheduler.until(host.now() + delay, host.signal);
      host.countTransition();
      if (current) {
        const next = host.tokens.mint();
        params = JSON.parse(JSON.stringify(params).replaceAll(current, next));
        current = next;
      }
    }
  }
}

async function attempt(
  host: TaskHost,
  spec: ResourceSpec,
  params: unknown,
  token: string | undefined,
  timeout: number | undefined,
  heartbeat: number | undefined,
): Promise<unknown> {
  const lambda = spec.kind === 'lambda-arn';
  const shown = token ? JSON.stringify(params).replaceAll(token, REDACTED) : JSON.stringify(params);
  const names = lambda ? LAMBDA_EVENTS : TASK_EVENTS;
  const ids = lambda ? {} : { resourceType: spec.resourceType, resource: spec.resource };
  host.record(
    names.scheduled,
    lambda
      ? { resource: spec.resource, input: shown, timeoutInSeconds: timeout }
      : {
          ...ids,
          region: host.region,
          parameters: shown,
          timeoutInSeconds: timeout,
          heartbeatInSeconds: heartbeat,
        },
  );
  host.record(names.started, ids);
  const guard = new Guard(host, timeout);
  try {
    let output: unknown;
    if (token) {
      const done = new Promise<unknown>((resolve, reject) => {
        host.tokens.open(token, {
          executionArn: host.executionArn,
          succeed: resolve,
          fail: (error, cause) => reject(new StatesError(error, cause)),
          heartbeat: () => guard.beat(heartbeat),
        });
      });
      // A SendTaskFailure can land while the task's own call is still running (or after it failed):
      // the rejection is read below, or not at all when the call itself failed.
      done.catch(() => undefined);
      guard.beat(heartbeat);
      const submitted = await guard.race(host.call(spec, params));
      host.record('TaskSubmitted', { ...ids, output: JSON.stringify(submitted ?? null) });
      output = await guard.race(done);
    } else {
      output = await guard.race(host.call(spec, params));
    }
    host.record(names.succeeded, { ...ids, output: JSON.stringify(output ?? null) });
    return output;
  } catch (e) {
    if (e instanceof ExecutionClosed) throw e;
    const name = errorName(e);
    const timedOut = name === 'States.Timeout' || name === 'States.HeartbeatTimeout';
    host.record(timedOut ? names.timedOut : names.failed, { ...ids, error: name, cause: errorMessage(e) });
    throw e;
  } finally {
    guard.cancel();
    if (token) host.tokens.close(token);
  }
}

const TASK_EVENTS = {
  scheduled: 'TaskScheduled',
  started: 'TaskStarted',
  succeeded: 'TaskSucceeded',
  failed: 'TaskFailed',
  timedOut: 'TaskTimedOut',
};
const LAMBDA_EVENTS = {
  scheduled: 'LambdaFunctionScheduled',
  started: 'LambdaFunctionStarted',
  succeeded: 'LambdaFunctionSucceeded',
  failed: 'LambdaFunctionFailed',
  timedOut: 'LambdaFunctionTimedOut',
};

/** Rejects a task attempt on its timeout, its heartbeat timeout, or the execution closing. */
class Guard {
  readonly #expired: Promise<never>;
  #reject!: (e: Error) => void;
  #cancels: (() => void)[] = [];
  #heartbeat: (() => void) | undefined;

  constructor(
    private readonly host: TaskHost,
    timeout: number | undefined,
  ) {
    this.#expired = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    this.#expired.catch(() => undefined);
    if (timeout !== undefined) {
      this.#cancels.push(
        host.scheduler.at(host.now() + timeout * 1000, () => this.#reject(host.timeoutError())),
      );
    }
    const onAbort = () => this.#reject(new ExecutionClosed());
    host.signal.addEventListener('abort', onAbort, { once: true });
    this.#cancels.push(() => host.signal.removeEventListener('abort', onAbort));
  }

  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.#expired]);
  }

  /** (Re)starts the heartbeat clock of a callback task. */
  beat(heartbeat: number | undefined): void {
    if (heartbeat === undefined) return;
    this.#heartbeat?.();
    this.#heartbeat = this.host.scheduler.at(this.host.now() + heartbeat * 1000, () =>
      this.#reject(new StatesError('States.HeartbeatTimeout', '')),
    );
  }

  cancel(): void {
    this.#heartbeat?.();
    for (const cancel of this.#cancels) cancel();
  }
}

function seconds(value: unknown): number | undefined {
  return typeof value === 'number' && value > 0 ? value : undefined;
}
