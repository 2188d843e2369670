import type { Enrolment } from '../../shared/domain/tunnels/enrolment';
import type { EnrolmentStore } from '../../shared/services/tunnel-ports';
import { Faults } from './faults';

/**
 * Enrolments in memory, with the conditions of shared/adapters/tunnel-enrolments.ts: a create
 * succeeds only when no ACTIVE enrolment exists, a removal only for the ACTIVE enrolment of the
 * request that enrolled it. Copies go in and out. Faults: method names.
 */
export class FakeEnrolments implements EnrolmentStore {
  readonly items = new Map<string, Enrolment>();
  readonly faults = new Faults();

  async get(alarmName: string) {
    this.faults.check('get');
    const e = this.items.get(alarmName);
    return e && structuredClone(e);
  }

  async list() {
    this.faults.check('list');
    return [...this.items.values()]
      .sort((a, b) => (a.alarmName < b.alarmName ? -1 : 1))
      .map((e) => structuredClone(e));
  }

  async create(enrolment: Enrolment) {
    this.faults.check('create');
    if (this.items.get(enrolment.alarmName)?.status === 'ACTIVE') return false;
    this.items.set(enrolment.alarmName, structuredClone(enrolment));
    return true;
  }

  async remove(
    alarmName: string,
    enrolRequestId: string,
    removal: { by: string; at: number; requestId: string },
  ) {
    this.faults.check('remove');
    const e = this.items.get(alarmName);
    if (e?.status !== 'ACTIVE' || e.enrolRequestId !== enrolRequestId) return false;
    this.items.set(alarmName, {
      ...e,
      status: 'REMOVED',
      removedBy: removal.by,
      removedAt: removal.at,
      removeRequestId: removal.requestId,
    });
    return true;
  }
}
