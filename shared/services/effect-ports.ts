import type { AuditInput } from '../audit/audit-record';
import type { DomainEvent } from '../domain/events/domain-event';

/**
 * The ports every feature's effects go through: the audit trail, the project's event bus and the
 * operators' notifications (adapters: shared/adapters/audit-store.ts, shared/adapters/domain-events.ts).
 */

/**
 * Appends one audit record, once per cause, action and subject: a repeat is `written: false` with
 * the same id, never an error and never a second record, so a retried decision is safe.
 */
export type AuditWriter = (input: AuditInput) => Promise<{ written: boolean; id: string }>;

/** Publishes domain events on the project's bus, all or an error (so the caller retries). */
export type DomainEventPublisher = (events: DomainEvent[]) => Promise<void>;

/** Tells the operators (on-call, approvers) something, or throws; never carries a secret. */
export type OperatorNotifier = (notice: {
  subject: string;
  message: string;
  attributes?: Record<string, string>;
}) => Promise<void>;
