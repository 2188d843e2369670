import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidPlanError } from '../../../shared/domain/rollout/errors';
import { jobIdFor, parseJobId, rolloutIdFor } from '../../../shared/domain/rollout/ids';
import { createJobRequest } from '../../../shared/domain/rollout/job-request';
import { gatePolicyOf, planDigest, resolvePlan } from '../../../shared/domain/rollout/plan';
import { readPlan } from '../../../shared/domain/rollout/plan-text';

const issuesOf = (input: unknown): string[] => {
  try {
    resolvePlan(typeof input === 'string' ? readPlan(input) : input);
  } catch (error) {
    if (error instanceof InvalidPlanError) return [...error.issues];
    throw error;
  }
  throw new Error('plan was accepted');
};

const PLAN_STAGE_MISSING = (): never => {
  throw new Error('no stage');
};
const minimal = { name: 'fw', document: { op: 'update' }, targets: ['ring-canary'] };

describe('rollout plan', () => {
  it('accepts a three-line YAML plan and fills every default', () => {
    const plan = resolvePlan(
      readPlan('name: fw-2.4\ndocument: { operation: update }\ntargets: [ring-canary]\n'),
    );
    expect(plan.stages).toHaveLength(1);
    const [stage] = plan.stages;
    expect(stage).toMatchObject({
      index: 0,
      name: 'fleet',
      gate: {
        failureThreshold: 0.05,
        confidence: 0.95,
        minFinished: 10,
        bakeMinutes: 30,
        deadlineMinutes: 1440,
        onInconclusive: 'ask',
      },
      approval: { required: false, timeoutMinutes: 1440 },
      job: { targetSelection: 'SNAPSHOT', inProgressTimeoutMinutes: 30 },
      cancel: { force: false },
    });
    expect(gatePolicyOf(plan.stages[0] ?? PLAN_STAGE_MISSING())).toMatchObject({
      bakeSeconds: 1800,
      deadlineSeconds: 86_400,
    });
  });

  it('reads the example plan: defaults apply to every stage, stages override field by field', () => {
    const plan = resolvePlan(readPlan(readFileSync('examples/plans/firmware-2.4.yml', 'utf8')));
    expect(plan.stages.map((s) => s.name)).toEqual(['canary', 'early', 'fleet']);
    expect(plan.stages[0]?.gate).toMatchObject({ minFinished: 5, bakeMinutes: 30, onInconclusive: 'ask' });
    expect(plan.stages[2]?.gate).toMatchObject({
      bakeMinutes: 60,
      onInconclusive: 'halt',
      failureThreshold: 0.05,
    });
    expect(plan.stages[2]?.cancel.force).toBe(true);
    expect(plan.stages[1]?.approval.required).toBe(true);
  });

  it.each([
    [{ ...minimal, stages: undefined, targets: undefined }, /^stages: /],
    [{ ...minimal, document: undefined }, /^document: /],
    [{ ...minimal, documentSource: 's3://bucket/key.json' }, /^document: give exactly one/],
    [{ ...minimal, document: undefined, documentSource: 's3://bucket/$(rm -rf)' }, /^documentSource: /],
    [{ ...minimal, document: undefined, documentSource: 'https://evil/x' }, /^documentSource: /],
    [{ ...minimal, document: { blob: 'x'.repeat(33_000) } }, /^document: larger/],
    [
      { ...minimal, targets: Array.from({ length: 101 }, (_, i) => `g${i}`) },
      /^targets: a job has at most 100/,
    ],
    [{ ...minimal, targets: ['bad group!'] }, /^targets\[0\]: /],
    [{ ...minimal, name: '' }, /^name: /],
    [{ ...minimal, colour: 'red' }, /^\(plan\): unknown field\(s\) colour/],
    [
      { ...minimal, targets: undefined, stages: [{ name: 'a', targets: ['g'], gate: { confidance: 0.9 } }] },
      /^stages\[0\]\.gate: unknown field\(s\) confidance/,
    ],
    [
      {
        ...minimal,
        targets: undefined,
        stages: [{ name: 'a', targets: ['g'], gate: { failureThreshold: 2 } }],
      },
      /^stages\[0\]\.gate\.failureThreshold: /,
    ],
    [
      {
        ...minimal,
        targets: undefined,
        stages: [{ name: 'a', targets: ['g'], gate: { bakeMinutes: 100, deadlineMinutes: 60 } }],
      },
      /^stages\[0\]\.gate: bakeMinutes/,
    ],
    [
      {
        ...minimal,
        targets: undefined,
        stages: [
          { name: 'a', targets: ['g'] },
          { name: 'a', targets: ['h'] },
        ],
      },
      /^stages\[1\]\.name: 'a' is used/,
    ],
    [
      { ...minimal, defaults: { job: { inProgressTimeoutMinutes: 1500 } } },
      /^\(defaults\)\.gate\.deadlineMinutes: 1440 is shorter than job\.inProgressTimeoutMinutes \(1500\)/,
    ],
    [
      { ...minimal, defaults: { gate: { failureStatuses: ['FAILED', 'REJECTED'] } } },
      /^defaults\.gate\.failureStatuses: must include FAILED and TIMED_OUT/,
    ],
    [{ ...minimal, defaults: { gate: { failureThreshold: 5e-324 } } }, /^defaults\.gate\.failureThreshold: /],
    [
      {
        ...minimal,
        defaults: {
          job: {
            scheduling: { maintenanceWindows: [{ startTime: 'cron(0 2 * *)', durationInMinutes: 60 }] },
          },
        },
      },
      /^\(defaults\)\.job\.scheduling\.maintenanceWindows\[0\]\.startTime: /,
    ],
    [
      {
        ...minimal,
        defaults: { job: { scheduling: { startTime: '2027-01-02T00:00', endTime: '2027-01-01T00:00' } } },
      },
      /^\(defaults\)\.job\.scheduling\.endTime: must be after startTime/,
    ],
    [
      {
        ...minimal,
        defaults: { job: { scheduling: { startTime: '2027-01-01T00:00', endTime: '2027-01-01T12:00' } } },
      },
      /^\(defaults\)\.gate\.deadlineMinutes: 1440 active minutes do not fit in job\.scheduling \(720 minutes/,
    ],
    [
      {
        ...minimal,
        defaults: {
          job: {
            rollout: {
              exponentialRate: {
                baseRatePerMinute: 5,
                incrementFactor: 1.25,
                rateIncreaseCriteria: { numberOfNotifiedThings: 5 },
              },
            },
          },
        },
      },
      /^defaults\.job\.rollout\.exponentialRate\.incrementFactor: at most one decimal/,
    ],
    [{ ...minimal, defaults: { approval: { required: 'yes' } } }, /^defaults\.approval\.required: /],
  ])('names the field at fault (%#)', (input, pattern) => {
    expect(issuesOf(input)).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
  });

  it('rejects text that is neither YAML nor JSON, and duplicate keys', () => {
    expect(issuesOf('name: [unclosed')[0]).toMatch(/^\(plan\): not valid YAML or JSON/);
    expect(issuesOf('name: a\nname: b\ndocument: {}\ntargets: [g]')[0]).toMatch(/^\(plan\): not valid/);
  });

  it('gives the same digest for the same plan however it is written, another for any change', () => {
    const a = resolvePlan(readPlan('name: fw\ntargets: [g]\ndocument: { a: 1, b: 2 }'));
    const b = resolvePlan({ document: { b: 2, a: 1 }, targets: ['g'], name: 'fw' });
    expect(planDigest(a)).toBe(planDigest(b));
    expect(planDigest(resolvePlan({ ...minimal, targets: ['h'] }))).not.toBe(
      planDigest(resolvePlan(minimal)),
    );
  });
});

describe('rollout ids', () => {
  it('derives [a-z0-9-] rollout ids and job ids of at most 64 [a-zA-Z0-9_-]', () => {
    const id = rolloutIdFor(`Firmware 2.4 / "prod" ${'x'.repeat(100)}`, 'abcdef0123456789');
    expect(id).toMatch(/^[a-z0-9-]+$/);
    expect(id.endsWith('-abcdef01')).toBe(true);
    const jobId = jobIdFor(id, 49);
    expect(jobId.length).toBeLessThanOrEqual(64);
    expect(jobId).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(parseJobId(jobId)).toEqual({ rolloutId: id, stageIndex: 49 });
    expect(rolloutIdFor('!!!', 'deadbeef00')).toBe('rollout-deadbeef');
  });

  it('does not claim jobs it did not create', () => {
    expect(parseJobId('someone-elses-job')).toBeUndefined();
    expect(parseJobId('UPPER-s1')).toBeUndefined();
    expect(parseJobId('fw-1-s07')).toBeUndefined();
    expect(() => jobIdFor('Bad Id', 0)).toThrow();
  });
});

describe('CreateJob request', () => {
  it('passes the plan job settings through in AWS shapes', () => {
    const input = readPlan(readFileSync('examples/plans/firmware-2.4.yml', 'utf8')) as {
      stages: { job: Record<string, unknown> }[];
    };
    const window = { startTime: 'cron(0 1 * * ? *)', durationInMinutes: 240 };
    Object.assign(input.stages[2]?.job ?? {}, { scheduling: { maintenanceWindows: [window] } });
    const plan = resolvePlan(input);
    const fleet = plan.stages[2];
    if (!fleet) throw new Error('no stage');
    const request = createJobRequest(plan, fleet, 'fw-s2', 'arn:aws:iot:eu-west-1:123456789012', 1800);
    expect(request).toMatchObject({
      jobId: 'fw-s2',
      targets: ['arn:aws:iot:eu-west-1:123456789012:thinggroup/sites'],
      documentSource: 'https://fleet-firmware-artifacts.s3.amazonaws.com/jobs/firmware-2.4.0.json',
      targetSelection: 'SNAPSHOT',
      jobExecutionsRolloutConfig: { maximumPerMinute: 1000, exponentialRate: { baseRatePerMinute: 50 } },
      abortConfig: { criteriaList: [{ failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 50 }] },
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 1 }] },
      schedulingConfig: { maintenanceWindows: [{ startTime: 'cron(0 1 * * ? *)', durationInMinutes: 240 }] },
    });
    expect(request).not.toHaveProperty('document');
  });
});
