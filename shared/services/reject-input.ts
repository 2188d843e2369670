import type { AuditWriter } from '../adapters/audit-store';
import type { InvalidInputError } from '../errors';

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
      reason: error.message,
      issues: error.issues,
      excerpt: record.body.slice(0, EXCERPT_CHARS).replace(/[^\x20-\x7e]/g, '?'),
    },
  });
}
