import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RING_BUCKETS, ringBucket, ringFor } from '../../../shared/domain/grouping/ring';

const rings = [
  { group: 'ring-canary', percent: 1 },
  { group: 'ring-early', percent: 10 },
];

describe('ringBucket()', () => {
  it('is stable: the same thing always lands in the same bucket (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9:_-]{1,128}$/), (name) => {
        const bucket = ringBucket(name, 'salt');
        expect(bucket).toBe(ringBucket(name, 'salt'));
        expect(bucket).toBeGreaterThanOrEqual(0);
        expect(bucket).toBeLessThan(RING_BUCKETS);
      }),
    );
  });

  it('is pinned to SHA-256 so rings never reshuffle between releases', () => {
    // Changing the hash would move devices between rings mid-rollout. Expected values computed
    // independently: python3 -c "int.from_bytes(hashlib.sha256(b's:a').digest()[:4],'big') % 10000"
    expect([ringBucket('a', 's'), ringBucket('b', 's')]).toEqual([4995, 1835]);
  });

  it('fills rings in proportion to their percent over a large fleet', () => {
    const counts = new Map<string, number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const ring = ringFor(ringBucket(`device-${i}`, 'fleet-autopilot-rings'), rings)?.group ?? 'none';
      counts.set(ring, (counts.get(ring) ?? 0) + 1);
    }
    // Binomial 1% of 20,000 = 200 ± 14 (1 sd); 10% = 2,000 ± 42: allow 4 sd.
    expect(Math.abs((counts.get('ring-canary') ?? 0) - 200)).toBeLessThan(57);
    expect(Math.abs((counts.get('ring-early') ?? 0) - 2000)).toBeLessThan(170);
  });
});

describe('ringFor()', () => {
  it('gives consecutive bucket ranges in file order', () => {
    expect(ringFor(0, rings)?.group).toBe('ring-canary');
    expect(ringFor(99, rings)?.group).toBe('ring-canary');
    expect(ringFor(100, rings)?.group).toBe('ring-early');
    expect(ringFor(1099, rings)?.group).toBe('ring-early');
    expect(ringFor(1100, rings)).toBeUndefined();
  });

  it('keeps a thing in its ring when a later ring is added (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: RING_BUCKETS - 1 }), (bucket) => {
        const before = ringFor(bucket, rings);
        const after = ringFor(bucket, [...rings, { group: 'ring-late', percent: 20 }]);
        if (before) expect(after).toEqual(before);
      }),
    );
  });
});
