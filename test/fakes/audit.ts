import { type AuditRecord, buildAuditRecord } from '../../shared/audit/audit-record';
import type { AuditWriter } from '../../shared/services/effect-ports';
import { Faults } from './faults';

/**
 * The audit table in memory, with its rules: a put never overwrites (the key is subject and time
 * plus the id of cause, action and subject), a repeat answers `written: false` with the same id, and
 * a record keeps the first write's `recordedAt` (from `now`). Records are stored as copies.
 */
export function fakeAudit(options: { now?: () => number } = {}): {
  write: AuditWriter;
  records: AuditRecord[];
  faults: Faults;
} {
  const records: AuditRecord[] = [];
  const faults = new Faults();
  const write: AuditWriter = async (input) => {
    faults.check('write');
    const record = buildAuditRecord(structuredClone(input), 30, options.now?.());
    if (records.some((r) => r.pk === record.pk && r.sk === record.sk))
      return { written: false, id: record.id };
    records.push(record);
    return { written: true, id: record.id };
  };
  return { write, records, faults };
}
