import { randomUUID } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
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
 * Chaos: the container running a function's Nth invocations (1-based) exits `afterMs` real
 * milliseconds into it, or when its handler returns if that is sooner: work done, no response.
 */
export type ContainerCrash = { function: string; invocations: readonly number[]; afterMs: number };

type Container = { worker: Worker; busy: boolean; current: string | undefined; dead: boolean };
type Pending = { resolve: (r: InvokeResult) => void };

/**
 * Each container's V8 young generation. Node's default (~48 MB) let a 1,000-thing burst hold
 * ~150 MB more across the containers and cost ~15% more CPU: a small nursery stays in cache.
 */
const YOUNG_GENERATION_MB = 8;

/** Local default when a function reserves no concurrency (AWS's account default is 1,000). */
const DEFAULT_CONCURRENCY = 4;

/**
 * Runs each function's deployed bundle in worker threads, one invocation per worker at a time, at
 * most its reserved concurrency at once; each worker has the function's own environment, like a
 * Lambda container. Invocations beyond the limit wait, as event-source and async invocations do.
 */
export class FunctionHost {
  readonly #specs = new Map<string, FunctionSpec>();
  readonly #pools = new Map<string, Container[]>();
  readonly #waiting = new Map<string, (() => void)[]>();
  readonly #pending = new Map<string, Pending>();
  readonly stats = new Map<string, { invocations: number; errors: number }>();
  readonly #started = new Map<string, number>();
  /** Containers that chaos made exit (ContainerCrash). */
  crashes = 0;
  inFlight = 0;
  #closing = false;

  constructor(
    private readonly buildDir: string,
    private readonly commonEnv: Record<string, string>,
    private readonly log: LogSink,
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
        const id = randomUUID();
        const crashAfterMs = this.#crashFor(spec);
        const result = await new Promise<InvokeResult>((resolve) => {
          this.#pending.set(id, { resolve });
          container.current = id;
          container.worker.postMessage({ id, event, requestId: id, crashAfterMs });
        });
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
    this.#closing = true;
    await Promise.all([...this.#pools.values()].flat().map((c) => c.worker.terminate()));
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
        const container: Container = {
          worker: undefined as unknown as Worker,
          busy: true,
          current: undefined,
          dead: false,
        };
        container.worker = this.#spawn(spec, container);
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
    container.current = undefined;
    this.#waiting.get(spec.name)?.shift()?.();
  }

  #spawn(spec: FunctionSpec, container: Container): Worker {
    const [file, exportName] = splitHandler(spec.handler);
    const entry = path.resolve(this.buildDir, spec.logicalId, `${file}.js`);
    if (!existsSync(entry)) throw new Error(`bundle for ${spec.name} not found at ${entry}`);
    const worker = new Worker(new URL('./function-worker.mjs', import.meta.url), {
      workerData: { file: entry, exportName, functionName: spec.name, timeoutMs: spec.timeoutSeconds * 1000 },
      env: containerEnv(spec, this.commonEnv, this.overrides),
      stdout: true,
      stderr: true,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.log(spec.name, line));
    }
    worker.on('message', (message: { id: string } & InvokeResult) => {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      pending?.resolve(
        message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error },
      );
    });
    // A crashed container fails its invocation (as a Lambda runtime error) and is replaced.
    const crashed = (message: string) => {
      if (container.dead) return;
      this.log(spec.name, `worker crashed: ${message}`);
      container.dead = true;
      const pending = container.current ? this.#pending.get(container.current) : undefined;
      if (container.current) this.#pending.delete(container.current);
      pending?.resolve({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: message } });
    };
    worker.on('error', (error) => crashed(error.message));
    // A container that exits (process.exit, OOM) mid-invocation fails it the same way.
    worker.on('exit', (code) => {
      if (!this.#closing)
        crashed(
          `RequestId: ${container.current ?? '-'} Error: Runtime exited with error: exit status ${code}`,
        );
    });
    return worker;
  }
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
