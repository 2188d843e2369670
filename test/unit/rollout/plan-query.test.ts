import { describe, expect, it } from 'vitest';
import {
  continuousEndsAt,
  isContinuousFinal,
  MAX_CONTINUOUS_MS,
  watchNext,
  watchSeconds,
} from '../../../shared/domain/rollout/continuous';
import { InvalidPlanError } from '../../../shared/domain/rollout/errors';
import { createJobRequest } from '../../../shared/domain/rollout/job-request';
import type { Rollout } from '../../../shared/domain/rollout/model';
import { planDigest, resolvePlan } from '../../../shared/domain/rollout/plan';
import { previewPlan } from '../../../shared/domain/rollout/preflight';
import { queryGroupName } from '../../../shared/domain/rollout/query-target';

const issuesOf = (input: Record<string, unknown>, at?: number): string[] => {
  try {
    resolvePlan({ name: 'fw', document: { op: 'update' }, ...input }, at === undefined ? {} : { at });
  } catch (error) {
    if (error instanceof InvalidPlanError) return [...error.issues];
    throw error;
  }
  return [];
};

const QUERY = 'attributes.model:th200 AND connectivity.connected:true';

describe('plan: stages that target a fleet indexing query', () => {
  it('accepts a query, alone or beside groups, and keeps plans without one unchanged', () => {
    const plan = resolvePlan({
      name: 'fw',
      document: { op: 'update' },
      stages: [
        { name: 'canary', targets: ['ring-canary'] },
        { name: 'th200', query: QUERY },
        { name: 'both', targets: ['site-a'], query: 'thingName:x*' },
      ],
    });
    expect(plan.stages.map((s) => [s.targets, s.query])).toEqual([
      [['ring-canary'], undefined],
      [[], QUERY],
      [['site-a'], 'thingName:x*'],
    ]);
    expect('query' in (plan.stages[0] ?? {})).toBe(false);
  });

  it('targets the dynamic group named after the job, besides the static groups', () => {
    const plan = resolvePlan({
      name: 'fw',
      document: { op: 'u' },
      stages: [{ name: 'a', targets: ['g'], query: QUERY }],
    });
    const stage = plan.stages[0];
    if (!stage) throw new Error('no stage');
    const request = createJobRequest(plan, stage, 'fw-12345678-s0', 'arn:aws:iot:us-east-1:123456789012', 10);
    expect(request.targets).toEqual([
      'arn:aws:iot:us-east-1:123456789012:thinggroup/g',
      'arn:aws:iot:us-east-1:123456789012:thinggroup/fleet-autopilot-fw-12345678-s0',
    ]);
    expect(queryGroupName('fw-12345678-s0')).toMatch(/^[a-zA-Z0-9_-]{1,128}$/);
  });

  it('refuses a stage with neither groups nor a query, a query that does not parse, one over 1,000 characters', () => {
    expect(issuesOf({ stages: [{ name: 'a' }] })).toEqual([
      'stages[0]: give targets (thing groups), a query (fleet indexing), or both',
    ]);
    expect(issuesOf({ stages: [{ name: 'a', query: 'thingName:(a' }] })).toEqual([
      'stages[0].query: a ( is not closed (at character 11)',
    ]);
    expect(issuesOf({ stages: [{ name: 'a', query: `thingName:${'x'.repeat(1000)}` }] })[0]).toMatch(
      /^stages\[0\]\.query: at most 1000 characters/,
    );
    const groups = Array.from({ length: 100 }, (_, i) => `g${i}`);
    expect(issuesOf({ stages: [{ name: 'a', targets: groups, query: QUERY }] })[0]).toMatch(
      /^stages\[0\]\.targets: with a query, at most 99 groups/,
    );
  });
});

describe('plan: a continuous last stage', () => {
  const continuous = { targetSelection: 'CONTINUOUS' };

  it('gives only the last, CONTINUOUS stage a completion time, and warns of an earlier continuous stage', () => {
    const stages = [
      { name: 'a', targets: ['g'], job: continuous },
      { name: 'b', query: QUERY, job: continuous, completeAt: '2027-02-01T00:00' },
    ];
    expect(issuesOf({ stages })).toEqual([]);
    const preview = previewPlan(resolvePlan({ name: 'fw', document: { op: 'u' }, stages }), new Map());
    expect(preview.warnings[0]).toMatch(/^stage a is CONTINUOUS but not the last: .*unwatched/);
    expect(
      issuesOf({
        stages: [
          { ...stages[1], name: 'b' },
          { name: 'c', targets: ['g'] },
        ],
      }),
    ).toEqual(['stages[0].completeAt: only the last stage, when CONTINUOUS, has a completion time']);
    expect(issuesOf({ stages: [{ name: 'a', targets: ['g'], completeAt: '2027-02-01T00:00' }] })).toEqual([
      'stages[0].completeAt: only the last stage, when CONTINUOUS, has a completion time',
    ]);
    expect(
      issuesOf(
        { stages: [{ name: 'a', targets: ['g'], job: continuous, completeAt: '2027-01-01T00:00' }] },
        Date.parse('2027-01-02T00:00:00Z'),
      ),
    ).toEqual(['stages[0].completeAt: 2027-01-01T00:00 is not in the future']);
    expect(issuesOf({ stages: [{ name: 'a', targets: ['g'], completeAt: '1 Feb' }] })[0]).toMatch(
      /^stages\[0\]\.completeAt: must be YYYY-MM-DDTHH:MM/,
    );
  });

  it('ends at completeAt, or a year after the rollout began at the latest, re-reading the job weekly meanwhile', () => {
    const T0 = Date.parse('2027-01-01T00:00:00Z');
    const plan = resolvePlan({
      name: 'fw',
      document: { op: 'u' },
      stages: [
        { name: 'a', targets: ['g'] },
        { name: 'b', query: QUERY, job: continuous, completeAt: '2027-01-20T00:00' },
      ],
    });
    const rollout: Rollout = {
      rolloutId: 'fw-12345678',
      name: 'fw',
      digest: planDigest(plan),
      plan,
      creator: 'alice',
      createdAt: T0,
      status: 'RUNNING',
      currentStage: 1,
      paused: false,
      abortRequested: false,
      updatedAt: T0,
    };
    expect([isContinuousFinal(rollout, 0), isContinuousFinal(rollout, 1)]).toEqual([false, true]);
    expect(continuousEndsAt(rollout, 1)).toBe(Date.parse('2027-01-20T00:00:00Z'));
    expect(watchSeconds(rollout, 1, T0)).toBe(7 * 86_400);
    expect(watchSeconds(rollout, 1, Date.parse('2027-01-19T23:00:00Z'))).toBe(3600);
    expect(watchNext(rollout, 1, false, T0)).toBe('watch');
    expect(watchNext(rollout, 1, true, Date.parse('2027-02-01T00:00:00Z'))).toBe('halt');
    expect(watchNext(rollout, 1, false, Date.parse('2027-01-20T00:00:00Z'))).toBe('complete');
    expect(watchNext({ ...rollout, completeRequested: true }, 1, false, T0)).toBe('complete');
    const open = { ...rollout, plan: { ...plan, stages: plan.stages.map(({ completeAt: _c, ...s }) => s) } };
    expect(continuousEndsAt(open, 1)).toBe(T0 + MAX_CONTINUOUS_MS);
  });
});

describe('preview of a query stage', () => {
  it('shows the things matching now, warns on none, and lists the index fields missing', () => {
    const plan = resolvePlan({
      name: 'fw',
      document: { op: 'u' },
      stages: [
        { name: 'q1', query: QUERY },
        {
          name: 'q2',
          query: 'shadow.name.$package.reported.fw.version:2.4*',
          job: { targetSelection: 'CONTINUOUS' },
        },
      ],
    });
    const preview = previewPlan(
      plan,
      new Map(),
      new Map([
        [0, { missing: [], matches: 0 }],
        [1, { missing: ['shadow.name.$package.reported.fw.version needs named shadow indexing'] }],
      ]),
    );
    expect(preview.stages.map((s) => s.query)).toEqual([
      { query: QUERY, matches: 0, missing: [] },
      {
        query: 'shadow.name.$package.reported.fw.version:2.4*',
        missing: ['shadow.name.$package.reported.fw.version needs named shadow indexing'],
      },
    ]);
    expect(preview.warnings).toEqual(['stage q1: no thing matches its query now']);
    expect(preview.indexIssues).toEqual([
      'stage q2: shadow.name.$package.reported.fw.version needs named shadow indexing',
    ]);
  });
});
