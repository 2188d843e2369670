import { describe, expect, it } from 'vitest';
import {
  disconnectedInWindow,
  mergePresence,
  PRESENCE_GRACE_MS,
  PRESENCE_KEEP,
  PRESENCE_LOOKBEHIND_MS,
  type PresenceEvent,
  presenceVerdict,
} from '../../../shared/domain/rollout/health-presence';

const SUCCEEDED = 1_000_000;
const WINDOW = 10 * 60_000;
const END = SUCCEEDED + WINDOW;
const FINAL = END + PRESENCE_GRACE_MS;
const on = (at: number, version?: number): PresenceEvent => ({ at, connected: true, version });
const off = (at: number, version?: number): PresenceEvent => ({ at, connected: false, version });
const mergeAll = (events: readonly PresenceEvent[], keep = PRESENCE_KEEP) =>
  events.reduce<PresenceEvent[]>((history, e) => mergePresence(history, e, keep), []);

describe('mergePresence', () => {
  it('sorts events by time whatever order they arrive in', () => {
    expect(mergeAll([on(30), off(10), on(20)])).toEqual([
      { at: 10, connected: false },
      { at: 20, connected: true },
      { at: 30, connected: true },
    ]);
  });

  it('changes nothing on a duplicate', () => {
    // Prepare
    const history = mergeAll([off(10, 4), on(20, 5)]);

    // Act
    const merged = mergePresence(history, off(10, 4));

    // Assess
    expect(merged).toEqual(history);
  });

  it('orders a disconnect before a connect of the same instant and version', () => {
    expect(mergeAll([on(10, 3), off(10, 3)]).map((e) => e.connected)).toEqual([false, true]);
  });

  it('orders events of the same instant by versionNumber', () => {
    expect(mergeAll([off(10, 7), on(10, 6)])).toEqual([
      { at: 10, connected: true, version: 6 },
      { at: 10, connected: false, version: 7 },
    ]);
  });

  it('keeps an event without a version apart from one with version -1', () => {
    expect(mergeAll([off(10, -1), off(10)])).toEqual([
      { at: 10, connected: false },
      { at: 10, connected: false, version: -1 },
    ]);
  });

  it('keeps the newest events only', () => {
    expect(mergeAll([on(5), off(1), on(4), off(3), on(2)], 3).map((e) => e.at)).toEqual([3, 4, 5]);
  });

  it('keeps nothing when keep is 0', () => {
    expect(mergePresence([off(1)], on(2), 0)).toEqual([]);
  });

  it('drops an event that has no finite time', () => {
    expect(mergePresence([off(1)], on(Number.NaN))).toEqual([{ at: 1, connected: false }]);
  });

  it('does not change the history it was given', () => {
    // Prepare
    const history = [off(2), on(1)];

    // Act
    mergePresence(history, on(3));

    // Assess
    expect(history).toEqual([off(2), on(1)]);
  });
});

describe('presenceVerdict', () => {
  it('is healthy at once when the device disconnects and comes back in the window', () => {
    // Prepare
    const history = mergeAll([off(SUCCEEDED + 1000), on(SUCCEEDED + 30_000)]);

    // Act
    const verdict = presenceVerdict(history, SUCCEEDED, WINDOW, SUCCEEDED + 31_000);

    // Assess
    expect(verdict).toEqual({
      verdict: 'healthy',
      disconnectedAt: SUCCEEDED + 1000,
      reconnectedAt: SUCCEEDED + 30_000,
    });
  });

  it('names the first connect after the first disconnect', () => {
    const history = mergeAll([off(SUCCEEDED + 1), on(SUCCEEDED + 5), off(SUCCEEDED + 7), on(SUCCEEDED + 9)]);
    expect(presenceVerdict(history, SUCCEEDED, WINDOW, FINAL).reconnectedAt).toBe(SUCCEEDED + 5);
  });

  it('is pending while a disconnected device may still come back', () => {
    const history = mergeAll([off(SUCCEEDED + 1000)]);
    expect(presenceVerdict(history, SUCCEEDED, WINDOW, FINAL - 1)).toEqual({ verdict: 'pending' });
  });

  it('is pending without any event until the grace after the window ends', () => {
    expect(presenceVerdict([], SUCCEEDED, WINDOW, FINAL - 1)).toEqual({ verdict: 'pending' });
  });

  it('is unhealthy once the grace has passed with the device disconnected', () => {
    // Prepare
    const history = mergeAll([on(SUCCEEDED + 10), off(SUCCEEDED + 1000), off(SUCCEEDED + 2000)]);

    // Act
    const verdict = presenceVerdict(history, SUCCEEDED, WINDOW, FINAL);

    // Assess
    expect(verdict).toEqual({ verdict: 'unhealthy', disconnectedAt: SUCCEEDED + 2000 });
  });

  it('is healthy once the grace has passed without any event (it stayed online)', () => {
    expect(presenceVerdict([], SUCCEEDED, WINDOW, FINAL)).toEqual({ verdict: 'healthy' });
  });

  it('is healthy once the grace has passed when the newest event is a connect', () => {
    expect(presenceVerdict(mergeAll([on(SUCCEEDED + 5)]), SUCCEEDED, WINDOW, FINAL)).toEqual({
      verdict: 'healthy',
    });
  });

  it('does not let a reconnect after the window rescue a device', () => {
    // Prepare
    const history = mergeAll([off(SUCCEEDED + 1000), on(END + 1)]);

    // Act
    const verdict = presenceVerdict(history, SUCCEEDED, WINDOW, FINAL + 60_000);

    // Assess
    expect(verdict).toEqual({ verdict: 'unhealthy', disconnectedAt: SUCCEEDED + 1000 });
  });

  it('counts a reconnect at the last instant of the window, delivered during the grace', () => {
    const history = mergeAll([on(END), off(SUCCEEDED + 1000)]);
    expect(presenceVerdict(history, SUCCEEDED, WINDOW, END + 1).verdict).toBe('healthy');
  });

  it('ignores a disconnect from before the success and its look-behind (the install rebooted the device)', () => {
    const history = mergeAll([off(SUCCEEDED - PRESENCE_LOOKBEHIND_MS - 1)]);
    expect(presenceVerdict(history, SUCCEEDED, WINDOW, FINAL)).toEqual({ verdict: 'healthy' });
  });
});

describe('the state at the success (look-behind)', () => {
  it('counts a disconnect stamped just before the success, with no connect after, as the device gone', () => {
    const history = mergeAll([on(SUCCEEDED - 60_000), off(SUCCEEDED - 200)]);
    expect(disconnectedInWindow(history, SUCCEEDED, WINDOW)).toBe(true);
    expect(presenceVerdict(history, SUCCEEDED, WINDOW, FINAL)).toMatchObject({ verdict: 'unhealthy' });
  });

  it('counts a device that disconnected and reconnected just before its success as online', () => {
    const history = mergeAll([off(SUCCEEDED - 5000), on(SUCCEEDED - 2000)]);
    expect(disconnectedInWindow(history, SUCCEEDED, WINDOW)).toBe(false);
    expect(presenceVerdict(history, SUCCEEDED, WINDOW, FINAL)).toEqual({ verdict: 'healthy' });
  });
});

describe('disconnectedInWindow', () => {
  it('is true for a disconnect in the window', () => {
    expect(disconnectedInWindow(mergeAll([off(END)]), SUCCEEDED, WINDOW)).toBe(true);
  });

  it('is false for disconnects outside the window only', () => {
    expect(
      disconnectedInWindow(
        mergeAll([off(SUCCEEDED - PRESENCE_LOOKBEHIND_MS - 1), off(END + 1), on(END)]),
        SUCCEEDED,
        WINDOW,
      ),
    ).toBe(false);
  });
});

/** mulberry32: a small seeded PRNG, so every run shuffles the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('presence is a set: arrival order never matters', () => {
  const NOWS = [SUCCEEDED, END - 1, END + 1, FINAL - 1, FINAL, FINAL + 3_600_000];
  const verdicts = (history: readonly PresenceEvent[]) =>
    NOWS.map((now) => presenceVerdict(history, SUCCEEDED, WINDOW, now));

  it('gives one history and one verdict for every permutation', () => {
    // Prepare: a boot before success, same-instant pairs (with and without versions), a late reconnect.
    const events = [
      off(SUCCEEDED - 5, 1),
      off(SUCCEEDED + 100, 2),
      on(SUCCEEDED + 100, 3),
      on(SUCCEEDED + 200),
      off(SUCCEEDED + 200),
      off(END, 3),
      on(END + 1, 4),
    ];
    const expected = mergeAll(events);

    // Act
    const results = permutations(events).map((order) => mergeAll(order));

    // Assess
    expect(results).toHaveLength(5040);
    for (const history of results) {
      expect(history).toEqual(expected);
      expect(verdicts(history)).toEqual(verdicts(expected));
    }
  });

  it('gives one history and one verdict for random shuffles with duplicates, when events are evicted', () => {
    // Prepare: more events than kept, so eviction is part of what must commute.
    const random = prng(17);
    const events = Array.from({ length: 12 }, (_, k) => {
      const version = k % 2 === 0 ? undefined : k;
      const at = SUCCEEDED + k * 40_000;
      return k % 3 === 2 ? [off(at, version)] : [on(at, version), off(at, version)];
    }).flat();
    const expected = mergeAll(events, 8);

    for (let round = 0; round < 200; round += 1) {
      // Act
      const arrivals = [...events, ...events.filter(() => random() < 0.5)];
      for (let i = arrivals.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [arrivals[i], arrivals[j]] = [arrivals[j] as PresenceEvent, arrivals[i] as PresenceEvent];
      }
      const history = mergeAll(arrivals, 8);

      // Assess
      expect(history).toEqual(expected);
      expect(verdicts(history)).toEqual(verdicts(expected));
    }
  });
});
