import type { Agenda, Scheduled, TimeSource } from './ports';

type Callback = (...args: unknown[]) => unknown;

/** A Node `Timeout` on virtual time: ref/unref/refresh/close and a numeric id, as code expects. */
export class VirtualTimeout {
  #scheduled: Scheduled | undefined;
  #ref = true;
  closed = false;
  constructor(
    private readonly owner: VirtualTimers,
    readonly id: number,
    private readonly callback: Callback,
    private readonly delay: number,
    private readonly args: unknown[],
    private readonly repeat: boolean,
  ) {
    this.#arm();
  }

  ref(): this {
    if (!this.#ref) {
      this.#ref = true;
      this.#rearm();
    }
    return this;
  }
  unref(): this {
    if (this.#ref) {
      this.#ref = false;
      this.#rearm();
    }
    return this;
  }
  hasRef(): boolean {
    return this.#ref;
  }
  refresh(): this {
    this.#scheduled?.cancel();
    this.#arm();
    return this;
  }
  close(): this {
    this.closed = true;
    this.#scheduled?.cancel();
    this.owner.forget(this);
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }

  #rearm(): void {
    const due = this.#scheduled?.time;
    this.#scheduled?.cancel();
    if (!this.closed) this.#arm(due);
  }

  #arm(due = this.owner.clock.now() + this.delay): void {
    this.#scheduled = this.owner.timeline.at(due, this.owner.label, () => this.#fire(), {
      source: this.owner.source,
      weak: !this.#ref,
    });
  }

  #fire(): void {
    if (this.closed) return;
    if (this.repeat) this.#arm();
    else {
      this.closed = true;
      this.owner.forget(this);
    }
    this.owner.run(() => this.callback(...this.args));
  }
}

/**
 * setTimeout and friends for one function container, on the stack's timeline: an SDK retry
 * back-off, a membership pacer's sleep or middy's timeout fire at their virtual time, in the
 * order the agenda gives them, and cost no real time. `run` wraps every callback (a crashed
 * container runs nothing).
 */
export class VirtualTimers {
  readonly #live = new Map<number, VirtualTimeout>();
  #ids = 0;

  constructor(
    readonly clock: TimeSource,
    readonly timeline: Agenda,
    /** Agenda source: timers of one container keep their relative order. */
    readonly source: string,
    readonly run: (callback: () => unknown) => void,
    readonly label = `timer ${source}`,
  ) {}

  readonly setTimeout = (callback: Callback, ms?: number, ...args: unknown[]): VirtualTimeout =>
    this.#create(callback, ms, args, false);

  readonly setInterval = (callback: Callback, ms?: number, ...args: unknown[]): VirtualTimeout =>
    this.#create(callback, ms, args, true);

  readonly clearTimeout = (timer: unknown): void => {
    const found = timer instanceof VirtualTimeout ? timer : this.#live.get(Number(timer));
    found?.close();
  };

  readonly clearInterval = this.clearTimeout;

  /** `node:timers/promises`' setTimeout, with its AbortSignal. */
  readonly sleep = <T>(ms?: number, value?: T, options: { signal?: AbortSignal } = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) return reject(abortError(signal));
      const timer = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value as T);
      }, ms);
      const onAbort = () => {
        timer.close();
        reject(abortError(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  forget(timer: VirtualTimeout): void {
    this.#live.delete(timer.id);
  }

  /** Cancels every timer (the container died). */
  cancelAll(): void {
    for (const timer of [...this.#live.values()]) timer.close();
  }

  get pending(): number {
    return this.#live.size;
  }

  #create(callback: Callback, ms: number | undefined, args: unknown[], repeat: boolean): VirtualTimeout {
    if (typeof callback !== 'function')
      throw new TypeError('The "callback" argument must be of type function');
    // Node: a delay that is not a number in [1, 2^31-1] becomes 1 ms.
    const delay = Number(ms);
    const clamped = Number.isFinite(delay) && delay >= 1 && delay <= 2_147_483_647 ? Math.floor(delay) : 1;
    const timer = new VirtualTimeout(this, ++this.#ids, callback, clamped, args, repeat);
    this.#live.set(timer.id, timer);
    return timer;
  }
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}
