import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { HttpHandler } from '../../runtime/net/exchange';
import type { AccessControl } from '../common/access-control';
import { type Clock, systemClock } from '../common/clock';
import { listen, readBody } from '../common/http';
import { randomUUID } from '../common/ids';
import { Dynalite } from './backend';
import { onConditionFailure, withOldItem } from './condition-failure';
import { DynamoError, isObject, type JsonObject, serviceError, validation } from './errors';
import { cacheParses } from './expression-cache';
import { KeySchemas } from './keys';
import { Mutex } from './mutex';
import { tableAccesses } from './table-access';
import { transactGet } from './transact-get';
import { TransactWriter } from './transact-write';
import { TimeToLive } from './ttl';

export interface LocalDynamoDbOptions {
  /** dynalite's LevelDB directory; in memory when absent. */
  path?: string;
  clock?: Clock;
}

interface LocalDynamoDbStats {
  forwarded: number;
  transactWrites: { committed: number; cancelled: number; replayed: number };
  transactGets: number;
  ttlDeleted: number;
}

export interface LocalDynamoDb {
  url: string;
  /** The request handler behind `url`, for callers in this thread (the stack's virtual network). */
  handler: HttpHandler;
  /** Requests not answered yet; nonzero at a quiet moment means LevelDB on disk is still working. */
  readonly inFlight: number;
  close(): Promise<void>;
  readonly stats: LocalDynamoDbStats;
  /** Deletes items whose TTL attribute is before `now` (default: the clock), in TTL-enabled tables. */
  sweep(now?: number): Promise<number>;
  /**
   * Enforces the resource policies of the given tables (table name → the ARN its policy is
   * attached to): a request that touches one is authorized first, per table and action.
   */
  useAccessControl(access: AccessControl, tables: ReadonlyMap<string, string>): void;
}

/** Writes that go through the mutex, so no write lands inside a transaction. */
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const JSON_10 = 'application/x-amz-json-1.0';
/** After these the proxy reads a table's key schema again. */
const TABLE_CHANGES = new Set(['CreateTable', 'DeleteTable']);

/**
 * DynamoDB for the local stack: dynalite in process behind a proxy that adds the operations it
 * lacks (TransactWriteItems, TransactGetItems, UpdateTimeToLive/DescribeTimeToLive). dynalite is
 * called through its request handler, with no socket in between.
 */
export async function createLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const clock = options.clock ?? systemClock;
  const inner = loadDynalite()({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  }) as {
    listeners(event: 'request'): HttpHandler[];
    listen(port: number, host: string, cb: () => void): void;
    close(cb: () => void): void;
  };
  // Listening (on a port nobody uses) lets dynalite's own close() shut LevelDB down cleanly.
  await new Promise<void>((resolve) => inner.listen(0, '127.0.0.1', resolve));
  const innerHandler = inner.listeners('request')[0];
  if (!innerHandler) throw new Error('dynalite has no request handler');
  const db = new Dynalite(innerHandler);
  const mutex = new Mutex();
  const schemas = new KeySchemas(db);
  const writer = new TransactWriter(db, clock, schemas);
  const ttl = new TimeToLive(db, clock);
  let forwarded = 0;
  let transactGets = 0;
  let guard: { access: AccessControl; tables: ReadonlyMap<string, string> } | undefined;

  /** The AccessDenied error for a request an explicit deny refuses; undefined when it may go ahead. */
  const refusal = (
    headers: IncomingHttpHeaders,
    operation: string,
    body: Buffer,
  ): DynamoError | undefined => {
    if (!guard || guard.tables.size === 0) return undefined;
    const text = body.toString('utf8');
    // Cheap first: only a request that names a protected table is parsed and authorized.
    if (![...guard.tables.keys()].some((name) => text.includes(name))) return undefined;
    let input: JsonObject;
    try {
      input = parse(body);
    } catch {
      return undefined; // the operation answers the serialization error itself
    }
    const caller = guard.access.callerOf(headers);
    for (const { action, table, index } of tableAccesses(operation, input)) {
      const arn = guard.tables.get(table);
      if (!arn) continue;
      const denial = guard.access.authorize({
        caller,
        action,
        resource: arn,
        also: index === undefined ? [] : [`${arn}/index/${index}`],
      });
      if (denial) return new DynamoError('com.amazon.coral.service#AccessDeniedException', denial.message);
    }
    return undefined;
  };

  const own: Record<string, (input: JsonObject) => Promise<JsonObject>> = {
    TransactWriteItems: (input) => mutex.run(() => writer.run(input)),
    TransactGetItems: (input) => {
      transactGets += 1;
      return mutex.run(() => transactGet(db, input, schemas));
    },
    UpdateTimeToLive: (input) => mutex.run(() => ttl.update(input)),
    DescribeTimeToLive: (input) => ttl.describe(input),
  };

  let inFlight = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    inFlight += 1;
    res.once('finish', () => {
      inFlight -= 1;
    });
    void (async () => {
      const body = Buffer.from(await readBody(req), 'utf8');
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const denied = refusal(req.headers, operation, body);
      if (denied) {
        res.setHeader('x-amzn-errortype', denied.code);
        reply(res, denied.status, denied.body());
        return;
      }
      const handler = own[operation];
      if (handler === undefined) {
        forwarded += 1;
        let returnOld: 'ALL_OLD' | 'NONE' | undefined;
        try {
          returnOld = onConditionFailure(operation, body);
        } catch (e) {
          const err = e as DynamoError;
          res.setHeader('x-amzn-errortype', err.code);
          reply(res, err.status, err.body());
          return;
        }
        const send = returnOld
          ? async () => withOldItem(db, schemas, operation, body, await db.forward(req.headers, body))
          : () => db.forward(req.headers, body);
        const out = WRITES.has(operation) ? await mutex.run(send) : await send();
        if (operation === 'DeleteTable' && out.status === 200) ttl.forget(tableName(body));
        if (TABLE_CHANGES.has(operation) && out.status === 200) schemas.forget(tableName(body));
        const headers = { ...out.headers };
        delete headers.connection;
        delete headers['keep-alive'];
        res.writeHead(out.status, headers);
        res.end(out.body);
        return;
      }
      try {
        const input = parse(body);
        notEmulated(operation, input);
        reply(res, 200, await handler(input));
      } catch (e) {
        const err = e instanceof DynamoError ? e : serviceError('InternalServerError', String(e), 500);
        res.setHeader('x-amzn-errortype', err.code);
        reply(res, err.status, err.body());
      }
    })().catch((e: unknown) => {
      if (!res.headersSent) reply(res, 500, serviceError('InternalServerError', String(e), 500).body());
    });
  };
  const server = await listen(handler);

  return {
    url: server.url,
    handler,
    get inFlight() {
      return inFlight;
    },
    stats: {
      get forwarded() {
        return forwarded;
      },
      transactWrites: writer.stats,
      get transactGets() {
        return transactGets;
      },
      get ttlDeleted() {
        return ttl.deleted;
      },
    },
    sweep: (now) => mutex.run(() => ttl.sweep(now)),
    useAccessControl(access, tables) {
      guard = { access, tables };
    },
    close: async () => {
      await server.close();
      // Let LevelDB close cleanly (on disk with --data).
      await new Promise<void>((resolve) => inner.close(() => resolve()));
    },
  };
}

/**
 * The proxy's own operations compute no consumed capacity or item collection metrics; asking for
 * them is refused by name rather than answered without them.
 */
function notEmulated(operation: string, input: JsonObject): void {
  for (const key of ['ReturnConsumedCapacity', 'ReturnItemCollectionMetrics']) {
    if (input[key] !== undefined && input[key] !== 'NONE') {
      throw validation(
        `${key} ${String(input[key])} of ${operation} is not emulated by the local stack (only NONE)`,
      );
    }
  }
}

type DynaliteFactory = (options: Record<string, unknown>) => unknown;

/**
 * dynalite, its expression parses cached by shape (expression-cache.ts), its in-memory LevelDB
 * storing strings. By default memory-level stores every key and JSON value as a Buffer, and each
 * small Buffer pins an 8 KB slab of Node's buffer pool: a 5,000-thing burst held ~150 MB of them.
 * dynalite's keys are ASCII (range keys hex-encoded), so string order is its byte order.
 */
function loadDynalite(): DynaliteFactory {
  const require = createRequire(import.meta.url);
  const level = createRequire(require.resolve('dynalite'))('memory-level') as {
    MemoryLevel: new (options?: Record<string, unknown>) => object;
    storesStrings?: true;
  };
  if (!level.storesStrings) {
    const Base = level.MemoryLevel;
    level.MemoryLevel = class extends Base {
      constructor(options: Record<string, unknown> = {}) {
        super({ storeEncoding: 'utf8', ...options });
      }
    };
    level.storesStrings = true;
  }
  const fromDynalite = createRequire(require.resolve('dynalite'));
  for (const parser of ['./db/conditionParser', './db/updateParser', './db/projectionParser'])
    cacheParses(fromDynalite(parser) as Parameters<typeof cacheParses>[0]);
  return require('dynalite') as DynaliteFactory;
}

function parse(body: Buffer): JsonObject {
  try {
    const parsed: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    if (isObject(parsed)) return parsed;
  } catch {}
  throw new DynamoError(
    'com.amazon.coral.service#SerializationException',
    'Start of structure or map found where not expected',
  );
}

function tableName(body: Buffer): string {
  const input = parse(body);
  return typeof input.TableName === 'string' ? input.TableName : '';
}

function reply(res: ServerResponse, status: number, body: JsonObject): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_10,
    'content-length': String(Buffer.byteLength(text)),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}
