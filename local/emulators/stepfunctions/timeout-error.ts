import './polyfill';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';

type ErrorClass = new () => Error;

/**
 * The engine lets `States.TaskFailed` catch every error except instances of its own (unexported)
 * States.Timeout class. We run task timeouts on our clock, so we borrow that class once by letting
 * a 1 ms engine-side timeout fire, and throw its instances for our timeouts.
 */
async function probe(): Promise<ErrorClass | undefined> {
  const definition = {
    StartAt: 'Probe',
    States: {
      Probe: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe',
        TimeoutSeconds: 0.001,
        End: true,
      },
    },
  };
  const machine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
  const run = machine.run(
    {},
    { overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => {}) } } },
  );
  try {
    await run.result;
  } catch (e) {
    const cause = e instanceof ExecutionError ? e.cause : undefined;
    if (cause instanceof Error && cause.name === 'States.Timeout') return cause.constructor as ErrorClass;
  }
  return undefined;
}

const timeoutClass = probe();

/** Resolves once the engine's States.Timeout class is known (before the first execution runs). */
export const engineReady: Promise<unknown> = timeoutClass;
let resolved: ErrorClass | undefined;
void timeoutClass.then((c) => {
  resolved = c;
});

export function statesTimeoutError(): Error {
  if (resolved) return new resolved();
  const error = new Error('States.Timeout');
  error.name = 'States.Timeout';
  return error;
}
