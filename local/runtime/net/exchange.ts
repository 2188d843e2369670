import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One HTTP exchange on the virtual network: what a client sends and what the server answers. */
export type VirtualRequest = {
  method: string;
  /** Absolute URL: the origin picks the server. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
};

export type VirtualResponse = {
  status: number;
  statusMessage: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
};

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * The request as a server reads it: method, url, lower-case headers and the body, emitted as one
 * 'data' chunk and 'end' once a listener is there (or read with `for await`). Lighter than a
 * Readable stream, which an exchange of a few hundred bytes does not need.
 */
class ServerRequest extends EventEmitter {
  readonly httpVersion = '1.1';
  readonly socket = { remoteAddress: '127.0.0.1', encrypted: false };
  complete = false;
  #scheduled = false;
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Record<string, string>,
    private readonly body: Buffer,
  ) {
    super();
  }
  get rawHeaders(): string[] {
    return Object.entries(this.headers).flat();
  }
  override on(event: string | symbol, listener: (...args: unknown[]) => void): this {
    super.on(event, listener);
    if ((event === 'data' || event === 'end') && !this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(() => this.#flush());
    }
    return this;
  }
  override addListener(event: string | symbol, listener: (...args: unknown[]) => void): this {
    return this.on(event, listener);
  }
  resume(): this {
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(() => this.#flush());
    }
    return this;
  }
  pause(): this {
    return this;
  }
  setEncoding(): this {
    return this;
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    this.#scheduled = true;
    if (this.body.length > 0) yield this.body;
    this.complete = true;
  }
  #flush(): void {
    if (this.body.length > 0) this.emit('data', this.body);
    this.complete = true;
    this.emit('end');
  }
}

/** The subset of ServerResponse the emulators and dynalite use; `done` resolves on end(). */
class ServerReply extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  finished = false;
  writableEnded = false;
  readonly #headers: Record<string, string | string[]> = {};
  readonly #chunks: Buffer[] = [];
  constructor(private readonly done: (response: VirtualResponse) => void) {
    super();
  }
  setHeader(name: string, value: string | number | readonly string[]): this {
    this.#headers[name.toLowerCase()] = Array.isArray(value) ? [...value] : String(value);
    return this;
  }
  getHeader(name: string): string | string[] | undefined {
    return this.#headers[name.toLowerCase()];
  }
  getHeaders(): Record<string, string | string[]> {
    return { ...this.#headers };
  }
  hasHeader(name: string): boolean {
    return name.toLowerCase() in this.#headers;
  }
  removeHeader(name: string): void {
    delete this.#headers[name.toLowerCase()];
  }
  writeHead(status: number, ...rest: unknown[]): this {
    this.statusCode = status;
    const [first, second] = rest;
    if (typeof first === 'string') this.statusMessage = first;
    const headers = (typeof first === 'string' ? second : first) as Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(headers ?? {}))
      if (v !== undefined) this.setHeader(k, v as string | number | readonly string[]);
    this.headersSent = true;
    return this;
  }
  write(chunk: string | Uint8Array, encoding?: unknown, cb?: () => void): boolean {
    this.headersSent = true;
    if (chunk !== undefined && chunk !== null)
      this.#chunks.push(
        typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : Buffer.from(chunk),
      );
    if (typeof encoding === 'function') (encoding as () => void)();
    else cb?.();
    return true;
  }
  end(chunk?: unknown, encoding?: unknown, cb?: unknown): this {
    if (this.writableEnded) return this;
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = undefined;
    }
    if (chunk !== undefined && chunk !== null) this.write(chunk as string, encoding);
    this.headersSent = true;
    this.finished = true;
    this.writableEnded = true;
    this.done({
      status: this.statusCode,
      statusMessage: this.statusMessage,
      headers: this.#headers,
      body: this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks),
    });
    if (typeof cb === 'function') (cb as () => void)();
    this.emit('finish');
    this.emit('close');
    return this;
  }
}

/** Runs one exchange against a server's request handler, in this thread, with no socket. */
export function exchange(handler: HttpHandler, request: VirtualRequest): Promise<VirtualResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const headers: Record<string, string> = { host: url.host };
    for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
    const req = new ServerRequest(request.method, `${url.pathname}${url.search}`, headers, request.body);
    const res = new ServerReply(resolve);
    try {
      handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    } catch (error) {
      reject(error);
    }
  });
}
