import { createHash } from 'node:crypto';

/** What a record is about; the partition key, so "everything about thing X" is one Query. */
export type AuditSubject =
  | { type: 'thing'; id: string }
  | { type: 'rollout'; id: string }
  | { type: 'tunnel'; id: string }
  | { type: 'input'; id: string };

/** Why it happened: the event or request that caused the decision. */
export type AuditCause = {
  type: 'iot-event' | 'sqs-message' | 'eventbridge-event' | 'api-request' | 'execution';
  id: string;
};

export type AuditOutcome = 'applied' | 'skipped' | 'rejected' | 'requested' | 'decided' | 'failed';

export type AuditInput = {
  subject: AuditSubject;
  /** Dotted verb, e.g. `thing.groups.assigned`. */
  action: string;
  outcome: AuditOutcome;
  /** The function (`function:assign-groups`) or the human principal ARN. */
  actor: string;
  cause: AuditCause;
  /**
   * The time of the event (or request, or execution step) that caused the record: it orders the
   * records of a subject and replays the same in virtual time. Never the wall clock.
   */
  at: number;
  /** Evidence and effects: groups added and removed, rules, counts... Never a secret. */
  details: Record<string, unknown>;
};

export type AuditRecord = AuditInput & {
  /**
   * When the writer stored the record (epoch ms, the writer's clock): with `at`, shows how long a
   * cause waited before it was acted on. Absent on records written before it existed.
   */
  recordedAt?: number;
  pk: string;
  sk: string;
  id: string;
  atIso: string;
  /** GSI1: by actor over time. */
  gsi1pk: string;
  gsi1sk: string;
  /** GSI2: by UTC day over time, for time-range exports without a scan. */
  gsi2pk: string;
  gsi2sk: string;
  /** TTL: retention, in epoch seconds. */
  expiresAt: number;
};

/**
 * Builds the stored record. The id derives from the cause, action and subject, so the same event
 * processed twice yields the same key and the conditional put keeps exactly one record (and the
 * first write's `recordedAt`).
 */
export function buildAuditRecord(input: AuditInput, retentionDays: number, recordedAt?: number): AuditRecord {
  const id = createHash('sha256')
    .update(`${input.cause.type}:${input.cause.id}|${input.action}|${input.subject.type}:${input.subject.id}`)
    .digest('hex')
    .slice(0, 32);
  const atIso = new Date(input.at).toISOString();
  return {
    ...input,
    ...(recordedAt === undefined ? {} : { recordedAt }),
    pk: `${input.subject.type.toUpperCase()}#${input.subject.id}`,
    sk: `${atIso}#${id}`,
    id,
    atIso,
    gsi1pk: `ACTOR#${input.actor}`,
    gsi1sk: `${atIso}#${id}`,
    gsi2pk: `DAY#${atIso.slice(0, 10)}`,
    gsi2sk: `${atIso}#${id}`,
    expiresAt: Math.floor(input.at / 1000) + retentionDays * 86_400,
  };
}
