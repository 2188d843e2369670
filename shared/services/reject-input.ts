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
 * The same for an event that did not come through SQS (an IoT rule's Lambda action, an EventBridge
 * rule's target): keyed on the event's own id when it has a usable one, else on a hash of its
 * content, so a redelivery is audited once.
 */
export async function rejectEvent(
  audit: AuditWriter,
  input: {
    actor: string;
    source: string;
    event: unknown;
    /** Who delivered it: IoT (epoch seconds or ms in `timeField`) or EventBridge (an ISO time). */
    via?: 'iot-event' | 'eventbridge-event';
    idField: string;
    timeField: string;
    reason: string;
    issues: readonly string[];
  },
): Promise<void> {
  const text = safeJson(input.event);
  const id = fieldOf(input.event, input.idField);
  const via = input.via ?? 'iot-event';
  await audit({
    subject: { type: 'input', id: input.source },
    action: 'input.rejected',
    outcome: 'rejected',
    actor: input.actor,
    cause: {
      type: via,
      id:
        typeof id === 'string' && /^[\x21-\x7e]{1,128}$/.test(id)
          ? id
          : createHash('sha256').update(text).digest('hex').slice(0, 32),
    },
    at: (via === 'iot-event' ? epochOf : isoTimeOf)(fieldOf(input.event, input.timeField)),
    details: {
      reason: input.reason.slice(0, 2000),
      issues: input.issues,
      excerpt: text.slice(0, EXCERPT_CHARS).replace(/[^\x20-\x7e]/g, '?'),
    },
  });
}

/** Seconds or milliseconds, as IoT sends them; anything else is dated at the epoch. */
function epochOf(raw: unknown): number {
  const time = typeof raw === 'number' ? raw : Number.NaN;
  if (!Number.isSafeInteger(time) || time <= 0 || time > 9_999_999_999_999) return 0;
  return time < 1e12 ? time * 1000 : time;
}

/** An EventBridge `time`; anything but a parseable string is dated at the epoch. */
function isoTimeOf(raw: unknown): number {
  // Only a string: String() of an object without a prototype throws.
  const time = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  return Number.isFinite(time) ? time : 0;
}

function fieldOf(event: unknown, key: string): unknown {
  return typeof event === 'object' && event !== null && Object.hasOwn(event, key)
    ? (event as Record<string, unknown>)[key]
    : undefined;
}
