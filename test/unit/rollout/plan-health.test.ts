import { describe, expect, it } from 'vitest';
import { InvalidPlanError } from '../../../shared/domain/rollout/errors';
import { canonicalJson, ROLLBACK_DEFAULTS, resolvePlan } from '../../../shared/domain/rollout/plan';

const issuesOf = (input: unknown): string[] => {
  try {
    resolvePlan(input);
  } catch (error) {
    if (error instanceof InvalidPlanError) return [...error.issues];
    throw error;
  }
  throw new Error('plan was accepted');
};

const base = { name: 'fw', document: { op: 'update' } };
const oneStage = (stage: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...base,
  stages: [{ name: 'canary', targets: ['ring-canary'], ...stage }],
  ...extra,
});
const selfCheckOf = (keys: number) =>
  Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, { equals: 'ok' }]));

describe('plan health', () => {
  it('resolves a stage health with the pause action by default', () => {
    // Act
    const plan = resolvePlan(
      oneStage({
        health: {
          reconnectMinutes: 10,
          selfCheck: { selfTest: { equals: 'pass' } },
          alarms: { names: ['errors'] },
        },
      }),
    );

    // Assess
    expect(plan.stages[0]?.health).toEqual({
      reconnectMinutes: 10,
      selfCheck: { selfTest: { equals: 'pass' } },
      alarms: { names: ['errors'], action: 'pause' },
    });
  });

  it('applies the defaults health to every stage', () => {
    // Act
    const plan = resolvePlan({
      ...base,
      defaults: { health: { reconnectMinutes: 15 } },
      stages: [
        { name: 'a', targets: ['g1'] },
        { name: 'b', targets: ['g2'] },
      ],
    });

    // Assess
    expect(plan.stages.map((s) => s.health)).toEqual([{ reconnectMinutes: 15 }, { reconnectMinutes: 15 }]);
  });

  it("lets a stage's health keys override the defaults' key by key", () => {
    // Prepare
    const defaults = {
      health: {
        reconnectMinutes: 15,
        selfCheck: { selfTest: { equals: 'pass' }, bootCount: { atMost: 2 } },
        alarms: { names: ['errors'], action: 'halt' },
      },
    };
    const stageHealth = { reconnectMinutes: 5, selfCheck: { battery: { atLeast: 20 } } };

    // Act
    const plan = resolvePlan(oneStage({ health: stageHealth }, { defaults }));

    // Assess: a stage's selfCheck replaces the defaults' whole, the alarms it does not name stay.
    expect(plan.stages[0]?.health).toEqual({
      reconnectMinutes: 5,
      selfCheck: { battery: { atLeast: 20 } },
      alarms: { names: ['errors'], action: 'halt' },
    });
  });

  it('refuses an unknown health key', () => {
    expect(issuesOf(oneStage({ health: { reconectMinutes: 5 } }))).toContain(
      'stages[0].health: unknown field(s) reconectMinutes',
    );
  });

  it('refuses an unknown self-check condition', () => {
    expect(issuesOf(oneStage({ health: { selfCheck: { selfTest: { matches: 'pa.*' } } } }))).toEqual([
      expect.stringMatching(/^stages\[0\]\.health\.selfCheck\.selfTest: /),
    ]);
  });

  it.each([0, 11])('refuses a selfCheck with %i keys', (keys) => {
    expect(issuesOf(oneStage({ health: { selfCheck: selfCheckOf(keys) } }))).toEqual([
      'stages[0].health.selfCheck: must name 1-10 keys (statusDetails holds at most 10)',
    ]);
  });

  it('accepts a selfCheck with 10 keys', () => {
    expect(resolvePlan(oneStage({ health: { selfCheck: selfCheckOf(10) } })).stages[0]?.health).toBeDefined();
  });

  it('refuses an alarm named twice', () => {
    expect(issuesOf(oneStage({ health: { alarms: { names: ['errors', 'errors'] } } }))).toEqual([
      'stages[0].health.alarms.names: must not repeat an alarm',
    ]);
  });

  it('refuses a gate deadline that ends before a success at the stage start could count', () => {
    expect(issuesOf(oneStage({ gate: { deadlineMinutes: 61 }, health: { reconnectMinutes: 60 } }))).toEqual([
      "stages[0].gate.deadlineMinutes: 61 must be at least health.reconnectMinutes + 2 (62): a success counts once the window of its minute and 1 minute's grace for late lifecycle events are over, and that must happen while its stage runs",
    ]);
  });

  it('checks the reconnect window against a deadline from the defaults', () => {
    expect(
      issuesOf({
        ...base,
        targets: ['g'],
        defaults: { gate: { deadlineMinutes: 45 }, health: { reconnectMinutes: 90 } },
      }),
    ).toEqual([
      expect.stringMatching(
        /^\(defaults\)\.gate\.deadlineMinutes: 45 must be at least health\.reconnectMinutes \+ 2 \(92\)/,
      ),
    ]);
  });

  it('accepts a gate deadline that leaves the window, the minute and the grace', () => {
    const plan = resolvePlan(oneStage({ gate: { deadlineMinutes: 62 }, health: { reconnectMinutes: 60 } }));
    expect(plan.stages[0]?.health?.reconnectMinutes).toBe(60);
  });
});

describe('plan rollback', () => {
  it('fills the rollback defaults', () => {
    const plan = resolvePlan(oneStage({}, { rollback: { documentSource: 's3://fw-bucket/fw-2.3.json' } }));
    expect(plan.rollback).toEqual({ documentSource: 's3://fw-bucket/fw-2.3.json', ...ROLLBACK_DEFAULTS });
  });

  it.each([
    ['neither', {}],
    ['both', { document: { op: 'revert' }, documentSource: 's3://fw-bucket/fw-2.3.json' }],
  ])('refuses a rollback with %s of document and documentSource', (_what, rollback) => {
    expect(issuesOf(oneStage({}, { rollback }))).toEqual([
      'rollback: give exactly one of document (inline) or documentSource (s3://bucket/key)',
    ]);
  });
});

describe('a plan without health or rollback', () => {
  it('resolves without a health or rollback key, so its canonical JSON (and digest) is unchanged', () => {
    // Act
    const plan = resolvePlan(oneStage({}, { defaults: { gate: { bakeMinutes: 10 } } }));

    // Assess
    expect(Object.keys(plan)).not.toContain('rollback');
    expect(Object.keys(plan.stages[0] ?? {})).not.toContain('health');
    expect(canonicalJson(plan)).not.toMatch(/"health"|"rollback"/);
  });

  it('resolves an empty health object to no health key', () => {
    const plan = resolvePlan(oneStage({ health: {} }, { defaults: { health: {} } }));
    expect(Object.keys(plan.stages[0] ?? {})).not.toContain('health');
  });
});

// Review h10: a YAML `equals: 1` (a number) was refused with a bare "Invalid input".
describe('plan health self-check errors (review h10)', () => {
  it('says what a condition takes and that statusDetails values are strings', () => {
    // Act
    const issues = issuesOf(oneStage({ health: { selfCheck: { bootCount: { equals: 1 } } } }));

    // Assess
    expect(issues).toEqual([
      expect.stringContaining('stages[0].health.selfCheck.bootCount: must be exactly one of'),
    ]);
    expect(issues[0]).toContain('quote a number or boolean');
  });
});
