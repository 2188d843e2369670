import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventEnvelope } from '../../../local/emulators/eventbridge/envelope';
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

describe('Progress lines of a rollback', () => {
  const event = (type: string, at: number, detail: Record<string, unknown>): EventEnvelope => ({
    version: '0',
    id: `${type}-${at}`,
    'detail-type': type,
    source: 'fleet-autopilot.rollouts',
    account: '000000000000',
    time: new Date(at).toISOString().replace('.000Z', 'Z'),
    region: 'us-east-1',
    resources: [],
    detail,
  });

  it('says when it started (job, devices, who was left out), needed attention and ended, with its counts', () => {
    const printed: string[] = [];
    let now = START;
    const progress = new Progress(
      START,
      () => now,
      (line) => printed.push(line),
    );
    const id = 'firmware-3-1-37f96658';
    const halt = START + 115 * 60_000;
    progress.onEvent(
      event('RolloutCreated', START, {
        rolloutId: id,
        name: 'firmware-3.1',
        creator: 'arn:x/carol',
        stages: ['early', 'fleet'],
      }),
    );
    progress.onEvent(
      event('RolloutStageStarted', START, {
        rolloutId: id,
        stageIndex: 0,
        stage: 'early',
        jobId: `${id}-s0`,
        things: 204,
      }),
    );
    now = halt + 9_000;
    progress.onEvent(
      event('RolloutRollbackStarted', halt, {
        rolloutId: id,
        jobId: `${id}-rb0`,
        stageIndexes: [0],
        trigger: 'halt',
        devices: 200,
        excluded: 4,
        notAdded: 0,
      }),
    );
    // The status line names the rollback job as the rollout's rollback.
    expect(progress.jobLabel(`${id}-rb0`)).toBe('rollout firmware-3.1 rollback');
    const counts = { succeeded: 50, failed: 30, rejected: 2, timedOut: 0, inProgress: 100, notReached: 18 };
    now = halt + 20 * 60_000;
    progress.onEvent(
      event('RolloutRollbackAttention', now, {
        rolloutId: id,
        jobId: `${id}-rb0`,
        counts,
        explanation: 'halt rule: …',
      }),
    );
    const done = halt + (24 * 60 + 14) * 60_000;
    now = done;
    progress.onEvent(
      event('RolloutRollbackCompleted', done, {
        rolloutId: id,
        jobId: `${id}-rb0`,
        devices: 200,
        excluded: 4,
        notAdded: 0,
        counts: { succeeded: 199, failed: 0, rejected: 0, timedOut: 0, inProgress: 0, notReached: 1 },
        attention: true,
      }),
    );
    expect(printed.slice(2)).toEqual([
      '[day 0 09:55:09] rollout firmware-3.1 rollback started (halt): job firmware-3-1-37f96658-rb0 on 200 devices of stage early; 4 left out as gone (never came back)',
      '[day 0 10:15:00] rollout firmware-3.1 rollback needs attention: 50 rolled back, 30 failed, 2 rejected, 100 in progress, 18 not reached (halt rule: …)',
      '[day 1 10:09:00] rollout firmware-3.1 rollback completed after 24 h 14 m: 199 rolled back, 0 failed, 1 not reached of 200 devices (needed attention)',
    ]);
  });

  it('says why nothing was rolled back, and when the rollback failed', () => {
    const printed: string[] = [];
    const progress = new Progress(
      START,
      () => START,
      (line) => printed.push(line),
    );
    progress.onEvent(
      event('RolloutRollbackCompleted', START, {
        rolloutId: 'r1',
        jobId: null,
        devices: 0,
        excluded: 3,
        notAdded: 1,
        why: 'every device that applied the update was excluded or could not be added',
      }),
    );
    progress.onEvent(
      event('RolloutRollbackFailed', START, { rolloutId: 'r1', error: 'States.Timeout', cause: '' }),
    );
    progress.onEvent(
      event('RolloutAlarmPaused', START, {
        rolloutId: 'r1',
        stageIndex: 0,
        firing: [{ name: 'cpu-high', state: 'ALARM' }],
        missing: ['old'],
      }),
    );
    expect(printed.map((l) => l.slice(17))).toEqual([
      'rollout r1 rollback completed: nothing to roll back (every device that applied the update was excluded or could not be added); 3 left out as gone (never came back), 1 not added (refused by AWS IoT)',
      'rollout r1 rollback FAILED: States.Timeout',
      'rollout r1 stage 0: paused on a fleet alarm (in ALARM: cpu-high; not found: old)',
    ]);
  });
});
