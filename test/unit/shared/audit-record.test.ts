import { describe, expect, it } from 'vitest';
import { type AuditInput, buildAuditRecord } from '../../../shared/audit/audit-record';

const input: AuditInput = {
  subject: { type: 'thing', id: 'thing-1' },
  action: 'thing.groups.assigned',
  outcome: 'applied',
  actor: 'function:assign-groups',
  cause: { type: 'iot-event', id: 'evt-1' },
  at: Date.UTC(2026, 10, 26, 12, 0, 0),
  details: { added: ['g'] },
};

describe('buildAuditRecord()', () => {
  it('keys records by subject and time, with indexes by actor and by day', () => {
    const r = buildAuditRecord(input, 30);
    expect(r.pk).toBe('THING#thing-1');
    expect(r.sk).toBe(`2026-11-26T12:00:00.000Z#${r.id}`);
    expect(r.gsi1pk).toBe('ACTOR#function:assign-groups');
    expect(r.gsi2pk).toBe('DAY#2026-11-26');
    expect(r.expiresAt).toBe(Date.UTC(2026, 11, 26, 12, 0, 0) / 1000);
  });

  it('gives the same key to the same decision so a retried write collapses into one record', () => {
    expect(buildAuditRecord(input, 30).sk).toBe(buildAuditRecord({ ...input }, 30).sk);
    expect(buildAuditRecord({ ...input, cause: { type: 'iot-event', id: 'evt-2' } }, 30).id).not.toBe(
      buildAuditRecord(input, 30).id,
    );
    expect(buildAuditRecord({ ...input, action: 'other' }, 30).id).not.toBe(buildAuditRecord(input, 30).id);
  });
});
