import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Bytes buffered per file before a write; small enough to keep the heap flat in a long run. */
const FLUSH_BYTES = 64 * 1024;

/**
 * Function log lines, one file per function (`<dir>/<function>.log`), written as they come and
 * read back by the checks afterwards (the leak scan, tests): a 50,000-thing run no longer holds
 * every line in memory. Writes are synchronous and batched, so no I/O is ever in flight when the
 * stack decides that an instant is over.
 */
export class LogFiles {
  readonly #buffers = new Map<string, string[]>();
  readonly #sizes = new Map<string, number>();
  readonly #fds = new Map<string, number>();
  lines = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(fn: string, line: string): void {
    this.lines += 1;
    const buffer = this.#buffers.get(fn) ?? [];
    if (buffer.length === 0) this.#buffers.set(fn, buffer);
    buffer.push(line);
    const size = (this.#sizes.get(fn) ?? 0) + line.length + 1;
    this.#sizes.set(fn, size);
    if (size >= FLUSH_BYTES) this.#flush(fn);
  }

  flush(): void {
    for (const fn of this.#buffers.keys()) this.#flush(fn);
  }

  /** Every line written so far, by function, in the order written; read a chunk at a time. */
  *entries(): Generator<{ fn: string; line: string }> {
    this.flush();
    if (!existsSync(this.dir)) return;
    const chunk = Buffer.alloc(1024 * 1024);
    for (const file of readdirSync(this.dir)
      .filter((f) => f.endsWith('.log'))
      .sort()) {
      const fn = file.slice(0, -'.log'.length);
      const fd = openSync(path.join(this.dir, file), 'r');
      try {
        let rest = '';
        for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) {
          const lines = (rest + chunk.toString('utf8', 0, n)).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) if (line !== '') yield { fn, line };
        }
        if (rest !== '') yield { fn, line: rest };
      } finally {
        closeSync(fd);
      }
    }
  }

  close(): void {
    this.flush();
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }

  #flush(fn: string): void {
    const buffer = this.#buffers.get(fn);
    if (!buffer || buffer.length === 0) return;
    let fd = this.#fds.get(fn);
    if (fd === undefined) {
      // A run's logs replace the previous run's.
      fd = openSync(path.join(this.dir, `${fn.replace(/[^\w.-]/g, '_')}.log`), 'w');
      this.#fds.set(fn, fd);
    }
    writeSync(fd, `${buffer.join('\n')}\n`);
    buffer.length = 0;
    this.#sizes.set(fn, 0);
  }
}
