import { randomUUID } from '../common/ids';
import { AwsError, type JsonObject } from '../common/json-rpc';

/** An event as EventBridge delivers it to rules and targets. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** An AWS-originated event (for example from CloudWatch) before EventBridge wraps it. */
export interface AwsEventInput {
  source: string;
  'detail-type': string;
  detail: unknown;
  resources?: string[];
  /** Epoch ms; defaults to the emulator's clock. */
  time?: number;
}

export interface EntryResult {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

/** EventBridge's `time` has second precision: 2019-10-02T17:04:40Z. */
const isoSeconds = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export function envelope(input: AwsEventInput, now: number, account: string, region: string): EventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': input['detail-type'],
    source: input.source,
    account,
    time: isoSeconds(input.time ?? now),
    region,
    resources: input.resources ?? [],
    detail: input.detail,
  };
}

const MAX_REQUEST_BYTES = 256 * 1024;

/** PutEvents entry size as EventBridge documents it (Time counts 14 bytes). */
function entrySize(e: JsonObject): number {
  let size = e.Time === undefined ? 0 : 14;
  for (const key of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof e[key] === 'string') size += Buffer.byteLength(e[key]);
  }
  for (const r of Array.isArray(e.Resources) ? e.Resources : []) {
    if (typeof r === 'string') size += Buffer.byteLength(r);
  }
  return size;
}

export function checkPutEventsRequest(entries: unknown): JsonObject[] {
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) {
    const n = Array.isArray(entries) ? entries.length : 0;
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${
        n < 1 ? 'greater than or equal to 1' : 'less than or equal to 10'
      }`,
    );
  }
  const list = entries.map((e) => (typeof e === 'object' && e !== null ? (e as JsonObject) : {}));
  if (list.reduce((sum, e) => sum + entrySize(e), 0) > MAX_REQUEST_BYTES) {
    throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.');
  }
  return list;
}

/** The per-entry failure AWS reports for this entry, or the parsed detail when it is acceptable. */
export function checkEntry(e: JsonObject): { error: EntryResult } | { detail: unknown } {
  for (const key of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof e[key] !== 'string' || e[key] === '') {
      return {
        error: {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: `Parameter ${key} is not valid. Reason: ${key} is a required argument.`,
        },
      };
    }
  }
  if (String(e.Source).startsWith('aws.')) {
    return {
      error: { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
    };
  }
  try {
    const detail: unknown = JSON.parse(String(e.Detail));
    if (typeof detail === 'object' && detail !== null && !Array.isArray(detail)) return { detail };
  } catch {
    // falls through to MalformedDetail
  }
  return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
}
