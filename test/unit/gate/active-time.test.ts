import { describe, expect, it } from 'vitest';
import {
  ALWAYS_ACTIVE,
  awsCron,
  evaluateGate,
  jobActiveTime,
  resolveGatePolicy,
} from '../../../shared/domain/gate';

const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;

describe('active time: when devices can run the job', () => {
  it('reads AWS cron: 1 = Sunday, ? as any, 6L as the last Friday', () => {
    expect(
      awsCron('cron(0 2 ? * 2-6 *)')
        .nextRun(new Date(at('2026-12-05T00:00:00Z')))
        ?.toISOString(),
    ).toBe('2026-12-07T02:00:00.000Z');
    expect(
      awsCron('cron(30 3 ? * 6L *)')
        .nextRun(new Date(at('2026-12-01T00:00:00Z')))
        ?.toISOString(),
    ).toBe('2026-12-25T03:30:00.000Z');
    expect(() => awsCron('cron(0 2 * *)')).toThrow(/not cron/);
  });

  it('counts only the maintenance windows (a daily 60-minute window at 02:00)', () => {
    const active = jobActiveTime({
      maintenanceWindows: [{ startTime: 'cron(0 2 * * ? *)', durationInMinutes: 60 }],
    });
    expect(active.activeBetween(at('2027-01-01T00:00:00Z'), at('2027-01-02T00:00:00Z'))).toBe(60 * MIN);
    expect(active.activeBetween(at('2027-01-01T02:30:00Z'), at('2027-01-01T05:00:00Z'))).toBe(30 * MIN);
    // 90 active minutes from midnight: the first window, then 30 minutes into the next day's.
    expect(new Date(active.reachAt(at('2027-01-01T00:00:00Z'), 90 * MIN)).toISOString()).toBe(
      '2027-01-02T02:30:00.000Z',
    );
  });

  it('merges overlapping windows and clips them to the schedule start and end', () => {
    const active = jobActiveTime({
      startTime: at('2027-01-01T02:20:00Z'),
      endTime: at('2027-01-01T03:10:00Z'),
      maintenanceWindows: [
        { startTime: 'cron(0 2 * * ? *)', durationInMinutes: 60 },
        { startTime: 'cron(30 2 * * ? *)', durationInMinutes: 60 },
      ],
    });
    expect(active.activeBetween(at('2027-01-01T00:00:00Z'), at('2027-01-03T00:00:00Z'))).toBe(50 * MIN);
    expect(active.reachAt(at('2027-01-01T00:00:00Z'), 51 * MIN)).toBe(Number.POSITIVE_INFINITY);
  });

  it('without windows, only the scheduled start and end count', () => {
    const active = jobActiveTime({ startTime: at('2027-01-01T10:00:00Z') });
    expect(active.activeBetween(at('2027-01-01T09:00:00Z'), at('2027-01-01T11:00:00Z'))).toBe(60 * MIN);
    expect(ALWAYS_ACTIVE.reachAt(5, 10)).toBe(15);
  });

  it('the gate bakes in active time: closed hours are not evidence of health', () => {
    const policy = resolveGatePolicy({ bakeSeconds: 1800, deadlineSeconds: 7200 });
    const activeTime = jobActiveTime({
      maintenanceWindows: [{ startTime: 'cron(0 2 * * ? *)', durationInMinutes: 20 }],
    });
    const start = at('2027-01-01T02:00:00Z');
    const counts = { targets: 300, started: 300, succeeded: 300, failed: 0, excluded: 0 };
    const input = (now: number) => ({ counts, targetsOpen: false, stageStartedAt: start, now, activeTime });
    // Six wall-clock hours later only 20 active minutes have passed: waiting for the bake, until 02:10 next day.
    const d = evaluateGate(policy, input(at('2027-01-01T08:00:00Z')));
    expect(d).toMatchObject({
      outcome: 'CONTINUE',
      reason: 'AWAITING_BAKE',
      recheckAt: at('2027-01-02T02:10:00Z'),
    });
    expect(d.evidence.activeSeconds).toBe(1200);
    expect(evaluateGate(policy, input(at('2027-01-02T02:10:00Z'))).outcome).toBe('PROMOTE');
  });
});
