import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type CheckedExpectation,
  checkExpectations,
  healthExpectationFields,
} from '../../../local/scenario/expectations';

/** GET /rollouts/{id} of a rollout like the default scenario's firmware 3.1 at the end of the run. */
const view = () => ({
  status: 'HALTED',
  reason: 'gate-halt',
  stages: [
    {
      name: 'early',
      status: 'HALTED',
      gate: { lastDecision: { outcome: 'HALT', explanation: 'halt rule: 4 failed of 204 started' } },
      health: { unhealthy: 4 },
    },
    { name: 'fleet', status: 'NOT_STARTED', gate: {}, health: { unhealthy: 0 } },
  ],
  rollback: {
    state: 'COMPLETED',
    devices: 200,
    excluded: 4,
    counts: { succeeded: 199, failed: 0, rejected: 0, timedOut: 0, inProgress: 0, notReached: 1 },
  },
});
const check = (e: CheckedExpectation, v: ReturnType<typeof view> = view()) =>
  checkExpectations([e], new Map([['C', v]]))[0];

describe('expectations on health and the rollback', () => {
  it('passes a health halt and a completed rollback, saying what it saw', () => {
    expect(
      check({
        rollout: 'C',
        status: 'HALTED',
        reason: 'gate-halt',
        stage: 'early',
        decision: 'HALT',
        minUnhealthy: 1,
      }),
    ).toEqual({
      ok: true,
      text: 'rollout C: HALTED, reason gate-halt, early decided HALT, early unhealthy after success 4 (halt rule: 4 failed of 204 started)',
    });
    expect(
      check({
        rollout: 'C',
        rollback: { state: 'COMPLETED', minDevices: 1, minRolledBack: 1, maxFailed: 0, minExcluded: 1 },
      }),
    ).toEqual({
      ok: true,
      text: 'rollout C: rollback COMPLETED, rollback devices 200, rolled back 199, rollback failed 0, left out as gone 4',
    });
  });

  it('fails each part that the run does not meet, and says by how much', () => {
    const v = view();
    v.reason = 'fleet-alarm';
    v.rollback = {
      state: 'ATTENTION',
      devices: 200,
      excluded: 0,
      counts: { succeeded: 10, failed: 40, rejected: 1, timedOut: 2, inProgress: 147, notReached: 0 },
    };
    expect(check({ rollout: 'C', reason: 'gate-halt' }, v)).toEqual({
      ok: false,
      text: 'rollout C: reason fleet-alarm, expected gate-halt',
    });
    expect(check({ rollout: 'C', stage: 'early', minUnhealthy: 5 }, v)?.text).toBe(
      'rollout C: early unhealthy after success 4, expected at least 5 (halt rule: 4 failed of 204 started)',
    );
    expect(
      check({ rollout: 'C', rollback: { state: 'COMPLETED', maxFailed: 5, minExcluded: 1 } }, v),
    ).toEqual({
      ok: false,
      text: 'rollout C: rollback ATTENTION, expected COMPLETED; rollback failed 43, expected at most 5; left out as gone 0, expected at least 1',
    });
  });

  it('fails a rollback expectation when the plan names none, and minUnhealthy without a stage or signals', () => {
    const { rollback: _r, ...none } = view();
    expect(check({ rollout: 'C', rollback: { minDevices: 1 } }, none as ReturnType<typeof view>)).toEqual({
      ok: false,
      text: 'rollout C: no rollback (the plan names none)',
    });
    expect(check({ rollout: 'C', minUnhealthy: 1 })?.ok).toBe(false);
    const plain = view();
    plain.stages = plain.stages.map(({ health: _h, ...s }) => ({ ...s, health: undefined as never }));
    expect(check({ rollout: 'C', stage: 'early', minUnhealthy: 0 }, plain)?.text).toContain(
      'stage early has no health signals',
    );
    expect(checkExpectations([{ rollout: 'D', rollback: { state: 'COMPLETED' } }], new Map())).toEqual([
      { ok: false, text: 'rollout D: never started' },
    ]);
  });

  it('gives the scenario schema fields that read as the default scenario writes them, and refuses typos', () => {
    const entry = z.strictObject({ rollout: z.string(), ...healthExpectationFields });
    expect(entry.parse({ rollout: 'C', rollback: { state: 'COMPLETED', minDevices: 1 } })).toEqual({
      rollout: 'C',
      rollback: { state: 'COMPLETED', minDevices: 1 },
    });
    expect(entry.safeParse({ rollout: 'C', rollback: { state: 'DONE' } }).success).toBe(false);
    expect(entry.safeParse({ rollout: 'C', rollback: { minDevice: 1 } }).success).toBe(false);
    expect(entry.safeParse({ rollout: 'C', minUnhealthy: -1 }).success).toBe(false);
  });
});
