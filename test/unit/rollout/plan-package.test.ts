import { describe, expect, it } from 'vitest';
import { InvalidPlanError } from '../../../shared/domain/rollout/errors';
import { createJobRequest } from '../../../shared/domain/rollout/job-request';
import { canonicalJson, planDigest, resolvePlan } from '../../../shared/domain/rollout/plan';

const issuesOf = (input: unknown): string[] => {
  try {
    resolvePlan(input);
  } catch (error) {
    if (error instanceof InvalidPlanError) return [...error.issues];
    throw error;
  }
  throw new Error('plan was accepted');
};

const arn = (pkg: string, version: string) =>
  `arn:aws:iot:us-east-1:123456789012:package/${pkg}/version/${version}`;
const FW = arn('fw', '3.1.0');
const base = { name: 'fw', document: { op: 'update' } };
const oneStage = (stage: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...base,
  stages: [{ name: 'canary', targets: ['ring-canary'], ...stage }],
  ...extra,
});

describe('plan: job.destinationPackageVersions', () => {
  it('passes the package versions to CreateJob as AWS takes them', () => {
    // Prepare
    const plan = resolvePlan(oneStage({ job: { destinationPackageVersions: [FW] } }));
    const stage = plan.stages[0];
    if (!stage) throw new Error('no stage');

    // Act
    const request = createJobRequest(plan, stage, 'fw-1-s0', 'arn:aws:iot:us-east-1:123456789012', 10);

    // Assess
    expect(request.destinationPackageVersions).toEqual([FW]);
  });

  it('sends CreateJob no package versions when the plan has none', () => {
    // Prepare
    const plan = resolvePlan(oneStage({}));
    const stage = plan.stages[0];
    if (!stage) throw new Error('no stage');

    // Act
    const request = createJobRequest(plan, stage, 'fw-1-s0', 'arn:aws:iot:us-east-1:123456789012', 10);

    // Assess
    expect(request).not.toHaveProperty('destinationPackageVersions');
  });

  it('applies the defaults’ package versions to every stage', () => {
    // Act
    const plan = resolvePlan({
      ...base,
      defaults: { job: { destinationPackageVersions: [FW] } },
      stages: [
        { name: 'a', targets: ['g1'] },
        { name: 'b', targets: ['g2'] },
      ],
    });

    // Assess
    expect(plan.stages.map((s) => s.job.destinationPackageVersions)).toEqual([[FW], [FW]]);
  });

  it.each([
    ['an empty list', [], 'stages[0].job.destinationPackageVersions: Too small'],
    [
      'more than 25 versions',
      Array.from({ length: 26 }, (_, i) => arn(`p${i}`, '1')),
      'CreateJob takes at most 25 package versions',
    ],
    [
      'a package ARN without a version',
      ['arn:aws:iot:us-east-1:123456789012:package/fw'],
      'must be a package version ARN',
    ],
    ['a thing ARN', ['arn:aws:iot:us-east-1:123456789012:thing/fw'], 'must be a package version ARN'],
    ['two versions of one package', [FW, arn('fw', '3.2.0')], 'one version per package'],
  ])('refuses %s', (_why, versions, message) => {
    // Act
    const issues = issuesOf(oneStage({ job: { destinationPackageVersions: versions } }));

    // Assess
    expect(issues.join('\n')).toContain(message);
    expect(issues.every((i) => i.startsWith('stages[0].job.destinationPackageVersions'))).toBe(true);
  });
});

describe('plan: health.packageVersion', () => {
  it('is on by default for a stage whose job installs package versions', () => {
    // Act
    const plan = resolvePlan(oneStage({ job: { destinationPackageVersions: [FW] } }));

    // Assess
    expect(plan.stages[0]?.health).toEqual({ packageVersion: true });
  });

  it('is off for a stage without package versions, and adds no key to its plan', () => {
    // Act
    const plan = resolvePlan({
      ...base,
      stages: [
        { name: 'a', targets: ['g1'], job: { destinationPackageVersions: [FW] } },
        { name: 'b', targets: ['g2'], health: { reconnectMinutes: 5 } },
      ],
    });

    // Assess
    expect(plan.stages.map((s) => s.health)).toEqual([{ packageVersion: true }, { reconnectMinutes: 5 }]);
  });

  it('can be turned off: false leaves no key, so the stage may have no health at all', () => {
    // Act
    const plan = resolvePlan(
      oneStage({ job: { destinationPackageVersions: [FW] }, health: { packageVersion: false } }),
    );

    // Assess
    expect(plan.stages[0]).not.toHaveProperty('health');
  });

  it('refuses true without package versions, naming both fields', () => {
    // Act
    const issues = issuesOf(oneStage({ health: { packageVersion: true } }));

    // Assess
    expect(issues).toEqual([
      'stages[0].health.packageVersion: true needs stages[0].job.destinationPackageVersions: it compares the package versions the job installs with those the device reports in its $package shadow',
    ]);
  });

  it('refuses a defaults packageVersion: true on a stage whose job installs nothing', () => {
    // Act
    const issues = issuesOf({
      ...base,
      defaults: { health: { packageVersion: true } },
      stages: [
        { name: 'a', targets: ['g1'], job: { destinationPackageVersions: [FW] } },
        { name: 'b', targets: ['g2'] },
      ],
    });

    // Assess
    expect(issues).toEqual([expect.stringMatching(/^stages\[1\]\.health\.packageVersion: true needs/)]);
  });

  it('refuses a deadline the settle time cannot fit in', () => {
    // Act
    const issues = issuesOf(
      oneStage({
        job: { destinationPackageVersions: [FW], inProgressTimeoutMinutes: 1 },
        gate: { bakeMinutes: 0, deadlineMinutes: 3 },
      }),
    );

    // Assess
    expect(issues).toEqual([
      expect.stringMatching(/^stages\[0\]\.gate\.deadlineMinutes: 3 must be at least 4/),
    ]);
  });
});

describe('plan digests', () => {
  it('keeps the digest of plans without package versions (pinned before the field existed)', () => {
    // Prepare
    const short = { name: 'fw-2.4', document: { op: 'update', firmware: '2.4' }, targets: ['ring-canary'] };
    const healthy = {
      name: 'fw-2.5',
      document: { op: 'update' },
      defaults: { health: { reconnectMinutes: 10, selfCheck: { selfTest: { equals: 'pass' } } } },
      stages: [
        { name: 'a', targets: ['g1'] },
        { name: 'b', targets: ['g2'], job: { retries: { failed: 1 } } },
      ],
    };

    // Act
    const digests = [short, healthy].map((p) => planDigest(resolvePlan(p)));

    // Assess
    expect(digests).toEqual([
      'fdc5e227c09feb68980ae199e5a49cb7047c4dd45210ffef87119106b35d408d',
      'd66787f538fdd90cc97e8bc21967a085b938ed3813cbf8bf75ceb33fe42d1690',
    ]);
  });

  it('tells a plan that checks package versions from one that turned the check off', () => {
    // Act
    const on = resolvePlan(oneStage({ job: { destinationPackageVersions: [FW] } }));
    const off = resolvePlan(
      oneStage({ job: { destinationPackageVersions: [FW] }, health: { packageVersion: false } }),
    );

    // Assess
    expect(canonicalJson(on)).not.toBe(canonicalJson(off));
  });
});
