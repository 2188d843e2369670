import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock } from '../common/clock';
import { createOperations } from './api';
import type { Execution } from './execution';
import { createHttpHandler } from './http';
import { createIntegrationCall } from './integrations';
import { Scheduler } from './scheduler';
import { Store } from './store';
import { engineReady, statesTimeoutError } from './timeout-error';
import { TaskTokens } from './tokens';
import type { ExecutionView, StepFunctionsEmulatorOptions } from './types';

export { createAwsSdkIntegration } from './aws-sdk-integration';
export type * from './types';

export interface StepFunctionsEmulator {
  handler(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Creates (or idempotently re-creates) a Standard state machine; returns its ARN. */
  registerStateMachine(name: string, definition: object): string;
  /** Read access by execution ARN. */
  readonly executions: ReadonlyMap<string, ExecutionView>;
  /** Fires timers (Wait states, task timeouts, retry backoff, execution timeouts) now due on the clock. */
  sweep(): number;
  /** Clock time of the next pending timer, so a virtual stack can jump straight to it. */
  nextDue(): number | undefined;
  /** Resolves once no execution can make progress without more time, a callback or a request. */
  settle(): Promise<void>;
  /** Every task token ever minted, for leak scans of logs, audit records and events. */
  issuedTokens(): readonly string[];
}

/**
 * Local AWS Step Functions: the awsJson1_0 API over HTTP, running definitions unmodified on
 * aws-local-stepfunctions, with task integrations supplied by the local stack and every timer on
 * the emulator's clock.
 */
export function createStepFunctionsEmulator(options: StepFunctionsEmulatorOptions): StepFunctionsEmulator {
  const { clock, limiter, faults } = options;
  const region = options.region ?? 'us-east-1';
  const scheduler = new Scheduler(clock, options.realTimers ?? clock === systemClock);
  const tokens = new TaskTokens();
  const inFlight = { count: 0 };
  const call = createIntegrationCall(options.integrations);
  const tracked: typeof call = async (spec, params) => {
    inFlight.count += 1;
    try {
      return await call(spec, params);
    } finally {
      inFlight.count -= 1;
    }
  };
  const env = { clock, scheduler, tokens, region, call: tracked, timeoutError: statesTimeoutError };
  const store = new Store(env, options.accountId ?? '000000000000');
  const ops = createOperations(store, tokens, engineReady);
  const handler = createHttpHandler(ops, {
    limiter,
    faults,
    inFlight,
    beforeRequest: () => scheduler.sweep(),
  });

  const progress = () => {
    let events = 0;
    for (const e of store.executions.values()) events += e.history.length;
    return `${events}/${scheduler.fired}/${store.executions.size}`;
  };

  return {
    handler,
    registerStateMachine: (name, definition) => store.createMachine(name, JSON.stringify(definition)).arn,
    executions: store.executions as ReadonlyMap<string, Execution>,
    sweep: () => scheduler.sweep(),
    nextDue: () => scheduler.nextDue(),
    async settle() {
      await engineReady;
      let last = '';
      let quiet = 0;
      // Engine steps hop between microtasks and immediates; stop after a few rounds with no change.
      while (quiet < 5) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        const now = progress();
        quiet = inFlight.count === 0 && now === last ? quiet + 1 : 0;
        last = now;
      }
    },
    issuedTokens: () => tokens.issued(),
  };
}
