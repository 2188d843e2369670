import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export type ApiResponse = { status: number; body: Record<string, unknown> };

export type OperatorClientOptions = {
  /** The API's base URL; a path in it (a stage) is kept. */
  readonly baseUrl: string;
  readonly region: string;
  readonly credentials: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  /** Retries of a 503 or 429 (AWS busy behind the API; every operation is idempotent). */
  readonly retries: number;
  /** The wait before retry n is backoffMs · 2ⁿ. */
  readonly backoffMs: number;
  /** A WHATWG fetch to send with (the local stack's virtual network); node:http(s) otherwise. */
  readonly fetch?: typeof globalThis.fetch;
};

/** No answer at all from the API: nothing listens there, or the network is down. */
export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
  constructor(
    readonly origin: string,
    cause: Error,
  ) {
    super(`cannot reach the operator API at ${origin}: ${cause.message}`, { cause });
  }
}

type Answer = { status: number; text: string };
type Send = (url: URL, method: string, headers: Record<string, string>, body?: string) => Promise<Answer>;

/**
 * A client of the operator HTTP API (IAM auth): every request SigV4-signed for `execute-api`, AWS
 * being busy behind the API (503, 429) retried with backoff. Any other status is the caller's to read.
 */
export function operatorClient(o: OperatorClientOptions) {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: o.region,
    credentials: o.credentials,
    sha256: Sha256,
  });
  const send = o.fetch ? viaFetch(o.fetch) : viaNodeHttp;
  const base = o.baseUrl.endsWith('/') ? o.baseUrl : `${o.baseUrl}/`;

  return async (method: string, route: string, body?: string): Promise<ApiResponse> => {
    const url = new URL(route.replace(/^\//, ''), base);
    const headers = { host: url.host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    let answer: Answer = { status: 0, text: '' };
    for (let attempt = 0; ; attempt++) {
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        ...(body === undefined ? {} : { body }),
      });
      answer = await send(url, method, signed.headers, body);
      if ((answer.status !== 503 && answer.status !== 429) || attempt >= o.retries) break;
      await sleep(o.backoffMs * 2 ** attempt);
    }
    return { status: answer.status, body: parsed(answer.text) };
  };
}

function parsed(text: string): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return { message: text.slice(0, 200) };
  }
}

const viaFetch =
  (fetch: typeof globalThis.fetch): Send =>
  async (url, method, headers, body) => {
    const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
    return { status: response.status, text: await response.text() };
  };

// node:http, not fetch: fetch refuses the ports the Fetch standard calls bad (6000, 6666, 10080, ...).
const viaNodeHttp: Send = (url, method, headers, body) => {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', (error) => reject(new ApiUnreachableError(url.origin, error)));
    if (body !== undefined) req.write(body);
    req.end();
  });
};
