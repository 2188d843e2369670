import { describe, expect, it } from 'vitest';
import { type AlarmState, alarmEvidence, alarmVerdict } from '../../../shared/domain/rollout/health-alarms';

const alarm = (name: string, state: AlarmState['state'], extra: Partial<AlarmState> = {}): AlarmState => ({
  name,
  state,
  ...extra,
});

describe('alarmVerdict', () => {
  it('reports the named alarms in ALARM as firing', () => {
    // Prepare
    const found = [alarm('errors', 'ALARM'), alarm('latency', 'OK'), alarm('crashes', 'ALARM')];

    // Act
    const { firing } = alarmVerdict(['errors', 'latency', 'crashes'], found);

    // Assess
    expect(firing.map((a) => a.name)).toEqual(['errors', 'crashes']);
  });

  it('ignores an alarm in ALARM that the plan does not name', () => {
    expect(alarmVerdict(['errors'], [alarm('errors', 'OK'), alarm('other', 'ALARM')]).firing).toEqual([]);
  });

  it('reports a named alarm that does not exist as missing, never as OK', () => {
    expect(alarmVerdict(['errors', 'gone'], [alarm('errors', 'OK')])).toEqual({
      firing: [],
      missing: ['gone'],
    });
  });

  it('treats INSUFFICIENT_DATA as neither firing nor missing', () => {
    expect(alarmVerdict(['errors'], [alarm('errors', 'INSUFFICIENT_DATA')])).toEqual({
      firing: [],
      missing: [],
    });
  });

  it("follows the plan's order of names, once each", () => {
    // Prepare
    const found = [alarm('b', 'ALARM'), alarm('a', 'ALARM')];

    // Act
    const verdict = alarmVerdict(['a', 'x', 'b', 'a', 'x'], found);

    // Assess
    expect(verdict).toEqual({ firing: [alarm('a', 'ALARM'), alarm('b', 'ALARM')], missing: ['x'] });
  });
});

describe('alarmEvidence', () => {
  it('keeps name, state, reason and update time', () => {
    const firing = [alarm('errors', 'ALARM', { reason: 'Threshold Crossed', updatedAt: 1234 })];
    expect(alarmEvidence(firing)).toEqual([
      { name: 'errors', state: 'ALARM', reason: 'Threshold Crossed', updatedAt: 1234 },
    ]);
  });

  it('cuts a long reason to 256 characters', () => {
    // Act
    const [evidence] = alarmEvidence([alarm('errors', 'ALARM', { reason: 'r'.repeat(1000) })]);

    // Assess
    expect(evidence?.reason).toHaveLength(256);
    expect(evidence?.reason?.endsWith('…')).toBe(true);
  });

  it('writes null for what CloudWatch did not say', () => {
    expect(alarmEvidence([alarm('errors', 'ALARM')])).toEqual([
      { name: 'errors', state: 'ALARM', reason: null, updatedAt: null },
    ]);
  });
});
