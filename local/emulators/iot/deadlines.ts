import { MinHeap } from '../../runtime/min-heap';
import type { ExecutionRecord, JobRecord } from './model';

const deadlineOf = (exec: ExecutionRecord): number | undefined => {
  const { inProgressDeadline: a, stepDeadline: b } = exec;
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
};

/**
 * The executions with an armed in-progress or step timer, indexed by deadline: the emulator's tick
 * (before every request and at every instant of the local stack) pops what is due instead of
 * scanning every execution that ever started. Deadlines are read when the tick runs, since
 * callers register an execution before they set its deadline.
 */
export class DeadlineMap extends Map<ExecutionRecord, JobRecord> {
  readonly #heap = new MinHeap<ExecutionRecord>();
  #added: ExecutionRecord[] = [];

  override set(exec: ExecutionRecord, job: JobRecord): this {
    super.set(exec, job);
    this.#added?.push(exec);
    return this;
  }

  /** Executions still in progress whose deadline is at or before `now`, removed from the map. */
  takeDue(now: number): [ExecutionRecord, JobRecord][] {
    for (const exec of this.#added) {
      const d = deadlineOf(exec);
      if (d !== undefined) this.#heap.push(d, exec);
    }
    this.#added = [];
    const due: [ExecutionRecord, JobRecord][] = [];
    for (let key = this.#heap.peekKey(); key !== undefined && key <= now; key = this.#heap.peekKey()) {
      const exec = this.#heap.pop() as ExecutionRecord;
      const job = this.get(exec);
      if (job === undefined) continue;
      const d = deadlineOf(exec);
      if (exec.status !== 'IN_PROGRESS' || d === undefined) this.delete(exec);
      else if (d > now) this.#heap.push(d, exec);
      else {
        this.delete(exec);
        due.push([exec, job]);
      }
    }
    return due;
  }
}
