import { describe, expect, it } from 'vitest';
import { rejectEvent } from '../../../shared/services/reject-input';
import { fakeAudit } from '../../fakes/audit';

const alarmInput = (event: unknown) => ({
  actor: 'function:alarm-tunnel',
  source: 'cloudwatch-alarm',
  event,
  via: 'eventbridge-event' as const,
  idField: 'id',
  timeField: 'time',
  reason: 'alarm event: detail.alarmName: required',
  issues: ['detail.alarmName: required'],
});

describe('rejectEvent() for an EventBridge event', () => {
  it('audits it against its source, caused by its EventBridge id, at its ISO time', async () => {
    const audit = fakeAudit();

    await rejectEvent(audit.write, alarmInput({ id: 'evt-1', time: '2026-01-01T10:00:00Z' }));

    expect(audit.records).toMatchObject([
      {
        pk: 'INPUT#cloudwatch-alarm',
        action: 'input.rejected',
        outcome: 'rejected',
        cause: { type: 'eventbridge-event', id: 'evt-1' },
        at: Date.parse('2026-01-01T10:00:00Z'),
        details: { issues: ['detail.alarmName: required'] },
      },
    ]);
  });

  it('keys an event without a usable id on its content, so a redelivery is audited once', async () => {
    const audit = fakeAudit();
    const event = { id: 'with spaces and\nnewline', time: 'yesterday' };

    await rejectEvent(audit.write, alarmInput(event));
    await rejectEvent(audit.write, alarmInput(structuredClone(event)));

    expect(audit.records).toHaveLength(1);
    expect(audit.records[0]?.cause.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('dates an event whose time is not a string at the epoch', async () => {
    const audit = fakeAudit();

    await rejectEvent(audit.write, alarmInput({ id: 'evt-2', time: Object.create(null) }));

    expect(audit.records[0]?.at).toBe(0);
  });

  it('keeps a printable excerpt of at most 300 characters', async () => {
    const audit = fakeAudit();

    await rejectEvent(audit.write, alarmInput({ id: 'evt-3', blob: `\u0000${'x'.repeat(1000)}` }));

    const excerpt = String(audit.records[0]?.details.excerpt);
    expect(excerpt).toHaveLength(300);
    expect(excerpt).toMatch(/^[\x20-\x7e]+$/);
  });
});
