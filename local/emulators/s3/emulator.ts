import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as S3Sdk from '@aws-sdk/client-s3';
import type { Clock } from '../common/clock';
import type { FaultInjector, RateLimiter } from '../common/limits';
import { notEmulatedMessage, serviceModel } from '../common/smithy';
import { decodeAwsChunked } from './aws-chunked';

const MODEL = serviceModel(S3Sdk);

/**
 * The S3 operation a path-style request is, by AWS's model: its method, whether it names a key, and
 * the query literals of the operation's URI (`/?list-type=2`, `/{Key+}?tagging`).
 */
function operationOf(method: string, hasKey: boolean, query: URLSearchParams): string | undefined {
  let best: { name: string; score: number } | undefined;
  for (const op of MODEL.values()) {
    if (!op.http || op.http[0] !== method) continue;
    const [path = '', literal = ''] = op.http[1].split('?');
    if (path.includes('{Key+}') !== hasKey) continue;
    const keys = literal
      .split('&')
      .filter(Boolean)
      .map((kv) => kv.split('=')[0] as string)
      .filter((k) => k !== 'x-id');
    if (!keys.every((k) => query.has(k))) continue;
    if (!best || keys.length > best.score) best = { name: op.name, score: keys.length };
  }
  return best?.name;
}

type StoredObject = { body: Buffer; contentType: string; etag: string; lastModified: number };

export interface S3EmulatorOptions {
  clock: Clock;
  limiter: RateLimiter;
  faults: FaultInjector;
  /** The emulator's own base URL (for object links), known once it listens. */
  baseUrl: () => string;
}

/**
 * The Amazon S3 a bulk registration needs: buckets, PutObject, GetObject, HeadObject, path-style
 * (`/bucket/key`), SigV4-agnostic (signatures are not checked; nothing is enforced but what the
 * calls need). Everything else answers 501 NotImplemented naming what is not emulated.
 */
export function createS3Emulator(options: S3EmulatorOptions) {
  const buckets = new Map<string, Map<string, StoredObject>>();
  let requests = 0;

  const xmlError = (res: ServerResponse, status: number, code: string, message: string, extra = '') => {
    requests += 1;
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${extra}<RequestId>local-${requests}</RequestId></Error>`;
    res.writeHead(status, {
      'content-type': 'application/xml',
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  };

  const store = {
    ensureBucket(name: string) {
      if (!buckets.has(name)) buckets.set(name, new Map());
    },
    put(bucket: string, key: string, body: Buffer, contentType: string) {
      store.ensureBucket(bucket);
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      buckets.get(bucket)?.set(key, { body, contentType, etag, lastModified: options.clock.now() });
      return etag;
    },
    get: (bucket: string, key: string) => buckets.get(bucket)?.get(key)?.body,
    url: (bucket: string, key: string) =>
      `${options.baseUrl()}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
    has: (bucket: string) => buckets.has(bucket),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const [bucket = '', ...keyParts] = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const key = keyParts.join('/');
    const xId = url.searchParams.get('x-id');
    const subresources = [...url.searchParams.keys()].filter((k) => k !== 'x-id');
    const operation =
      xId ??
      (bucket === '' ? 'ListBuckets' : operationOf(method, key !== '', url.searchParams)) ??
      `${method} ${key === '' ? '/bucket' : '/bucket/key'}`;
    const emulated =
      subresources.length === 0 &&
      bucket !== '' &&
      ((key === '' && (method === 'PUT' || method === 'HEAD')) ||
        (key !== '' && ['PUT', 'GET', 'HEAD'].includes(method)));
    if (!emulated)
      return xmlError(
        res,
        501,
        'NotImplemented',
        `${notEmulatedMessage(`Operation ${operation}`)}; emulated: CreateBucket, HeadBucket, PutObject, GetObject, HeadObject`,
      );
    const fault = options.faults.next();
    if (fault === 'throttle') return xmlError(res, 503, 'SlowDown', 'Please reduce your request rate.');
    if (fault === 'server-error')
      return xmlError(res, 500, 'InternalError', 'We encountered an internal error. Please try again.');
    if (!options.limiter.take(`s3:${method}`))
      return xmlError(res, 503, 'SlowDown', 'Please reduce your request rate.');
    requests += 1;
    if (key === '') {
      if (method === 'PUT') store.ensureBucket(bucket);
      else if (!buckets.has(bucket))
        return xmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      res.writeHead(200, { 'content-length': '0' }).end();
      return;
    }
    const objects = buckets.get(bucket);
    if (!objects)
      return xmlError(
        res,
        404,
        'NoSuchBucket',
        'The specified bucket does not exist',
        `<BucketName>${escapeXml(bucket)}</BucketName>`,
      );
    if (method === 'PUT') {
      let body: Buffer = Buffer.concat(chunks);
      if (String(req.headers['content-encoding'] ?? '').includes('aws-chunked'))
        body = decodeAwsChunked(body);
      const etag = store.put(bucket, key, body, String(req.headers['content-type'] ?? 'binary/octet-stream'));
      res.writeHead(200, { etag, 'content-length': '0' }).end();
      return;
    }
    const object = objects.get(key);
    if (!object)
      return xmlError(
        res,
        404,
        'NoSuchKey',
        'The specified key does not exist.',
        `<Key>${escapeXml(key)}</Key>`,
      );
    res.writeHead(200, {
      'content-type': object.contentType,
      'content-length': String(object.body.length),
      etag: object.etag,
      'last-modified': new Date(object.lastModified).toUTCString(),
    });
    res.end(method === 'HEAD' ? undefined : object.body);
  }

  return {
    handler: (req: IncomingMessage, res: ServerResponse): void => {
      void handle(req, res);
    },
    store,
  };
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
