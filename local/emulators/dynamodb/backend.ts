import type { IncomingHttpHeaders } from 'node:http';
import { exchange, type HttpHandler } from '../../runtime/net/exchange';
import { fromBody, type JsonObject } from './errors';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

// dynalite checks that a signature is present (it never verifies one).
const INTERNAL_AUTH =
  'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';
const ORIGIN = 'http://dynalite.local';

/**
 * dynalite in this thread, called through its own request handler (so its validation applies)
 * with no socket: one leg per call instead of two loopback HTTP round trips.
 */
export class Dynalite {
  constructor(private readonly handler: HttpHandler) {}

  /** Sends a request as received (the SDK's headers, the raw body). */
  forward(headers: IncomingHttpHeaders, body: Buffer): Promise<RawResponse> {
    const { host: _host, connection: _connection, ...rest } = headers;
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(rest))
      if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    flat['content-length'] = String(body.length);
    return this.#send(flat, body);
  }

  /** Calls one operation; answers the parsed body or throws the DynamoError dynalite answered. */
  async call(operation: string, input: JsonObject): Promise<JsonObject> {
    const body = Buffer.from(JSON.stringify(input));
    const res = await this.#send(
      {
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(body.length),
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'x-amz-date': '20260101T000000Z',
        authorization: INTERNAL_AUTH,
      },
      body,
    );
    const text = res.body.toString('utf8');
    const parsed = (text === '' ? {} : JSON.parse(text)) as JsonObject;
    if (res.status !== 200) throw fromBody(res.status, parsed);
    return parsed;
  }

  async #send(headers: Record<string, string>, body: Buffer): Promise<RawResponse> {
    const out = await exchange(this.handler, { method: 'POST', url: `${ORIGIN}/`, headers, body });
    return { status: out.status, headers: out.headers as IncomingHttpHeaders, body: out.body };
  }
}
