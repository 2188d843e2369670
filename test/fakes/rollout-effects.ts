import { type AuditRecord, buildAuditRecord } from '../../shared/audit/audit-record';
import type { DomainEvent } from '../../shared/domain/events/domain-event';
import type { AuditWriter, DomainEventPublisher, OperatorNotifier } from '../../shared/services/effect-ports';
import { Faults } from './rollout-faults';

type Notice = Parameters<OperatorNotifier>[0];

/**
 * The audit table, the project's bus and the operators' topic, in memory. The audit keeps a record once
 * per cause, action and subject (the adapter's conditional put); the bus and the topic keep everything
 * sent. Each can be made to fail (`faults`: `audit`, `publish`, `notify`), as a throttled call would.
 */
export class FakeEffects {
  readonly records: AuditRecord[] = [];
  readonly events: DomainEvent[] = [];
  readonly notices: Notice[] = [];
  readonly faults = new Faults();

  readonly audit: AuditWriter = async (input) => {
    this.faults.check('audit');
    const record = buildAuditRecord(structuredClone(input), 30);
    if (this.records.some((r) => r.id === record.id)) return { written: false, id: record.id };
    this.records.push(record);
    return { written: true, id: record.id };
  };

  readonly publish: DomainEventPublisher = async (events) => {
    this.faults.check('publish');
    this.events.push(...structuredClone(events));
  };

  readonly notify: OperatorNotifier = async (notice) => {
    this.faults.check('notify');
    this.notices.push(structuredClone(notice));
  };

  /** The audit records of one action, in the order they were written. */
  audited(action: string): AuditRecord[] {
    return this.records.filter((r) => r.action === action);
  }

  /** The audit actions of a rollout, in order. */
  actions(rolloutId?: string): string[] {
    return this.records
      .filter(
        (r) => rolloutId === undefined || r.details.rolloutId === rolloutId || r.subject.id === rolloutId,
      )
      .map((r) => r.action);
  }

  /** The detail-types published, in order. */
  published(): string[] {
    return this.events.map((e) => e.detailType);
  }

  /** Everything the effects hold, as text (to look for what must never be in them). */
  text(): string {
    return JSON.stringify([this.records, this.events, this.notices]);
  }
}
