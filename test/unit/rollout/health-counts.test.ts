import { describe, expect, it } from 'vitest';
import type { StageCounts } from '../../../shared/domain/gate';
import { pendingSuccesses, successBucket, withHealth } from '../../../shared/domain/rollout/health-counts';
import { PRESENCE_GRACE_MS } from '../../../shared/domain/rollout/health-presence';

const MINUTE = 60_000;
const WINDOW = 10 * MINUTE;
const counts: StageCounts = { targets: 100, started: 40, succeeded: 30, failed: 2, excluded: 3 };
const running = (c: StageCounts) => c.started - c.succeeded - c.failed;

describe('successBucket', () => {
  it.each([
    [0, '0'],
    [MINUTE - 1, '0'],
    [MINUTE, '1'],
    [1_700_000_123_456, '28333335'],
  ])('puts a success at %i in minute %s', (at, bucket) => {
    expect(successBucket(at)).toBe(bucket);
  });
});

describe('pendingSuccesses', () => {
  // A bucket's last success can turn unhealthy until its minute, the window and the grace have all passed.
  const released = (minute: number) => (minute + 1) * MINUTE + WINDOW + PRESENCE_GRACE_MS;

  it('counts a bucket until the window of its last instant and the grace have passed', () => {
    expect(pendingSuccesses({ '5': 3 }, WINDOW, released(5) - 1)).toBe(3);
  });

  it('releases a bucket once its last window and the grace have passed', () => {
    expect(pendingSuccesses({ '5': 3 }, WINDOW, released(5))).toBe(0);
  });

  it('sums only the buckets still pending', () => {
    expect(pendingSuccesses({ '4': 1, '5': 2, '6': 4 }, WINDOW, released(5))).toBe(4);
  });

  it.each([
    ['a negative count', { '5': -2 }],
    ['a fractional count', { '5': 1.5 }],
    ['a count that is not a number', { '5': Number.NaN }],
    ['a key that is not a minute', { x5: 3, '-1': 3, '5.5': 3, '': 3 }],
  ])('ignores %s', (_what, buckets) => {
    expect(pendingSuccesses(buckets, WINDOW, released(5) - 1)).toBe(0);
  });
});

describe('withHealth', () => {
  it('counts unhealthy successes as failures', () => {
    const seen = withHealth(counts, { unhealthy: 4, pending: 0 });
    expect(seen).toEqual({ ...counts, succeeded: 26, failed: 6 });
  });

  it('counts pending successes as still running', () => {
    // Act
    const seen = withHealth(counts, { unhealthy: 0, pending: 5 });

    // Assess
    expect(seen).toEqual({ ...counts, succeeded: 25 });
    expect(running(seen)).toBe(running(counts) + 5);
  });

  it('never counts more unhealthy successes than there are successes', () => {
    expect(withHealth(counts, { unhealthy: 31, pending: 3 })).toEqual({
      ...counts,
      succeeded: 0,
      failed: 32,
    });
  });

  it('never counts more pending successes than the successes left', () => {
    expect(withHealth(counts, { unhealthy: 20, pending: 50 })).toEqual({
      ...counts,
      succeeded: 0,
      failed: 22,
    });
  });

  it.each([
    ['negative', -3],
    ['not a number', Number.NaN],
  ])('treats a %s figure as none', (_what, value) => {
    expect(withHealth(counts, { unhealthy: value, pending: value })).toEqual(counts);
  });

  it('keeps the counts whole numbers', () => {
    expect(withHealth(counts, { unhealthy: 1.7, pending: 2.2 })).toEqual({
      ...counts,
      succeeded: 27,
      failed: 3,
    });
  });
});
