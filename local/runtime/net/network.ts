import { exchange, type HttpHandler, type VirtualRequest, type VirtualResponse } from './exchange';

/**
 * The stack's virtual network: every emulator's request handler under the origin its real HTTP
 * server listens on. The function containers and the stack's own clients send their requests
 * here instead of through sockets: same handlers, same wire format (the SDKs still build and
 * parse HTTP messages), but each exchange runs in this thread at the current virtual instant, so
 * the order of requests is the program's, not the kernel's, and no time passes in transit.
 * Outside clients (the AWS CLI, tests, `--serve`) keep using the real servers.
 */
export class VirtualNetwork {
  readonly #servers = new Map<string, HttpHandler>();
  /** Exchanges served, by origin. */
  readonly stats = new Map<string, number>();
  /** Bumped when a server comes or goes (container threads get the new list). */
  version = 0;

  /** Serves `handler` for requests to `origin` (`http://127.0.0.1:<port>`). */
  serve(origin: string, handler: HttpHandler): void {
    this.#servers.set(new URL(origin).host, handler);
    this.version += 1;
  }

  close(origin: string): void {
    this.#servers.delete(new URL(origin).host);
    this.version += 1;
  }

  hosts(): string[] {
    return [...this.#servers.keys()];
  }

  /** Whether a request to `host` (`127.0.0.1:<port>`) stays on the virtual network. */
  has(host: string): boolean {
    return this.#servers.has(host);
  }

  send(request: VirtualRequest): Promise<VirtualResponse> {
    const host = new URL(request.url).host;
    const handler = this.#servers.get(host);
    if (!handler) return Promise.reject(new Error(`no server at ${host} on the virtual network`));
    this.stats.set(host, (this.stats.get(host) ?? 0) + 1);
    return exchange(handler, request);
  }

  /** WHATWG fetch over the virtual network (the operator API client, CloudFormation responses). */
  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = Buffer.from(await request.arrayBuffer());
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const out = await this.send({ method: request.method, url: request.url, headers, body });
    const responseHeaders = new Headers();
    for (const [k, v] of Object.entries(out.headers))
      for (const value of Array.isArray(v) ? v : [v]) responseHeaders.append(k, value);
    const nullBody = out.status === 204 || out.status === 304 || request.method === 'HEAD';
    return new Response(nullBody || !out.body ? null : new Uint8Array(out.body), {
      status: out.status,
      headers: responseHeaders,
    });
  };
}
