import type { AuditRecord } from '../../shared/audit/audit-record';
import type { DomainEvent } from '../../shared/domain/events/domain-event';
import type { AuditWriter, DomainEventPublisher, OperatorNotifier } from '../../shared/services/effect-ports';
import { fakeAudit } from './audit';
import { FakeBus, FakeNotifier, type Notice } from './effects';
import { Faults } from './faults';

/**
 * The audit table, the project's bus and the operators' topic together (test/fakes/audit.ts and
 * effects.ts, with their rules), for services that take all three. Each can be made to fail through
 * one `faults` (`audit`, `publish`, `notify`), as a throttled call would.
 */
export class FakeEffects {
  readonly faults = new Faults();
  readonly #table = fakeAudit();
  readonly #bus = new FakeBus();
  readonly #topic = new FakeNotifier();
  readonly records: AuditRecord[] = this.#table.records;
  readonly events: DomainEvent[] = this.#bus.events;
  readonly notices: Notice[] = this.#topic.notices;

  readonly audit: AuditWriter = async (input) => {
    this.faults.check('audit');
    return this.#table.write(input);
  };

  readonly publish: DomainEventPublisher = async (events) => {
    this.faults.check('publish');
    return this.#bus.publish(events);
  };

  readonly notify: OperatorNotifier = async (notice) => {
    this.faults.check('notify');
    return this.#topic.notify(notice);
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
