import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  counterDelta,
  EXECUTION_OUTCOMES,
  type ExecutionMark,
  iotJobEventSchema,
  normalizeJobEvent,
  supersedes,
} from '../../../shared/domain/rollout/job-event';

const execution = (status: string, operation = status.toLowerCase(), timestamp = 1_767_225_600) => ({
  eventType: 'JOB_EXECUTION',
  eventId: `e-${status}-${timestamp}`,
  timestamp,
  operation,
  jobId: 'fw-24-abcdef12-s0',
  thingArn: 'arn:aws:iot:us-east-1:123456789012:thing/sensor-1',
  status,
  statusDetails: { detail: 'x' },
});

describe('job event normalization', () => {
  it.each([
    ['SUCCEEDED', 'succeeded'],
    ['FAILED', 'failed'],
    ['REJECTED', 'rejected'],
    ['TIMED_OUT', 'timedOut'],
    ['CANCELED', 'excluded'],
    ['REMOVED', 'excluded'],
  ])('%s counts as %s, with the timestamp in ms and the rollout named', (status, outcome) => {
    const event = normalizeJobEvent(iotJobEventSchema.parse(execution(status)));
    expect(event).toMatchObject({
      detailType: 'JobExecutionTerminal',
      time: 1_767_225_600_000,
      detail: {
        outcome,
        at: 1_767_225_600_000,
        thingName: 'sensor-1',
        rolloutId: 'fw-24-abcdef12',
        stageIndex: 0,
      },
    });
  });

  it('carries the statusDetails of a success (the self-check of a plan reads them) and of no other status', () => {
    const success = normalizeJobEvent(iotJobEventSchema.parse(execution('SUCCEEDED')));
    const failure = normalizeJobEvent(iotJobEventSchema.parse(execution('FAILED')));
    expect(success?.detail).toMatchObject({ statusDetails: { detail: 'x' } });
    expect(failure?.detail).not.toHaveProperty('statusDetails');
  });

  it('keeps ms timestamps, and drops non-terminal and deleted executions', () => {
    const ms = normalizeJobEvent(iotJobEventSchema.parse(execution('FAILED', 'failed', 1_767_225_600_123)));
    expect(ms?.time).toBe(1_767_225_600_123);
    expect(normalizeJobEvent(iotJobEventSchema.parse(execution('IN_PROGRESS', 'failed')))).toBeUndefined();
    expect(normalizeJobEvent(iotJobEventSchema.parse(execution('SUCCEEDED', 'deleted')))).toBeUndefined();
  });

  it('maps job events to their detail types with the process details', () => {
    const event = normalizeJobEvent(
      iotJobEventSchema.parse({
        eventType: 'JOB',
        eventId: 'j1',
        timestamp: 1_767_225_600,
        operation: 'completed',
        jobId: 'fw-24-abcdef12-s1',
        status: 'COMPLETED',
        jobProcessDetails: { numberOfSucceededThings: 3 },
      }),
    );
    expect(event).toMatchObject({
      detailType: 'JobCompleted',
      detail: { stageIndex: 1, jobProcessDetails: { numberOfSucceededThings: 3 } },
    });
  });

  it('rejects malformed events', () => {
    expect(iotJobEventSchema.safeParse({ ...execution('FAILED'), thingArn: 'nope' }).success).toBe(false);
    expect(iotJobEventSchema.safeParse({ ...execution('FAILED'), jobId: 'a b' }).success).toBe(false);
  });
});

describe('per-thing counters', () => {
  const mark = fc.record({
    at: fc.integer({ min: 1, max: 5 }),
    eventId: fc.constantFrom('a', 'b', 'c', 'd'),
    outcome: fc.constantFrom(...EXECUTION_OUTCOMES),
  });

  /** Folds events the way the store does: newest wins, counters move by the delta. */
  function fold(events: ExecutionMark[]) {
    let current: ExecutionMark | undefined;
    const counts = { succeeded: 0, failed: 0, rejected: 0, timedOut: 0, excluded: 0 };
    for (const e of events) {
      if (!supersedes(e, current)) continue;
      const d = counterDelta(current?.outcome, e.outcome);
      for (const k of EXECUTION_OUTCOMES) counts[k] += d[k];
      current = e;
    }
    return counts;
  }

  it('duplicates and any delivery order give the same counters (the newest event decides)', () => {
    fc.assert(
      fc.property(fc.array(mark, { minLength: 1, maxLength: 8 }), fc.integer(), (events, seed) => {
        const shuffled = [...events, ...events].sort(
          (x, y) => ((x.at * 31 + seed) % 7) - ((y.at * 31 + seed) % 7),
        );
        expect(fold(shuffled)).toEqual(fold(events));
        const total = Object.values(fold(events)).reduce((a, b) => a + b, 0);
        expect(total).toBe(1);
      }),
    );
  });

  it('a retried execution moves from failed to succeeded', () => {
    const zero = { succeeded: 0, failed: 0, rejected: 0, timedOut: 0, excluded: 0 };
    expect(counterDelta('failed', 'succeeded')).toEqual({ ...zero, succeeded: 1, failed: -1 });
    expect(counterDelta('timedOut', 'succeeded')).toEqual({ ...zero, succeeded: 1, timedOut: -1 });
    expect(counterDelta('failed', 'failed')).toEqual(zero);
  });
});
