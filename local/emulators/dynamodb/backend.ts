import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { fromBody, type JsonObject } from './errors';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

// dynalite checks that a signature is present (it never verifies one).
const INTERNAL_AUTH =
  'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';

/** The in-process dynalite server, called over loopback HTTP so its own validation applies. */
export class Dynalite {
  readonly #agent = new Agent({ keepAlive: true });
  constructor(readonly url: string) {}

  /** Sends a request as received (the SDK's headers, the raw body). */
  forward(headers: IncomingHttpHeaders, body: Buffer): Promise<RawResponse> {
    const { host: _host, connection: _connection, ...rest } = headers;
    return this.#send({ ...rest, 'content-length': String(body.length) }, body);
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

  close(): void {
    this.#agent.destroy();
  }

  #send(headers: Record<string, string | string[] | undefined>, body: Buffer): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = request(this.url, { method: 'POST', headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}
