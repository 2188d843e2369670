import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const FLUSH_BYTES = 256 * 1024;
const READ_BYTES = 1024 * 1024;

/**
 * An append-only log of JSON records kept in a file instead of the heap: a 50,000-thing burst
 * makes 200,000 IoT calls. `push` appends (buffered, synchronous); readers stream the records
 * back with `forEach`, or take the array (`toArray`). `asArray()` gives an array-shaped view for
 * callers written against an in-memory array (tests, audit checks on small runs): reading it
 * loads the file.
 */
export class RecordLog<T> {
  #count = 0;
  #buffer: string[] = [];
  #bytes = 0;
  #fd: number;
  #cache: T[] | undefined;

  constructor(readonly file: string) {
    this.#fd = openSync(file, 'w+');
  }

  get length(): number {
    return this.#count;
  }

  push(record: T): void {
    const line = JSON.stringify(record);
    this.#buffer.push(line);
    this.#bytes += line.length + 1;
    this.#count += 1;
    this.#cache = undefined;
    if (this.#bytes >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.#buffer.length === 0) return;
    writeSync(this.#fd, `${this.#buffer.join('\n')}\n`);
    this.#buffer = [];
    this.#bytes = 0;
  }

  /** Streams every record, in order, without holding them all. */
  forEach(visit: (record: T) => void): void {
    this.flush();
    const chunk = Buffer.alloc(READ_BYTES);
    let position = 0;
    let rest = '';
    for (;;) {
      const n = readSync(this.#fd, chunk, 0, READ_BYTES, position);
      if (n === 0) break;
      position += n;
      const lines = (rest + chunk.toString('utf8', 0, n)).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) visit(JSON.parse(line) as T);
    }
    if (rest) visit(JSON.parse(rest) as T);
  }

  toArray(): T[] {
    if (this.#cache) return this.#cache;
    const all: T[] = [];
    this.forEach((r) => {
      all.push(r);
    });
    this.#cache = all;
    return all;
  }

  /** An array-shaped view: `push` appends to the file; everything else reads it. */
  asArray(): T[] {
    return new Proxy([] as T[], {
      get: (_target, prop) => {
        if (prop === 'push')
          return (...records: T[]) => {
            for (const r of records) this.push(r);
            return this.#count;
          };
        if (prop === 'length') return this.#count;
        const all = this.toArray();
        const value = Reflect.get(all, prop);
        return typeof value === 'function' ? value.bind(all) : value;
      },
      has: (_target, prop) => Reflect.has(this.toArray(), prop),
      ownKeys: () => Reflect.ownKeys(this.toArray()),
      getOwnPropertyDescriptor: (_target, prop) => Reflect.getOwnPropertyDescriptor(this.toArray(), prop),
    });
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}
