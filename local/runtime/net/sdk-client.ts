import type { Random } from '../../emulators/common/random';
import type { VirtualNetwork } from './network';

/** The AWS SDK's HttpRequest, as far as a request handler reads it. */
type SdkRequest = {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
};

const uriEscape = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function queryString(query: SdkRequest['query']): string {
  const parts: string[] = [];
  for (const key of Object.keys(query ?? {}).sort()) {
    const value = query?.[key];
    if (value === null || value === undefined) parts.push(uriEscape(key));
    else
      for (const v of Array.isArray(value) ? value : [value]) parts.push(`${uriEscape(key)}=${uriEscape(v)}`);
  }
  return parts.join('&');
}

function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error('the virtual network carries string and byte bodies only');
}

/**
 * An SDK v3 request handler on the virtual network, for the stack's own clients (simulated
 * devices, provisioning, alarms, the state machine's integrations): the SDK builds, signs and
 * parses its messages as usual; the exchange runs in this thread at the current virtual instant.
 */
export class VirtualRequestHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  constructor(private readonly network: VirtualNetwork) {}

  async handle(request: SdkRequest) {
    const query = queryString(request.query);
    const port = request.port ? `:${request.port}` : '';
    const url = `${request.protocol}//${request.hostname}${port}${request.path}${query ? `?${query}` : ''}`;
    const out = await this.network.send({
      method: request.method,
      url,
      headers: request.headers,
      body: bodyBytes(request.body),
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(out.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
    return { response: { statusCode: out.status, reason: out.statusMessage, headers, body: out.body } };
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

type RetryToken = { getRetryCount(): number; getRetryDelay(): number };
type ErrorInfo = { errorType: string };

/**
 * The SDK's standard retry policy (retry throttling and transient errors, exponential back-off
 * with full jitter, capped at 20 s) with the back-off slept on virtual time and the jitter drawn
 * from the seed. The SDK itself would sleep with a real setTimeout.
 */
export function virtualRetryStrategy(
  maxAttempts: number,
  sleep: (ms: number) => Promise<void>,
  random: Random,
) {
  const token = (count: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => 0 });
  return {
    mode: 'standard',
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (previous: RetryToken, error: ErrorInfo) => {
      const attempt = previous.getRetryCount() + 1;
      const retryable = error.errorType === 'THROTTLING' || error.errorType === 'TRANSIENT';
      if (!retryable || attempt >= maxAttempts) throw new Error('no retry');
      const base = error.errorType === 'THROTTLING' ? 500 : 100;
      const delay = Math.floor(random() * Math.min(20_000, base * 2 ** (attempt - 1)));
      if (delay > 0) await sleep(delay);
      return token(attempt);
    },
    recordSuccess: () => undefined,
  };
}
