import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { Network } from '../sandbox/ports';
import type { VirtualResponse } from './exchange';

type Options = {
  protocol?: string;
  host?: string;
  hostname?: string;
  port?: number | string;
  path?: string;
  method?: string;
  headers?: Record<string, string | number | string[] | undefined>;
};

/**
 * The response as a client reads it (what `http.request`'s callback gets): status and headers on
 * the body bytes themselves. The SDK collects a body that is already a Uint8Array as it is, with
 * none of a stream's machinery; a reader that listens for 'data' and 'end' gets them once.
 */
type ClientResponse = Buffer & {
  statusCode: number;
  statusMessage: string;
  headers: Record<string, string | string[]>;
  rawHeaders: string[];
};

function clientResponse(out: VirtualResponse): ClientResponse {
  const body = out.body;
  const events = new EventEmitter();
  let flushed = false;
  const listen = (event: string, listener: (...args: unknown[]) => void, once: boolean) => {
    if (once) events.once(event, listener);
    else events.on(event, listener);
    if (!flushed && (event === 'data' || event === 'end')) {
      flushed = true;
      process.nextTick(() => {
        if (body.length > 0) events.emit('data', Buffer.from(body));
        events.emit('end');
      });
    }
    return response;
  };
  const response = Object.assign(body, {
    statusCode: out.status,
    statusMessage: out.statusMessage || http.STATUS_CODES[out.status] || '',
    headers: out.headers,
    rawHeaders: Object.entries(out.headers).flatMap(([k, v]) =>
      Array.isArray(v) ? v.flatMap((x) => [k, x]) : [k, v],
    ),
    on: (event: string, listener: (...args: unknown[]) => void) => listen(event, listener, false),
    once: (event: string, listener: (...args: unknown[]) => void) => listen(event, listener, true),
    resume: () => response,
    setEncoding: () => response,
  });
  return response as unknown as ClientResponse;
}

/**
 * `http.ClientRequest` as the AWS SDK's NodeHttpHandler uses it (write/end the body, 'response',
 * 'error', 'close', destroy), carried by the virtual network instead of a socket. No 'socket'
 * event is ever emitted: the SDK's socket timeouts only arm on one, and no time passes in transit.
 */
class VirtualClientRequest extends EventEmitter {
  destroyed = false;
  finished = false;
  readonly #chunks: Buffer[] = [];
  readonly #headers: Record<string, string> = {};

  constructor(
    private readonly network: Network,
    private readonly gate: (deliver: () => void) => void,
    readonly method: string,
    private readonly url: string,
    headers: Options['headers'],
    callback?: (res: ClientResponse) => void,
  ) {
    super();
    for (const [k, v] of Object.entries(headers ?? {}))
      if (v !== undefined) this.#headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    if (callback) this.once('response', callback);
  }

  get path(): string {
    const u = new URL(this.url);
    return `${u.pathname}${u.search}`;
  }
  setHeader(name: string, value: string | number | string[]): this {
    this.#headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    return this;
  }
  getHeader(name: string): string | undefined {
    return this.#headers[name.toLowerCase()];
  }
  removeHeader(name: string): void {
    delete this.#headers[name.toLowerCase()];
  }
  setTimeout(): this {
    return this;
  }
  setNoDelay(): void {}
  setSocketKeepAlive(): void {}
  flushHeaders(): void {}

  write(chunk: string | Uint8Array, encoding?: unknown, cb?: () => void): boolean {
    if (chunk !== undefined && chunk !== null)
      this.#chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
    if (typeof encoding === 'function') (encoding as () => void)();
    else cb?.();
    return true;
  }

  end(chunk?: unknown, _encoding?: unknown, cb?: unknown): this {
    if (this.finished) return this;
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = undefined;
    }
    if (chunk !== undefined && chunk !== null) this.write(chunk as string);
    this.finished = true;
    if (typeof cb === 'function') (cb as () => void)();
    this.emit('finish');
    const body = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    this.network.send({ method: this.method, url: this.url, headers: this.#headers, body }).then(
      (out) => this.gate(() => this.#respond(out)),
      (error: Error) => this.gate(() => this.#fail(error)),
    );
    return this;
  }

  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (error) this.emit('error', error);
    this.emit('close');
    return this;
  }

  abort(): void {
    this.destroy();
  }

  #respond(out: VirtualResponse): void {
    if (this.destroyed) return;
    this.emit('response', clientResponse(out));
    this.destroyed = true;
    process.nextTick(() => this.emit('close'));
  }

  #fail(error: Error): void {
    if (this.destroyed) return;
    this.destroy(Object.assign(error, { code: 'ECONNREFUSED' }));
  }
}

/**
 * `node:http` for a function container: requests to a server on the virtual network stay on it;
 * anything else goes out through the real module. `gate` hands a response back to the container
 * (a crashed container gets nothing back).
 */
export function virtualHttpModule(network: Network, gate: (deliver: () => void) => void): typeof http {
  const request = (...args: unknown[]) => {
    let url: URL | undefined;
    let options: Options = {};
    let callback: ((res: ClientResponse) => void) | undefined;
    for (const a of args) {
      if (typeof a === 'string' || a instanceof URL) url = new URL(String(a));
      else if (typeof a === 'function') callback = a as typeof callback;
      else if (a && typeof a === 'object') options = a as Options;
    }
    const host = options.hostname ?? options.host?.split(':')[0] ?? url?.hostname ?? 'localhost';
    const port = options.port ?? url?.port ?? '80';
    const hostPort = `${host}:${port}`;
    if (!network.has(hostPort)) return (http.request as (...a: unknown[]) => http.ClientRequest)(...args);
    const target = `http://${hostPort}${options.path ?? (url ? `${url.pathname}${url.search}` : '/')}`;
    return new VirtualClientRequest(
      network,
      gate,
      options.method ?? 'GET',
      target,
      options.headers,
      callback,
    );
  };
  const get = (...args: unknown[]) => {
    const req = request(...args) as unknown as { end(): void };
    req.end();
    return req;
  };
  return Object.assign(Object.create(http) as typeof http, { request, get });
}
