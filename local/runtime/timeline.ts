import { MinHeap } from './min-heap';

type Action = { label: string; run: () => void | Promise<void> };

/** Things the local stack must do at a virtual time: scenario steps, delayed deliveries, retries. */
export class Timeline {
  readonly #heap = new MinHeap<Action>();

  at(time: number, label: string, run: Action['run']): void {
    this.#heap.push(time, { label, run });
  }

  nextDue(): number | undefined {
    return this.#heap.peekKey();
  }

  /** Pops every action due at `now`; the caller runs and tracks them. */
  takeDue(now: number): Action[] {
    const due: Action[] = [];
    while ((this.#heap.peekKey() ?? Number.POSITIVE_INFINITY) <= now) due.push(this.#heap.pop() as Action);
    return due;
  }

  get size(): number {
    return this.#heap.size;
  }
}
