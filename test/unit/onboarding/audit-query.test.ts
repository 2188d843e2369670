import { describe, expect, it } from 'vitest';
import { planAuditQueries } from '../../../shared/domain/audit-query/query-plan';
import {
  effectsOfIotCalls,
  effectsOfTunnels,
  verifyAuditTrail,
} from '../../../shared/domain/audit-query/verify';
import { compileRulesText } from '../../../shared/domain/grouping/rules-text';
import { previewThings } from '../../../shared/domain/onboarding/preview';

describe('planAuditQueries', () => {
  it('queries the table for a subject and byActor for an actor, with [from, to) bounds', () => {
    expect(planAuditQueries({ thing: 'p1' })).toEqual([
      {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': 'THING#p1' },
      },
    ]);
    const [q] = planAuditQueries({
      actor: 'function:x',
      from: '2026-01-05',
      to: '2026-01-06T12:00:00Z',
      action: 'a.b',
    });
    expect(q).toMatchObject({
      IndexName: 'byActor',
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      FilterExpression: '#action = :action',
    });
  });

  it('spans UTC days on byDay for a bare range and refuses ambiguous filters', () => {
    const queries = planAuditQueries({ from: '2026-01-05T23:00:00Z', to: '2026-01-07T00:00:00Z' });
    expect(queries.map((q) => [q.IndexName, q.ExpressionAttributeValues[':pk']])).toEqual([
      ['byDay', 'DAY#2026-01-05'],
      ['byDay', 'DAY#2026-01-06'],
    ]);
    expect(() => planAuditQueries({ thing: 'a', rollout: 'b' })).toThrow(/one of/);
    expect(() => planAuditQueries({ from: '2026-01-05' })).toThrow(/both --from and --to/);
    expect(() => planAuditQueries({ thing: 'a', from: 'yesterday' })).toThrow(/not an ISO/);
  });
});

describe('verifyAuditTrail', () => {
  const calls = [
    { operation: 'AddThingToThingGroup', input: { thingName: 'p1', thingGroupName: 'g1' } },
    { operation: 'CreateJob', input: { jobId: 'r-s0' } },
    { operation: 'CreateThing', input: { thingName: 'p1' } },
  ];
  const records = [
    {
      pk: 'THING#p1',
      action: 'thing.groups.assigned',
      outcome: 'applied',
      details: { added: ['g1'], removed: [] },
    },
    { pk: 'ROLLOUT#r', action: 'rollout.stage.started', details: { jobId: 'r-s0' } },
  ];

  it('passes when calls and records match one to one', () => {
    expect(verifyAuditTrail(effectsOfIotCalls(calls), records)).toMatchObject({
      ok: true,
      unaudited: [],
      unperformed: [],
    });
  });

  it("counts a rollback's job and its group memberships as audited", () => {
    const rollback = [
      { operation: 'CreateJob', input: { jobId: 'r-rb0' } },
      {
        operation: 'AddThingToThingGroup',
        input: { thingName: 'p1', thingGroupName: 'fleet-autopilot-rollback-r' },
      },
    ];
    const audited = [
      { pk: 'ROLLOUT#r', action: 'rollout.rollback.started', details: { jobId: 'r-rb0' } },
      {
        pk: 'THING#p1',
        action: 'thing.rollback.added',
        details: { groupName: 'fleet-autopilot-rollback-r' },
      },
    ];
    expect(verifyAuditTrail(effectsOfIotCalls(rollback), audited)).toMatchObject({ ok: true });
    expect(verifyAuditTrail(effectsOfIotCalls(rollback), audited.slice(0, 1)).unaudited).toEqual([
      { kind: 'group.add', key: 'p1/fleet-autopilot-rollback-r' },
    ]);
  });

  it('finds a call without a record and a record without a call', () => {
    const extra = [...calls, { operation: 'CancelJob', input: { jobId: 'r-s0' } }];
    const claimed = [...records, { pk: 'THING#p2', action: 'tunnel.opened', details: { tunnelId: 't1' } }];
    const result = verifyAuditTrail(effectsOfIotCalls(extra), claimed);
    expect(result.ok).toBe(false);
    expect(result.unaudited).toEqual([{ kind: 'job.cancel', key: 'r-s0' }]);
    expect(result.unperformed).toEqual([{ kind: 'tunnel.open', key: 't1' }]);
  });

  it('treats a managed tunnel closed before its lifetime as a close, an expired one not', () => {
    const base = {
      status: 'CLOSED',
      createdAt: 0,
      maxLifetimeTimeoutMinutes: 60,
      tags: [{ key: 'managedBy', value: 'fleet-autopilot' }],
    };
    expect(
      effectsOfTunnels([
        { ...base, tunnelId: 'a', lastUpdatedAt: 60_000 },
        { ...base, tunnelId: 'b', lastUpdatedAt: 3_600_000 },
      ]),
    ).toEqual([
      { kind: 'tunnel.open', key: 'a' },
      { kind: 'tunnel.close', key: 'a' },
      { kind: 'tunnel.open', key: 'b' },
    ]);
  });
});

describe('previewThings', () => {
  const rules = compileRulesText(
    'version: 1\nrules:\n  - { name: site, parents: [sites], group: "site-{site}" }\n',
  );
  it('joins, leaves, reports limit violations and the continuous jobs a join reaches', () => {
    const thing = { line: 2, thingName: 'p1', attributes: { site: 'b' } };
    const manual = Array.from({ length: 9 }, (_, i) => `manual-${i}`);
    const [p] = previewThings(
      rules,
      [thing],
      new Map([['p1', { exists: true, managed: ['site-a'], memberships: ['site-a', ...manual] }]]),
      [{ jobId: 'job-1', groups: ['sites'] }],
    );
    expect(p).toMatchObject({
      join: ['site-b'],
      leave: ['site-a'],
      jobs: [{ jobId: 'job-1', via: 'sites' }],
      violations: [],
    });
    const [q] = previewThings(
      rules,
      [thing],
      new Map([['p1', { exists: true, managed: [], memberships: [...manual, 'x'] }]]),
      [],
    );
    expect(q?.violations[0]).toMatch(/11 groups, over AWS's 10/);
  });
});
