import { createHash } from 'node:crypto';
import { AwsError, type JsonObject } from '../common/json-rpc';
import type { LocalQueue } from './queue';

/** SendMessageBatch's limits (Amazon SQS API reference): 1..10 entries, distinct ids, 256 KiB in all. */
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 262_144;
const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

const batchError = (code: string, message: string) =>
  new AwsError(code, message, 400, `AWS.SimpleQueueService.${code}`);

/** Sends each entry as SendMessage would; every entry either succeeds or the whole call is refused. */
export function sendMessageBatch(queue: LocalQueue, raw: unknown): JsonObject {
  const entries = Array.isArray(raw)
    ? raw.map((e) => (e && typeof e === 'object' ? (e as JsonObject) : {}))
    : [];
  if (entries.length === 0)
    throw batchError(
      'EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
    );
  if (entries.length > MAX_ENTRIES)
    throw batchError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_ENTRIES}.`,
    );
  const ids = entries.map((e) => String(e.Id ?? ''));
  const bad = ids.find((id) => !ENTRY_ID.test(id));
  if (bad !== undefined)
    throw batchError(
      'InvalidBatchEntryId',
      `A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.`,
    );
  if (new Set(ids).size !== ids.length)
    throw batchError(
      'BatchEntryIdsNotDistinct',
      'Two or more batch entries in the request have the same Id.',
    );
  const bodies = entries.map((e) => String(e.MessageBody ?? ''));
  const bytes = bodies.reduce((n, b) => n + Buffer.byteLength(b, 'utf8'), 0);
  if (bytes > MAX_BATCH_BYTES)
    throw batchError('BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes.`);
  const successful = entries.map((e, i) => {
    const m = queue.send(bodies[i] as string, { delaySeconds: Number(e.DelaySeconds ?? 0) });
    return { Id: ids[i], MessageId: m.messageId, MD5OfMessageBody: md5(m.body) };
  });
  return { Successful: successful, Failed: [] };
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
