import './polyfill';
import { StateMachine } from 'aws-local-stepfunctions';
import { SfnApiError } from './errors';
import { parseResource } from './resources';
import type { Params } from './types';

export interface StateInfo {
  name: string;
  /** The state's type as written (a Wait stays a Wait even though the engine runs it as a Task). */
  type: string;
  /** The state as written. */
  def: Params;
  /** Key of this state's `$$.State` object in the run context. */
  contextKey: string;
}

export interface PreparedMachine {
  engine: StateMachine;
  states: Map<string, StateInfo>;
  timeoutSeconds?: number;
}

/** Resource the engine copy gives converted Wait states; only our local handler ever sees it. */
const WAIT_RESOURCE = 'arn:aws:states:::local:wait';
/** Engine-side Task timeout: the longest setTimeout allows. Real timeouts run on our clock instead. */
const ENGINE_TASK_TIMEOUT_SECONDS = 2_147_483;

/**
 * Validates a definition as CreateStateMachine would and derives the copy the engine runs:
 * - `$$.Execution` and `$$.State` paths are rebound to context objects we fill from the emulator's
 *   clock (the engine stamps StartTime from Date and has no `$$.State` at all);
 * - Task Retry, timeouts and heartbeats move out of the engine into our task runner, which runs
 *   them on the emulator's clock and mints a fresh token per attempt;
 * - Wait states become local Tasks that sleep on the emulator's clock. Their Parameters carry the
 *   effective input (and SecondsPath/TimestampPath values) so the output is the Wait's own.
 */
export function prepareDefinition(definition: unknown): PreparedMachine {
  try {
    new StateMachine(definition as never);
  } catch (e) {
    throw new SfnApiError('InvalidDefinition', e instanceof Error ? e.message : String(e));
  }
  const copy = structuredClone(definition) as Params;
  const states = new Map<string, StateInfo>();
  prepareStates(copy, states);
  const timeoutSeconds = typeof copy.TimeoutSeconds === 'number' ? copy.TimeoutSeconds : undefined;
  delete copy.TimeoutSeconds;
  const engineDefinition = rewriteStrings(
    copy,
    (s) => s.replace(/\$\$\.Execution\b/g, '$$$$.EmulatedExecution'),
    true,
  );
  const engine = new StateMachine(engineDefinition as never, { validationOptions: { noValidate: true } });
  return { engine, states, timeoutSeconds };
}

function prepareStates(machine: Params, states: Map<string, StateInfo>): void {
  if (machine.QueryLanguage === 'JSONata') invalid('JSONata is not supported by the local engine');
  const defs = machine.States as Record<string, Params>;
  for (const [name, written] of Object.entries(defs)) {
    if (states.has(name)) invalid(`Duplicate state name: ${name}`);
    if (written.QueryLanguage === 'JSONata' || 'Assign' in written) {
      invalid(`State ${name}: JSONata and Variables are not supported by the local engine`);
    }
    const info: StateInfo = {
      name,
      type: String(written.Type),
      def: structuredClone(written),
      contextKey: '',
    };
    info.contextKey = `State_${states.size}`;
    states.set(name, info);
    const state = rewriteStrings(written, (s) => s.replace(/\$\$\.State\b/g, `$$$$.${info.contextKey}`));
    if (state.Type === 'Task') prepareTask(name, state);
    if (state.Type === 'Wait') prepareWait(state);
    for (const branch of (state.Branches as Params[] | undefined) ?? []) prepareStates(branch, states);
    const processor = (state.ItemProcessor ?? state.Iterator) as Params | undefined;
    if (processor) prepareStates(processor, states);
    defs[name] = state;
  }
}

function prepareTask(name: string, state: Params): void {
  const spec = parseResource(String(state.Resource));
  if (!spec) invalid(`State ${name}: unsupported Task resource ${String(state.Resource)}`);
  if (spec.callback && !JSON.stringify(state.Parameters ?? {}).includes('$$.Task.Token')) {
    invalid(`State ${name}: a .waitForTaskToken task must pass $$.Task.Token in Parameters`);
  }
  const wrapped: Params = 'Parameters' in state ? { p: state.Parameters } : { 'p.$': '$' };
  if (typeof state.TimeoutSecondsPath === 'string') wrapped['t.$'] = state.TimeoutSecondsPath;
  if (typeof state.HeartbeatSecondsPath === 'string') wrapped['h.$'] = state.HeartbeatSecondsPath;
  state.Parameters = wrapped;
  state.TimeoutSeconds = ENGINE_TASK_TIMEOUT_SECONDS;
  for (const key of ['Retry', 'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath'])
    delete state[key];
}

function prepareWait(state: Params): void {
  const wrapped: Params = { 'p.$': '$' };
  if (typeof state.SecondsPath === 'string') wrapped['s.$'] = state.SecondsPath;
  if (typeof state.TimestampPath === 'string') wrapped['ts.$'] = state.TimestampPath;
  for (const key of ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath']) delete state[key];
  Object.assign(state, {
    Type: 'Task',
    Resource: WAIT_RESOURCE,
    Parameters: wrapped,
    TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS,
  });
}

function invalid(message: string): never {
  throw new SfnApiError('InvalidDefinition', message);
}

/** Copy with `fn` applied to every string value; unless `deep`, nested machines are kept as they are. */
function rewriteStrings(value: Params, fn: (s: string) => string, deep = false): Params {
  const nested = (key?: string) =>
    !deep && (key === 'Branches' || key === 'ItemProcessor' || key === 'Iterator');
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return fn(v);
    if (nested(key)) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return walk(value) as Params;
}
