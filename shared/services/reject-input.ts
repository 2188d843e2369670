import { createHash } from 'node:crypto';
import { safeJson } from '../domain/parse';
import type { InvalidInputError } from '../errors';
import type { AuditWriter } from './effect-ports';

type Rejection = {
  actor: string;
  /** Which entry point refused it, e.g. `registry-event`. */
  source: string;
  record: { messageId: string; body: string; attributes?: { SentTimestamp?: string } };
  error: InvalidInputError;
};

/** A short, printable excerpt so an operator can recognise the message without storing all of it. */
const EXCERPT_CHARS = 300;

/** Bad input from an event is audited as rejected (and not retried): it would fail the same way again. */
export async function rejectInput(
  audit: AuditWriter,
  { actor, source, record, error }: Rejection,
): Promise<void> {
  const sent = Number(record.attributes?.SentTimestamp);
  await audit({
    subject: { type: 'input', id: source },
    action: 'input.rejected',
    outcome: 'rejected',
    actor,
    cause: { type: 'sqs-message', id: record.messageId },
    at: Number.isFinite(sent) && sent > 0 ? sent : 0,
    details: {
      reason: error.message.slice(0, 2000),
      issues: error.issues,
      excerpt: record.body.slice(0, EXCERPT_CHARS).replace(/[^\x20-\x7e]/g, '?'),
    },
  });
}

/**
 * The same for an event that did not come through SQS (an IoT rule's Lambda action): keyed on the
 * event's own id when it has a usable one, else on a hash of its content, so a redelivery is audited once.
 */
export async function rejectEvent(
  audit: AuditWriter,
  input: {
    actor: string;
    source: string;
    event: unknown;
    idField: string;
    timeField: string;
    reason: string;
    issues: readonly string[];
  },
): Promise<void> {
  const text = safeJson(input.event);
  const id = fieldOf(input.event, input.idField);
  const rawTime = fieldOf(input.event, input.timeField);
  const time = typeof rawTime === 'number' ? rawTime : Number.NaN;
  await audit({
    subject: { type: 'input', id: input.source },
    action: 'input.rejected',
    outcome: 'rejected',
    actor: input.actor,
    cause: {
      type: 'iot-event',
      id:
        typeof id === 'string' && /^[\x21-\x7e]{1,128}$/.test(id)
          ? id
          : createHash('sha256').update(text).digest('hex').slice(0, 32),
    },
    // Seconds or milliseconds, as IoT sends them; anything else is dated at the epoch.
    at:
      Number.isSafeInteger(time) && time > 0 && time <= 9_999_999_999_999
        ? time < 1e12
          ? time * 1000
          : time
        : 0,
    details: {
      reason: input.reason.slice(0, 2000),
      issues: input.issues,
      excerpt: text.slice(0, EXCERPT_CHARS).replace(/[^\x20-\x7e]/g, '?'),
    },
  });
}

function fieldOf(event: unknown, key: string): unknown {
  return typeof event === 'object' && event !== null && Object.hasOwn(event, key)
    ? (event as Record<string, unknown>)[key]
    : undefined;
}
