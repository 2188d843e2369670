import { describe, expect, it } from 'vitest';
import { BRICK_AFTER_SECONDS, DEFAULT_REBOOT } from '../../../local/fleet/after-success';
import { DEFAULT_ROLLBACK, drawExecution, REPORTS, rollbackCohort } from '../../../local/fleet/cohorts';
import { generateDevices } from '../../../local/fleet/population';
import { parseScenario } from '../../../local/scenario/load';
import { InvalidScenarioError, type Scenario } from '../../../local/scenario/schema';

const scenario = (cohorts: string, extra = ''): Scenario =>
  parseScenario(
    `name: t\nseed: 9\ndevices: { count: 2000 }\ncohorts:\n${cohorts}${extra}timeline:\n  - { at: 0s, provision: {} }\n`,
  );

function issuesOf(text: () => unknown): readonly string[] {
  try {
    text();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidScenarioError);
    return (error as InvalidScenarioError).issues;
  }
  throw new Error('expected the scenario to be invalid');
}

const job = (n = 1) => ({ jobId: 'fw-s0', rollout: 'fw', executionNumber: n });

describe('health fields of a cohort', () => {
  it('default to nothing, so older scenarios parse as before', () => {
    const s = scenario('  - { name: c, outcomes: { fail: 0.1 } }\n');
    expect(s.cohorts[0]?.outcomes).toEqual({
      fail: 0.1,
      reject: 0,
      neverAnswer: 0,
      brickAfterSuccess: 0,
      failSelfTest: 0,
      crashAfterSuccess: 0,
      wrongVersion: 0,
      succeed: 0.9,
    });
    expect(s.cohorts[0]).not.toHaveProperty('statusDetails');
    expect(s.cohorts[0]).not.toHaveProperty('reboot');
    expect(s.rollback).toEqual(DEFAULT_ROLLBACK);
  });

  it('take health outcome weights, statusDetails and a reboot range, and refuse bad ones', () => {
    const s = scenario(
      '  - name: c\n    outcomes: { brickAfterSuccess: 0.1, failSelfTest: 0.2, crashAfterSuccess: 0.3 }\n' +
        "    statusDetails: { selfTest: pass, bootCount: '1' }\n    reboot: { min: 40, max: 90 }\n",
      'rollback: { outcomes: { fail: 0.25 }, latency: { min: 5, max: 10 } }\n',
    );
    expect(s.cohorts[0]?.outcomes.succeed).toBeCloseTo(0.4);
    expect(s.cohorts[0]?.statusDetails).toEqual({ selfTest: 'pass', bootCount: '1' });
    expect(s.rollback.outcomes).toMatchObject({ fail: 0.25, succeed: 0.75 });
    const issues = issuesOf(() =>
      scenario(
        '  - name: c\n    outcomes: { fail: 0.5, crashAfterSuccess: 0.6 }\n' +
          "    statusDetails: { 'bad key': x }\n    reboot: { min: 9, max: 1 }\n",
        'rollback: { outcomes: { brickAfterSuccess: 0.1 } }\n',
      ),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^cohorts\[0\]\.outcomes: fail \+ reject .* exceeds 1/),
        expect.stringMatching(/^cohorts\[0\]\.statusDetails\.bad key: /),
        expect.stringMatching(/^cohorts\[0\]\.reboot: max must be ≥ min/),
        expect.stringMatching(
          /^rollback\.outcomes: a rollback takes succeed, fail, reject and neverAnswer only/,
        ),
      ]),
    );
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']));
    expect(
      issuesOf(() => scenario(`  - { name: c, outcomes: {}, statusDetails: ${JSON.stringify(nine)} }\n`))[0],
    ).toMatch(/^cohorts\[0\]\.statusDetails: holds at most 8 pairs besides selfTest/);
  });
});

describe('the wrongVersion outcome', () => {
  const s = scenario('  - { name: c, outcomes: { wrongVersion: 0.3 } }\n');
  const draws = generateDevices(s).map((d) => drawExecution(s.cohorts, d, job(), s.seed));

  it('draws at its weight and reports SUCCEEDED like the other health outcomes, with nothing after it', () => {
    const wrong = draws.filter((d) => d.outcome === 'WRONG_VERSION');
    expect(wrong.length / draws.length).toBeGreaterThan(0.27);
    expect(wrong.length / draws.length).toBeLessThan(0.33);
    expect(REPORTS.WRONG_VERSION).toBe('SUCCEEDED');
    expect(wrong.every((d) => d.after === undefined)).toBe(true);
  });

  it('is refused for a rollback job, whose devices answer succeed, fail, reject or neverAnswer', () => {
    const issues = issuesOf(() =>
      scenario('  - { name: c, outcomes: {} }\n', 'rollback: { outcomes: { wrongVersion: 0.1 } }\n'),
    );
    expect(issues).toEqual([expect.stringMatching(/^rollback\.outcomes: a rollback takes succeed, fail/)]);
  });
});

describe('health draws', () => {
  const cohorts = scenario(
    '  - name: c\n    outcomes: { brickAfterSuccess: 0.2, failSelfTest: 0.1, crashAfterSuccess: 0.1 }\n' +
      "    statusDetails: { selfTest: pass, bootCount: '1' }\n    reboot: { min: 40, max: 90 }\n",
  );
  const devices = generateDevices(cohorts);
  const draws = devices.map((d) => drawExecution(cohorts.cohorts, d, job(), cohorts.seed));

  it('draws each outcome at its weight, replayably and whatever the order', () => {
    const share = (o: string) => draws.filter((d) => d.outcome === o).length / draws.length;
    expect(share('BRICK_AFTER_SUCCESS')).toBeGreaterThan(0.17);
    expect(share('BRICK_AFTER_SUCCESS')).toBeLessThan(0.23);
    expect(share('FAIL_SELF_TEST')).toBeGreaterThan(0.08);
    expect(share('FAIL_SELF_TEST')).toBeLessThan(0.12);
    expect(share('CRASH_AFTER_SUCCESS')).toBeGreaterThan(0.08);
    expect(share('CRASH_AFTER_SUCCESS')).toBeLessThan(0.12);
    const backward = [...devices]
      .reverse()
      .map((d) => drawExecution(cohorts.cohorts, d, job(), cohorts.seed));
    expect(backward.reverse()).toEqual(draws);
    // Another execution of the same job draws anew.
    expect(devices.map((d) => drawExecution(cohorts.cohorts, d, job(2), cohorts.seed))).not.toEqual(draws);
  });

  it('gives each outcome its statusDetails and after-success behaviour', () => {
    for (const d of draws) {
      if (d.outcome === 'BRICK_AFTER_SUCCESS') {
        expect(d.after).toEqual({ kind: 'brick', disconnectMs: 40_000 });
        expect(d.statusDetails).toEqual({ selfTest: 'pass', bootCount: '1' });
      } else if (d.outcome === 'FAIL_SELF_TEST') {
        expect(d.statusDetails).toEqual({ selfTest: 'fail', bootCount: '1' });
        expect(d.after).toMatchObject({ kind: 'reboot', crashes: false });
      } else {
        expect(d.after).toMatchObject({ kind: 'reboot', crashes: d.outcome === 'CRASH_AFTER_SUCCESS' });
        expect(d.statusDetails).toEqual({ selfTest: 'pass', bootCount: '1' });
      }
      if (d.after?.kind === 'reboot') {
        expect(d.after.offlineMs).toBeGreaterThanOrEqual(40_000);
        expect(d.after.offlineMs).toBeLessThanOrEqual(90_000);
      }
    }
    const offline = new Set(draws.flatMap((d) => (d.after?.kind === 'reboot' ? [d.after.offlineMs] : [])));
    expect(offline.size).toBeGreaterThan(100);
  });

  it('keeps the outcome, latency and runtime draws whatever the reboot and statusDetails', () => {
    const bare = scenario(
      '  - { name: c, outcomes: { brickAfterSuccess: 0.2, failSelfTest: 0.1, crashAfterSuccess: 0.1 } }\n',
    );
    const again = devices.map((d) => drawExecution(bare.cohorts, d, job(), bare.seed));
    const core = (d: (typeof draws)[number]) => [d.outcome, d.latencyMs, d.runtimeMs];
    expect(again.map(core)).toEqual(draws.map(core));
    // Without `reboot`: a healthy device stays quiet, a crashing one still reboots, a bricked one drops at 30 s.
    for (const d of again) {
      if (d.outcome === 'SUCCEEDED' || d.outcome === 'FAIL_SELF_TEST') expect(d.after).toBeUndefined();
      if (d.outcome === 'BRICK_AFTER_SUCCESS')
        expect(d.after).toEqual({ kind: 'brick', disconnectMs: BRICK_AFTER_SECONDS * 1000 });
      if (d.outcome === 'CRASH_AFTER_SUCCESS' && d.after?.kind === 'reboot') {
        expect(d.after.crashes).toBe(true);
        expect(d.after.offlineMs).toBeGreaterThanOrEqual(DEFAULT_REBOOT.min * 1000);
        expect(d.after.offlineMs).toBeLessThanOrEqual(DEFAULT_REBOOT.max * 1000);
      }
    }
    expect(again.some((d) => d.outcome === 'CRASH_AFTER_SUCCESS' && d.after?.kind === 'reboot')).toBe(true);
  });

  it('draws rollback answers from the scenario rollback: by default all succeed within 20-120 s', () => {
    const rb = devices.map((d) =>
      drawExecution([rollbackCohort(DEFAULT_ROLLBACK)], d, { jobId: 'r1-rb1', executionNumber: 1 }, 9),
    );
    expect(new Set(rb.map((d) => d.outcome))).toEqual(new Set(['SUCCEEDED']));
    expect(Math.min(...rb.map((d) => d.latencyMs))).toBeGreaterThanOrEqual(20_000);
    expect(Math.max(...rb.map((d) => d.latencyMs))).toBeLessThanOrEqual(120_000);
    expect(rb.every((d) => d.after === undefined && d.statusDetails === undefined)).toBe(true);
    const failing = scenario('  - { name: c, outcomes: {} }\n', 'rollback: { outcomes: { fail: 0.5 } }\n');
    const share =
      devices.filter(
        (d) =>
          drawExecution([rollbackCohort(failing.rollback)], d, { jobId: 'r1-rb1', executionNumber: 1 }, 9)
            .outcome === 'FAILED',
      ).length / devices.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
  });
});
