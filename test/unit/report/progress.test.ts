import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { gateLine, Progress, whileSlow } from '../../../local/scenario/progress';

const START = Date.UTC(2026, 0, 5, 8);

describe('Progress', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const make = () => {
    const printed: string[] = [];
    let virtual = START;
    const progress = new Progress(
      START,
      () => virtual,
      (line) => printed.push(line),
    );
    return { progress, printed, advance: (ms: number) => (virtual += ms) };
  };

  it('prints a status line whenever nothing was printed for a while, never a silent stretch', () => {
    const { progress, printed, advance } = make();
    let events = 0;
    progress.phase('grouping');
    const stop = progress.startStatus(() => ({ counts: ['2,000 things'], events }), 2000);
    for (let i = 0; i < 20; i++) {
      events += 300;
      advance(40_000);
      vi.advanceTimersByTime(500);
    }
    stop();
    // 10 s of real time, a status at least every 2.5 s (the check runs every quarter of the quiet time).
    expect(printed.length).toBeGreaterThanOrEqual(4);
    const line = printed.at(-1) ?? '';
    expect(line).toMatch(
      /^\[day 0 \d\d:\d\d:\d\d\] … grouping \(\d+\.\d s\) · 2,000 things · 600 events\/s$/,
    );
    vi.advanceTimersByTime(10_000);
    expect(printed.length).toBeLessThanOrEqual(5);
  });

  it('stays quiet while step lines keep coming', () => {
    const { progress, printed } = make();
    const stop = progress.startStatus(() => ({ counts: [], events: 0 }), 2000);
    for (let i = 0; i < 10; i++) {
      progress.log(`step ${i}`);
      vi.advanceTimersByTime(1500);
    }
    stop();
    expect(printed.filter((l) => l.includes('…'))).toEqual([]);
    // Status lines are not steps: the report's progress log keeps only the steps.
    expect(progress.lines).toHaveLength(10);
  });

  it('records the wall time of each phase', () => {
    const { progress } = make();
    const t0 = performance.now();
    progress.phase('start the stack', t0 - 1200);
    vi.advanceTimersByTime(3000);
    progress.phase('provision');
    vi.advanceTimersByTime(2);
    progress.phase('grouping');
    vi.advanceTimersByTime(55_000);
    expect(progress.endPhase()).toEqual([
      { name: 'start the stack', wallMs: 4200 },
      // A phase replaced at once is left out (provision took 2 ms here).
      { name: 'grouping', wallMs: 55_000 },
    ]);
  });
});

describe('whileSlow', () => {
  it('says how long a slow step has run until it settles, then nothing more', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    try {
      const printed: string[] = [];
      let done: (v: string) => void = () => undefined;
      const work = new Promise<string>((resolve) => {
        done = resolve;
      });
      const waiting = whileSlow('starting the local stack', work, 3000, (l) => printed.push(l));
      vi.advanceTimersByTime(7000);
      done('up');
      expect(await waiting).toBe('up');
      vi.advanceTimersByTime(9000);
      expect(printed).toEqual(['… starting the local stack (3 s)', '… starting the local stack (6 s)']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('gateLine', () => {
  it('shows the counts and the deciding bound with enough digits to tell it from the threshold', () => {
    const line = gateLine({
      outcome: 'HALT',
      reason: 'RATE_ABOVE_THRESHOLD',
      evidence: { failed: 13, finished: 125, lowerBound: 0.0504, upperBound: 0.2, failureThreshold: 0.05 },
    });
    expect(line).toContain('HALT: 13/125 failed (10%)');
    expect(line).toContain('lower bound 5.04% > 5.00% threshold');
    expect(line).toContain('halt rule');
  });
});
