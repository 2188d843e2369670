import type { StateInfo } from './definition';
import type { HistoryEvent, Params } from './types';

/** The subset of aws-local-stepfunctions' EventLog we read. */
export interface EngineEvent {
  type: string;
  state?: { name: string; input?: unknown; output?: unknown };
  parentState?: { name: string };
  index?: number;
}

/** Wire name of an event's details member, as in the SFN model. */
function detailsKeyOf(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

export function historyEvent(id: number, timestamp: number, type: string, details?: Params): HistoryEvent {
  const event: HistoryEvent = { id, previousEventId: id - 1, timestamp, type };
  if (details && Object.keys(details).length > 0) {
    event.detailsKey = detailsKeyOf(type);
    event.details = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
  }
  return event;
}

const json = (value: unknown) => JSON.stringify(value ?? null);

/**
 * Turns the engine's event log into AWS history events (TaskStateEntered, ParallelStateStarted,
 * MapIterationStarted, ...). Task-level events (TaskScheduled, TaskFailed, ...) come from the task
 * runner; execution start and end from the execution itself.
 */
export class HistoryMapper {
  readonly #failed = new Set<string>();

  constructor(
    private readonly states: ReadonlyMap<string, StateInfo>,
    private readonly record: (type: string, details?: Params) => void,
    private readonly countTransition: () => void,
  ) {}

  onEngineEvent(event: EngineEvent): void {
    const name = event.state?.name ?? '';
    const type = this.states.get(name)?.type ?? 'Task';
    const nested = type === 'Parallel' || type === 'Map';
    switch (event.type) {
      case 'StateEntered':
        this.countTransition();
        this.record(`${type}StateEntered`, {
          name,
          input: json(event.state?.input),
          inputDetails: TRUNCATED,
        });
        if (nested) this.record(`${type}StateStarted`);
        return;
      case 'StateExited':
        if (nested && !this.#failed.delete(name)) this.record(`${type}StateSucceeded`);
        this.record(`${type}StateExited`, {
          name,
          output: json(event.state?.output),
          outputDetails: TRUNCATED,
        });
        return;
      case 'StateFailed':
        if (!nested) return;
        this.#failed.add(name);
        this.record(`${type}StateFailed`);
        return;
      case 'StateRetried':
        if (nested) this.countTransition();
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.record(event.type, { name: event.parentState?.name, index: event.index });
        return;
      default:
        // Execution* events are written by the execution; ParallelBranch* and StateCaught have no AWS twin.
        return;
    }
  }
}

const TRUNCATED = { truncated: false };
