import { Console } from 'node:console';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as realTimers from 'node:timers';
import * as realTimersPromises from 'node:timers/promises';
import vm from 'node:vm';
import type { Random } from '../../emulators/common/random';
import { virtualHttpModule } from '../net/client-request';
import type { Agenda, Network, TimeSource } from './ports';
import { deterministicFs, LineSink, seededCrypto, seededMath, virtualDate } from './shims';
import { VirtualTimers } from './timers';

/**
 * The free names a bundle sees that differ per container. A Lambda container is its own process;
 * here every container is a fresh instance of the deployed bundle's module in the stack's thread,
 * with its own environment, stdout, timers on virtual time, a clock that reads virtual time, a
 * seeded `Math.random`/`crypto.randomUUID`, and `node:http`/`fetch` on the virtual network.
 */
const PARAMS = [
  'exports',
  'require',
  'module',
  '__filename',
  '__dirname',
  'process',
  'console',
  'Date',
  'Math',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'globalThis',
  'global',
  'fetch',
  'crypto',
  '__fleetLocalImport',
] as const;

/** `import("node:x")` in a bundle: dynamic imports of built-ins, answered like `require`. */
const DYNAMIC_IMPORT = /(?<![\w$.])import\((?=["'`])/g;

type Factory = (this: unknown, ...args: unknown[]) => void;

/** A deployed bundle, compiled once; each container runs its module code anew. */
export class Bundle {
  readonly #factory: Factory;
  constructor(readonly file: string) {
    const source = readFileSync(file, 'utf8')
      .replace(/^#!.*/, '')
      .replace(DYNAMIC_IMPORT, '__fleetLocalImport(');
    const wrapped = `(function (${PARAMS.join(', ')}) {${source}\n})`;
    this.#factory = new vm.Script(wrapped, { filename: file }).runInThisContext() as Factory;
  }

  load(options: ContainerOptions): { exports: Record<string, unknown>; timers: VirtualTimers } {
    const g = containerGlobals(options, createRequire(this.file));
    const module = { exports: {} as Record<string, unknown> };
    const values: Record<(typeof PARAMS)[number], unknown> = {
      exports: module.exports,
      require: g.require,
      module,
      __filename: this.file,
      __dirname: path.dirname(this.file),
      ...g.globals,
    };
    this.#factory.call(module.exports, ...PARAMS.map((p) => values[p]));
    return { exports: module.exports, timers: g.timers };
  }
}

export type ContainerOptions = {
  /** Agenda source and log label: `<function>#<n>`. */
  id: string;
  env: Record<string, string>;
  clock: TimeSource;
  timeline: Agenda;
  network: Network;
  random: Random;
  log: (line: string) => void;
  /** The container stops: process.exit, or an exception thrown from a timer or a response. */
  crash: (reason: string) => void;
  alive: () => boolean;
};

export class ContainerExit extends Error {
  override readonly name = 'ContainerExit';
}

function containerGlobals(o: ContainerOptions, realRequire: NodeJS.Require) {
  const guard = (work: () => unknown) => {
    if (!o.alive()) return;
    try {
      work();
    } catch (error) {
      if (!(error instanceof ContainerExit)) o.crash(`Uncaught ${(error as Error)?.stack ?? String(error)}`);
    }
  };
  const timers = new VirtualTimers(o.clock, o.timeline, o.id, guard);
  const stdout = new LineSink(o.log);
  const stderr = new LineSink(o.log);
  const proc = Object.create(process, {
    env: { value: o.env, writable: true, enumerable: true, configurable: true },
    stdout: { value: stdout, enumerable: true },
    stderr: { value: stderr, enumerable: true },
    exitCode: { value: undefined, writable: true, enumerable: true },
    exit: {
      value: (code?: number) => {
        o.crash(`Runtime exited with error: exit status ${code ?? 0}`);
        throw new ContainerExit(`exit ${code ?? 0}`);
      },
    },
    emitWarning: {
      value: (warning: unknown) => {
        if (o.env.NODE_NO_WARNINGS !== '1') stderr.write(`${String(warning)}\n`);
      },
    },
  }) as NodeJS.Process;
  const crypto = seededCrypto(o.random);
  const { fs, promises } = deterministicFs();
  const http = virtualHttpModule(o.network, guard);
  const timerFns = {
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    setInterval: timers.setInterval,
    clearInterval: timers.clearInterval,
  };
  const timersModule = Object.assign(Object.create(realTimers), timerFns);
  const timersPromises = Object.assign(Object.create(realTimersPromises), {
    setTimeout: timers.sleep,
    scheduler: {
      wait: (ms: number, options?: { signal?: AbortSignal }) => timers.sleep(ms, undefined, options),
      yield: realTimersPromises.setImmediate,
    },
  });
  const builtins: Record<string, unknown> = {};
  const alias = (name: string, value: unknown) => {
    builtins[name] = value;
    builtins[`node:${name}`] = value;
  };
  alias('http', http);
  alias('timers', timersModule);
  alias('timers/promises', timersPromises);
  alias('fs', fs);
  alias('fs/promises', promises);
  alias('crypto', crypto.module);
  alias('process', proc);
  const require = Object.assign((id: string) => (id in builtins ? builtins[id] : realRequire(id)), {
    resolve: realRequire.resolve,
    cache: realRequire.cache,
  });
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!o.network.has(url.host)) return globalThis.fetch(input, init);
    return new Promise((resolve, reject) => {
      o.network.fetch(input, init).then(
        (response) => guard(() => resolve(response)),
        (error: Error) => guard(() => reject(error)),
      );
    });
  };
  const globals = {
    process: proc,
    console: new Console({ stdout, stderr }),
    Date: virtualDate(() => o.clock.now()),
    Math: seededMath(o.random),
    ...timerFns,
    fetch,
    crypto: crypto.webcrypto,
  };
  // Own properties, defined (not assigned): an assignment would run globalThis' own accessors
  // (`process`, `crypto`) and change the stack's globals instead of the container's.
  const shadow = Object.create(globalThis) as Record<string, unknown>;
  const own = (value: unknown) => ({ value, writable: true, enumerable: true, configurable: true });
  for (const [name, value] of Object.entries(globals)) Object.defineProperty(shadow, name, own(value));
  Object.defineProperty(shadow, 'globalThis', own(shadow));
  Object.defineProperty(shadow, 'global', own(shadow));
  const dynamicImport = async (id: string) => {
    const module = require(id) as Record<string, unknown>;
    return new Proxy(module, {
      get: (target, key) =>
        key === 'default' ? target : key === 'then' ? undefined : Reflect.get(target, key),
    });
  };
  return {
    require,
    timers,
    globals: { ...globals, globalThis: shadow, global: shadow, __fleetLocalImport: dynamicImport },
  };
}
