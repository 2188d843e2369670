import { Worker } from 'node:worker_threads';
import type { VirtualNetwork } from '../net/network';
import { quiesce } from '../quiesce';
import type { Scheduled, Timeline } from '../timeline';
import { asBuffer, type Batch, type Delivery, type Outcome, type Output } from './protocol';

type Thread = {
  index: number;
  worker: Worker;
  queue: Delivery[];
  /** The answer to the batch it is running, once it has come (not yet applied). */
  turn: Promise<Output[]> | undefined;
  timers: Map<number, Scheduled>;
  hostsVersion: number;
};

export type PoolEvents = {
  log(container: string, line: string): void;
  result(inv: number, outcome: Outcome): void;
  crash(container: string, reason: string): void;
};

/**
 * Function containers on a fixed number of worker threads, driven in turns so that threads run in
 * parallel and the outcome stays a function of the seed. A thread runs a batch of deliveries until
 * it is idle; the stack applies each thread's answer in a fixed rotation, runs what that started
 * until it is quiet, and only then cuts that thread's next batch from what is queued for it. So
 * the batches, and the order their effects land in, never depend on which thread finished first,
 * while one thread computes as the stack applies another's answer.
 */
export class ContainerThreads {
  readonly #threads: Thread[];
  #cursor = 0;
  readonly #functions = new Map<string, number>();
  /** Turns run, for the benchmarks. */
  turns = 0;

  constructor(
    count: number,
    file: string,
    private readonly deps: {
      clock: { now(): number };
      timeline: Timeline;
      network: VirtualNetwork;
      events: PoolEvents;
    },
  ) {
    this.#threads = Array.from({ length: count }, (_, index) => ({
      index,
      // A small nursery, as the old one-container-per-thread host found: less memory held, fewer cache misses.
      worker: new Worker(file, {
        stdout: false,
        stderr: false,
        resourceLimits: { maxYoungGenerationSizeMb: 8 },
      }),
      queue: [],
      turn: undefined,
      timers: new Map(),
      hostsVersion: -1,
    }));
    for (const t of this.#threads) t.worker.unref();
  }

  /**
   * The thread of a function's `n`th container (1-based): a function's containers alternate over
   * the threads, each function starting on the thread after the previous function's first, so busy
   * functions with one container each still spread.
   */
  place(fn: string, n: number): number {
    let offset = this.#functions.get(fn);
    if (offset === undefined) {
      offset = this.#functions.size;
      this.#functions.set(fn, offset);
    }
    return (offset + n - 1) % this.#threads.length;
  }

  deliver(thread: number, delivery: Delivery): void {
    this.#threads[thread]?.queue.push(delivery);
  }

  /** Whether any thread has work queued or running. */
  get pending(): boolean {
    return this.#threads.some((t) => t.turn !== undefined || t.queue.length > 0);
  }

  /** Runs turns until every thread is idle with nothing queued and the stack is quiet. */
  async settle(): Promise<number> {
    let rounds = 0;
    for (;;) {
      for (const t of this.#threads) if (!t.turn && t.queue.length > 0) this.#send(t);
      const next = this.#nextRunning();
      if (!next) return rounds;
      const outputs = await next.turn;
      next.turn = undefined;
      this.#cursor = (next.index + 1) % this.#threads.length;
      for (const o of outputs ?? []) this.#apply(next, o);
      rounds += await quiesce();
    }
  }

  /** Each thread's event-loop utilization so far (how busy it was). */
  utilization(): number[] {
    return this.#threads.map((t) => t.worker.performance.eventLoopUtilization().utilization);
  }

  async close(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.worker.terminate()));
  }

  #nextRunning(): Thread | undefined {
    const n = this.#threads.length;
    for (let k = 0; k < n; k++) {
      const t = this.#threads[(this.#cursor + k) % n] as Thread;
      if (t.turn) return t;
    }
    return undefined;
  }

  #send(t: Thread): void {
    const deliveries = t.queue;
    t.queue = [];
    const { network } = this.deps;
    if (t.hostsVersion !== network.version) {
      deliveries.unshift({ t: 'hosts', hosts: network.hosts() });
      t.hostsVersion = network.version;
    }
    this.turns += 1;
    t.turn = new Promise<Output[]>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      t.worker.once('error', onError);
      t.worker.once('message', (outputs: Output[]) => {
        t.worker.off('error', onError);
        resolve(outputs);
      });
    });
    const batch: Batch = { now: this.deps.clock.now(), deliveries };
    t.worker.postMessage(batch);
  }

  #apply(t: Thread, o: Output): void {
    const { timeline, network, events } = this.deps;
    switch (o.t) {
      case 'timer':
        t.timers.set(
          o.id,
          timeline.at(
            o.time,
            o.label,
            () => {
              t.timers.delete(o.id);
              this.deliver(t.index, { t: 'fire', id: o.id });
            },
            { ...(o.source ? { source: o.source } : {}), weak: o.weak },
          ),
        );
        return;
      case 'cancel':
        t.timers.get(o.id)?.cancel();
        t.timers.delete(o.id);
        return;
      case 'http':
        network.send({ ...o.request, body: asBuffer(o.request.body) }).then(
          (response) => this.deliver(t.index, { t: 'response', id: o.id, response }),
          (error: Error) => this.deliver(t.index, { t: 'failure', id: o.id, message: error.message }),
        );
        return;
      case 'log':
        events.log(o.container, o.line);
        return;
      case 'result':
        events.result(o.inv, o.outcome);
        return;
      case 'crash':
        events.crash(o.container, o.reason);
        return;
    }
  }
}
