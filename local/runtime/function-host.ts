import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../emulators/common/random';
import type { LocalClock } from './local-clock';
import type { VirtualNetwork } from './net/network';
import { Bundle } from './sandbox/container';
import type { ContainerThreads } from './threads/pool';
import type { ContextFields, Outcome } from './threads/protocol';
import type { Timeline } from './timeline';
import { extractZip } from './unzip';

export type FunctionSpec = {
  logicalId: string;
  name: string;
  handler: string;
  zip: string;
  timeoutSeconds: number;
  reservedConcurrency: number | undefined;
  environment: Record<string, string>;
};

export type InvokeResult =
  | { ok: true; result: unknown }
  | { ok: false; error: { errorType: string; errorMessage: string } };

export type LogSink = (functionName: string, line: string) => void;

/**
 * Chaos: the container running a function's Nth invocations (1-based) exits `afterMs` virtual
 * milliseconds into it, or when its handler returns if that is sooner: work done, no response.
 */
export type ContainerCrash = { function: string; invocations: readonly number[]; afterMs: number };

/**
 * What the host needs of the stack: its clock, agenda and network, the seed, and the container
 * threads (none: every container runs in the stack's own thread).
 */
export type Simulation = {
  clock: LocalClock;
  timeline: Timeline;
  network: VirtualNetwork;
  seed: number;
  threads?: ContainerThreads;
};

type Running = { settle: (r: InvokeResult) => void };
/** Where a container's code runs: here, or on a container thread. */
type Runtime = { start(event: unknown, context: ContextFields): Promise<Outcome>; kill(): void };
type Container = {
  id: string;
  fn: string;
  runtime: Runtime;
  busy: boolean;
  dead: boolean;
  current: Running | undefined;
};

/** Local default when a function reserves no concurrency (AWS's account default is 1,000). */
const DEFAULT_CONCURRENCY = 4;

/**
 * Runs each function's deployed bundle in containers, one invocation per container at a time, at
 * most its reserved concurrency at once, each with the function's own environment and module
 * state, like Lambda containers. Invocations beyond the limit wait, as event-source and async
 * invocations do. Containers live in the stack's thread on its virtual clock (sandbox/), so what
 * they do and when is decided by the seed, not by thread scheduling.
 */
export class FunctionHost {
  readonly #specs = new Map<string, FunctionSpec>();
  readonly #bundles = new Map<string, Bundle>();
  readonly #pools = new Map<string, Container[]>();
  readonly #waiting = new Map<string, (() => void)[]>();
  readonly #spawned = new Map<string, number>();
  readonly stats = new Map<string, { invocations: number; errors: number }>();
  readonly #started = new Map<string, number>();
  readonly #requests = new Map<string, number>();
  readonly #byId = new Map<string, Container>();
  readonly #invocations = new Map<number, (outcome: Outcome) => void>();
  #invocationIds = 0;
  /** Containers that chaos made exit (ContainerCrash). */
  crashes = 0;
  inFlight = 0;

  constructor(
    private readonly buildDir: string,
    private readonly commonEnv: Record<string, string>,
    private readonly log: LogSink,
    private readonly sim: Simulation,
    /** Applied over each function's own environment (e.g. a faster SDK retry mode for tests). */
    private readonly overrides: Record<string, string> = {},
    private readonly crashPlan: readonly ContainerCrash[] = [],
  ) {}

  async register(spec: FunctionSpec): Promise<void> {
    const dir = path.join(this.buildDir, spec.logicalId);
    rmSync(dir, { recursive: true, force: true });
    await extractZip(spec.zip, dir);
    // Lambda's task root has no package.json, so .js means CommonJS there; the repo's says "module".
    writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}\n');
    this.#specs.set(spec.name, spec);
    this.#pools.set(spec.name, []);
    this.stats.set(spec.name, { invocations: 0, errors: 0 });
  }

  /** Accepts a function name, ARN (with or without qualifier) or logical id. */
  resolve(ref: string): FunctionSpec | undefined {
    const name = ref.startsWith('arn:') ? (ref.split(':')[6] ?? '') : ref;
    return this.#specs.get(name) ?? [...this.#specs.values()].find((s) => s.logicalId === ref);
  }

  async invoke(ref: string, event: unknown): Promise<InvokeResult> {
    const spec = this.resolve(ref);
    if (!spec)
      return {
        ok: false,
        error: { errorType: 'ResourceNotFoundException', errorMessage: `Function not found: ${ref}` },
      };
    this.inFlight += 1;
    try {
      const container = await this.#acquire(spec);
      try {
        const result = await this.#run(spec, container, event);
        const stat = this.stats.get(spec.name);
        if (stat) {
          stat.invocations += 1;
          if (!result.ok) stat.errors += 1;
        }
        return result;
      } finally {
        this.#release(spec, container);
      }
    } finally {
      this.inFlight -= 1;
    }
  }

  async close(): Promise<void> {
    for (const pool of this.#pools.values()) for (const c of pool) this.#kill(c);
  }

  #run(spec: FunctionSpec, container: Container, event: unknown): Promise<InvokeResult> {
    const { clock, timeline } = this.sim;
    const started = clock.now();
    const crashAfterMs = this.#crashFor(spec);
    const fields: ContextFields = {
      functionName: spec.name,
      invokedFunctionArn: `arn:aws:lambda:${this.commonEnv.AWS_REGION ?? 'us-east-1'}:000000000000:function:${spec.name}`,
      awsRequestId: this.#requestId(container),
      logStreamName: container.id,
      started,
      timeoutMs: spec.timeoutSeconds * 1000,
    };
    return new Promise<InvokeResult>((resolve) => {
      let settled = false;
      const settle = (r: InvokeResult) => {
        if (settled) return;
        settled = true;
        container.current = undefined;
        crash?.cancel();
        resolve(r);
      };
      container.current = { settle };
      // Chaos (ContainerCrash): the container dies mid-invocation, or at the latest before it answers.
      const crash =
        crashAfterMs === undefined
          ? undefined
          : timeline.at(started + crashAfterMs, `crash ${container.id}`, () => this.#exit(container, 137), {
              source: container.id,
            });
      container.runtime.start(event, fields).then((r) => {
        if (container.dead) return;
        if (crashAfterMs !== undefined) return this.#exit(container, 137);
        settle(r);
      });
    });
  }

  #requestId(container: Container): string {
    const n = (this.#requests.get(container.id) ?? 0) + 1;
    this.#requests.set(container.id, n);
    const hex = n.toString(16).padStart(12, '0');
    const tag = [...container.id]
      .reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7)
      .toString(16)
      .padStart(8, '0');
    return `${tag}-0000-4000-8000-${hex}`;
  }

  async #acquire(spec: FunctionSpec): Promise<Container> {
    const pool = this.#pools.get(spec.name) ?? [];
    for (;;) {
      for (let i = pool.length - 1; i >= 0; i--) if (pool[i]?.dead) pool.splice(i, 1);
      const idle = pool.find((c) => !c.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (pool.length < (spec.reservedConcurrency ?? DEFAULT_CONCURRENCY)) {
        const container = this.#spawn(spec);
        container.busy = true;
        pool.push(container);
        return container;
      }
      await new Promise<void>((resolve) => {
        const queue = this.#waiting.get(spec.name) ?? [];
        queue.push(resolve);
        this.#waiting.set(spec.name, queue);
      });
    }
  }

  #crashFor(spec: FunctionSpec): number | undefined {
    const n = (this.#started.get(spec.name) ?? 0) + 1;
    this.#started.set(spec.name, n);
    const plan = this.crashPlan.find((c) => this.resolve(c.function) === spec && c.invocations.includes(n));
    if (plan) this.crashes += 1;
    return plan?.afterMs;
  }

  #release(spec: FunctionSpec, container: Container): void {
    container.busy = false;
    this.#waiting.get(spec.name)?.shift()?.();
  }

  /** A container that exits (process.exit, an uncaught exception, chaos) fails its invocation and is replaced. */
  #exit(container: Container, code: number, reason?: string): void {
    if (container.dead) return;
    const spec = [...this.#pools.entries()].find(([, pool]) => pool.includes(container))?.[0] ?? '';
    const message = reason ?? `RequestId: - Error: Runtime exited with error: exit status ${code}`;
    this.log(spec, `container ${container.id} crashed: ${message}`);
    const current = container.current;
    this.#kill(container);
    current?.settle({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: message } });
  }

  #kill(container: Container): void {
    if (container.dead) return;
    container.dead = true;
    container.runtime?.kill();
  }

  #spawn(spec: FunctionSpec): Container {
    const [file, exportName] = splitHandler(spec.handler);
    const entry = path.resolve(this.buildDir, spec.logicalId, `${file}.js`);
    if (!existsSync(entry)) throw new Error(`bundle for ${spec.name} not found at ${entry}`);
    const n = (this.#spawned.get(spec.name) ?? 0) + 1;
    this.#spawned.set(spec.name, n);
    const id = `${spec.name}#${n}`;
    const container: Container = {
      id,
      fn: spec.name,
      busy: false,
      dead: false,
      current: undefined,
    } as Container;
    this.#byId.set(id, container);
    const env = containerEnv(spec, this.commonEnv, this.overrides);
    const seed = (this.sim.seed ^ hash(id)) >>> 0;
    container.runtime = this.sim.threads
      ? this.#threadRuntime(this.sim.threads, container, entry, exportName, env, seed)
      : this.#localRuntime(spec, container, entry, exportName, env, seed);
    return container;
  }

  /** A container in this thread: the bundle's module run anew, called directly. */
  #localRuntime(
    spec: FunctionSpec,
    container: Container,
    entry: string,
    exportName: string,
    env: Record<string, string>,
    seed: number,
  ): Runtime {
    let bundle = this.#bundles.get(spec.name);
    if (!bundle) {
      bundle = new Bundle(entry);
      this.#bundles.set(spec.name, bundle);
    }
    const { clock } = this.sim;
    const { exports, timers } = bundle.load({
      id: container.id,
      env,
      clock,
      timeline: this.sim.timeline,
      network: this.sim.network,
      random: seededRandom(seed),
      log: (line) => this.log(spec.name, line),
      crash: (reason) => this.#exit(container, 1, reason),
      alive: () => !container.dead,
    });
    const handler = exports[exportName];
    if (typeof handler !== 'function') throw new Error(`${spec.handler} does not export a function`);
    return {
      kill: () => timers.cancelAll(),
      start: (event, c) => {
        const context = {
          callbackWaitsForEmptyEventLoop: false,
          functionName: c.functionName,
          functionVersion: '$LATEST',
          invokedFunctionArn: c.invokedFunctionArn,
          memoryLimitInMB: '512',
          awsRequestId: c.awsRequestId,
          logGroupName: `/aws/lambda/${c.functionName}`,
          logStreamName: c.logStreamName,
          getRemainingTimeInMillis: () => Math.max(0, c.timeoutMs - (clock.now() - c.started)),
        };
        // Events and results are copied, as the Lambda service serializes them.
        return Promise.resolve()
          .then(() => handler(structuredClone(event), context))
          .then(
            (result): Outcome => ({
              ok: true,
              result: result === undefined ? undefined : structuredClone(result),
            }),
            (error: { name?: string; message?: string } | undefined): Outcome => ({
              ok: false,
              error: { errorType: error?.name ?? 'Error', errorMessage: String(error?.message ?? error) },
            }),
          );
      },
    };
  }

  /** A container on a container thread: spawned, invoked and killed by messages (threads/). */
  #threadRuntime(
    threads: ContainerThreads,
    container: Container,
    file: string,
    exportName: string,
    env: Record<string, string>,
    seed: number,
  ): Runtime {
    const thread = threads.place(container.fn, Number(container.id.split('#').pop()));
    threads.deliver(thread, { t: 'spawn', container: container.id, file, exportName, env, seed });
    return {
      kill: () => threads.deliver(thread, { t: 'kill', container: container.id }),
      start: (event, context) =>
        new Promise<Outcome>((resolve) => {
          const inv = ++this.#invocationIds;
          this.#invocations.set(inv, resolve);
          threads.deliver(thread, { t: 'invoke', inv, container: container.id, event, context });
        }),
    };
  }

  /** Container threads report here (ContainerThreads' events). */
  readonly threadEvents = {
    log: (container: string, line: string) => this.log(this.#byId.get(container)?.fn ?? container, line),
    result: (inv: number, outcome: Outcome) => {
      const resolve = this.#invocations.get(inv);
      this.#invocations.delete(inv);
      resolve?.(outcome);
    },
    crash: (container: string, reason: string) => {
      const c = this.#byId.get(container);
      if (c) this.#exit(c, 1, reason);
    },
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A container's environment: the stack's, the function's own, then the overrides. No
 * LAMBDA_TASK_ROOT and X-Ray in manual mode: the local stack traces nothing, and the X-Ray SDK
 * would otherwise hook every promise (over a tenth of an invocation's CPU).
 */
export function containerEnv(
  spec: FunctionSpec,
  common: Record<string, string>,
  overrides: Record<string, string>,
): Record<string, string> {
  return {
    ...common,
    AWS_XRAY_MANUAL_MODE: 'true',
    ...spec.environment,
    ...overrides,
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(spec.timeoutSeconds),
  };
}

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}
