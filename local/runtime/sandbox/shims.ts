import * as nodeCrypto from 'node:crypto';
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import { randomUUID as seededUuidFrom } from '../../emulators/common/ids';
import type { Random } from '../../emulators/common/random';

/**
 * `Date` on the stack's clock: `Date.now()` and `new Date()` read virtual time; everything else is
 * the real Date (instances are real Dates).
 */
export function virtualDate(now: () => number): DateConstructor {
  const Real = Date;
  function VirtualDate(this: unknown, ...args: unknown[]) {
    if (!new.target) return new Real(now()).toString();
    return args.length === 0
      ? new Real(now())
      : new (Real as unknown as new (...a: unknown[]) => Date)(...args);
  }
  VirtualDate.prototype = Real.prototype;
  VirtualDate.now = now;
  VirtualDate.parse = Real.parse;
  VirtualDate.UTC = Real.UTC;
  return VirtualDate as unknown as DateConstructor;
}

/** `Math` with a seeded `random()`: the SDK's retry jitter replays from the seed. */
export function seededMath(random: Random): Math {
  return Object.create(Math, { random: { value: random } }) as Math;
}

function seededBytes(random: Random, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** `node:crypto` and WebCrypto whose random ids and bytes come from the container's seed. */
export function seededCrypto(random: Random) {
  const randomUUID = () => seededUuidFrom(random);
  const getRandomValues = <T extends ArrayBufferView | null>(view: T): T => {
    if (view)
      new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(seededBytes(random, view.byteLength));
    return view;
  };
  const randomBytes = (size: number, callback?: (err: Error | null, buf: Buffer) => void) => {
    const buf = seededBytes(random, size);
    if (callback) process.nextTick(callback, null, buf);
    return buf;
  };
  const webcrypto = Object.create(globalThis.crypto, {
    randomUUID: { value: randomUUID },
    getRandomValues: { value: getRandomValues },
  }) as typeof globalThis.crypto;
  const module = Object.create(nodeCrypto, {
    randomUUID: { value: randomUUID, enumerable: true },
    randomBytes: { value: randomBytes, enumerable: true },
    getRandomValues: { value: getRandomValues, enumerable: true },
    webcrypto: { value: webcrypto, enumerable: true },
  }) as typeof nodeCrypto;
  return { module, webcrypto };
}

type AnyFn = (...args: unknown[]) => unknown;
/** Calls whose synchronous twin returns what the callback or promise would get. */
const TWINNED = [
  'access',
  'appendFile',
  'chmod',
  'copyFile',
  'lstat',
  'mkdir',
  'mkdtemp',
  'readFile',
  'readdir',
  'readlink',
  'realpath',
  'rename',
  'rm',
  'rmdir',
  'stat',
  'unlink',
  'utimes',
  'writeFile',
];

/**
 * `node:fs` whose asynchronous calls complete from their synchronous twins: the SDK reads its
 * shared config files once per container, and a real thread-pool read would finish at a moment
 * the kernel picks, reordering what runs next.
 */
export function deterministicFs(): { fs: typeof fs; promises: typeof fs.promises } {
  const sync = fs as unknown as Record<string, AnyFn>;
  const promises: Record<string, unknown> = {};
  const callbacks: Record<string, unknown> = {};
  for (const name of TWINNED) {
    const twin = sync[`${name}Sync`];
    if (typeof twin !== 'function') continue;
    promises[name] = async (...args: unknown[]) => twin(...args);
    if (typeof sync[name] === 'function')
      callbacks[name] = (...args: unknown[]) => {
        const callback = args.pop();
        if (typeof callback !== 'function') return sync[name]?.(...args, callback);
        try {
          const result = twin(...args);
          process.nextTick(callback as AnyFn, null, result);
        } catch (error) {
          process.nextTick(callback as AnyFn, error);
        }
      };
  }
  const promisesModule = Object.assign(Object.create(fs.promises), promises) as typeof fs.promises;
  const fsModule = Object.assign(Object.create(fs), callbacks, { promises: promisesModule }) as typeof fs;
  return { fs: fsModule, promises: promisesModule };
}

/** A container's stdout or stderr: whole lines to the stack's log sink. */
export class LineSink extends Writable {
  #partial = '';
  constructor(private readonly line: (text: string) => void) {
    super({ decodeStrings: false });
  }
  override _write(chunk: unknown, _encoding: string, done: (error?: Error | null) => void): void {
    const text = this.#partial + (typeof chunk === 'string' ? chunk : String(chunk));
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const l of lines) this.line(l);
    done();
  }
  override _final(done: () => void): void {
    if (this.#partial) this.line(this.#partial);
    this.#partial = '';
    done();
  }
}
