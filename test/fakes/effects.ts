import type { DomainEvent } from '../../shared/domain/events/domain-event';
import type { DomainEventPublisher, OperatorNotifier } from '../../shared/services/effect-ports';
import { Faults } from './faults';

/** The project's event bus: PutEvents takes all the entries or throws (fault `publish`). */
export class FakeBus {
  readonly events: DomainEvent[] = [];
  readonly faults = new Faults();
  readonly publish: DomainEventPublisher = async (events) => {
    this.faults.check('publish');
    this.events.push(...structuredClone(events));
  };

  of(detailType: string): DomainEvent[] {
    return this.events.filter((e) => e.detailType === detailType);
  }
}

export type Notice = Parameters<OperatorNotifier>[0];

/** The operators' SNS topic: delivers or throws (fault `notify`); SNS cuts subjects at 100 characters. */
export class FakeNotifier {
  readonly notices: Notice[] = [];
  readonly faults = new Faults();
  readonly notify: OperatorNotifier = async (notice) => {
    this.faults.check('notify');
    this.notices.push({ ...structuredClone(notice), subject: notice.subject.slice(0, 100) });
  };
}
