import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { Handler } from '../common/json-rpc';

/**
 * PutMetricData's API reference lets a client gzip the payload (Content-Encoding: gzip), and AWS SDK v3
 * does so by itself for bodies from 10 KB: the handler is handed the request inflated.
 */
export function acceptingGzip(handler: Handler): Handler {
  return (req, res) => {
    if (String(req.headers['content-encoding'] ?? '').toLowerCase() !== 'gzip') return handler(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer | string) => chunks.push(Buffer.from(c)));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body = raw;
      try {
        body = gunzipSync(raw);
      } catch {
        // Not gzip after all: the handler answers for the body as it came.
      }
      const { 'content-encoding': _encoding, 'content-length': _length, ...headers } = req.headers;
      const inflated = Object.assign(Readable.from([body]), {
        headers,
        method: req.method,
        url: req.url,
        socket: req.socket,
      });
      handler(inflated as unknown as IncomingMessage, res);
    });
  };
}
