import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WallToVirtual } from '../../local/chaos/audit-times';
import { misgroupedThings } from '../../local/chaos/groups';
import { verifyAuditTimes } from '../../shared/domain/audit-query/verify';
import { compileRulesText } from '../../shared/domain/grouping/rules-text';

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 8);
const opened = (at: number, recordedAt?: number) => ({
  pk: 'THING#t1',
  action: 'tunnel.opened',
  details: { tunnelId: 'tun-1' },
  at,
  ...(recordedAt === undefined ? {} : { recordedAt }),
});
const closed = (at: number, recordedAt?: number) => ({ ...opened(at, recordedAt), action: 'tunnel.closed' });

describe('audit times against effects', () => {
  const effects = [
    { kind: 'tunnel.open' as const, key: 'tun-1', at: T0 + 70 * 60_000 },
    { kind: 'tunnel.close' as const, key: 'tun-1', at: T0 + 100 * 60_000 },
  ];
  const written = { skewMs: 1000, writtenAt: (r: { recordedAt?: number }) => r.recordedAt };

  it('accepts records whose cause precedes the effect and whose write follows it', () => {
    const records = [opened(T0 + 69 * 60_000, T0 + 71 * 60_000), closed(T0 + 99 * 60_000, T0 + 101 * 60_000)];
    expect(verifyAuditTimes(effects, records, written)).toEqual({
      checked: 2,
      writesChecked: 2,
      problems: [],
    });
  });

  it('finds a tunnel.closed stamped before the tunnel opened (the red team: closed 08:23, opened 09:11)', () => {
    const records = [opened(T0 + 70 * 60_000), closed(T0 + 23 * 60_000)];
    const { problems } = verifyAuditTimes(effects, records, { skewMs: 1000 });
    expect(problems.map((p) => p.kind)).toEqual(['undone-before-done']);
    expect(problems[0]?.detail).toMatch(
      /tunnel.close recorded with cause 2026-01-05T08:23:00.000Z, before its tunnel.open/,
    );
  });

  it('finds a cause after the effect, and a record written before its effect', () => {
    const late = verifyAuditTimes(effects, [opened(T0 + 80 * 60_000)], { skewMs: 1000 });
    expect(late.problems.map((p) => p.kind)).toEqual(['cause-after-effect']);
    const early = verifyAuditTimes(effects, [opened(T0 + 60 * 60_000, T0 + 65 * 60_000)], written);
    expect(early.problems.map((p) => p.kind)).toEqual(['written-before-effect']);
    expect(
      verifyAuditTimes(effects, [opened(T0 + 80 * 60_000, T0 + 81 * 60_000)], written).problems,
    ).toHaveLength(1);
  });

  it('checks only the cause time when a write time is not comparable, within the skew', () => {
    const r = verifyAuditTimes(effects, [opened(T0 + 70 * 60_000 + 900, T0 - 10 * H)], {
      skewMs: 1000,
      writtenAt: () => undefined,
    });
    expect(r).toEqual({ checked: 1, writesChecked: 0, problems: [] });
  });
});

describe('things in the groups their attributes call for', () => {
  const rules = compileRulesText(readFileSync('config/grouping-rules.yml', 'utf8'));
  const managed: Record<string, string> = { managedBy: 'fleet-autopilot' };
  const groups = new Map(
    ['site-eu-west-1-plant-1', 'model-th200', 'model-x999', 'ring-early', 'ring-canary'].map((g) => [
      g,
      { thingGroupName: g, attributes: managed },
    ]),
  );
  const attributes = { region: 'eu-west-1', site: 'plant-1', model: 'th200' };
  const expected = misgroupedThings(
    rules,
    [{ thingName: 'x', thingTypeName: 'sensor', attributes, groups: [] }],
    groups,
  ).misgrouped[0]?.expected;

  it('computes the expected groups with the production rules and compares managed memberships', () => {
    expect(expected).toContain('model-th200');
    expect(expected).toContain('site-eu-west-1-plant-1');
    const right = { thingName: 'x', thingTypeName: 'sensor', attributes, groups: [...(expected ?? [])] };
    const forged = { ...right, groups: ['model-x999', 'site-eu-west-1-plant-1'] };
    const r = misgroupedThings(rules, [right, forged], groups);
    expect(r.checked).toBe(2);
    expect(r.misgrouped).toHaveLength(1);
    expect(r.misgrouped[0]?.actual).toEqual(['model-x999', 'site-eu-west-1-plant-1']);
  });

  it('ignores groups the automation does not manage, and targets an operator owns', () => {
    const foreign = new Map(groups);
    foreign.set('model-th200', { thingGroupName: 'model-th200', attributes: {} });
    foreign.set('lab', { thingGroupName: 'lab', attributes: {} });
    const thing = {
      thingName: 'x',
      thingTypeName: 'sensor',
      attributes,
      groups: [...(expected ?? []).filter((g) => g !== 'model-th200'), 'lab'],
    };
    expect(misgroupedThings(rules, [thing], foreign).misgrouped).toEqual([]);
  });
});

describe('host clock to virtual time', () => {
  it('maps a real write time onto the virtual clock between jumps, passes a virtual one through', () => {
    let virtual = T0;
    const clock = { speed: 100, now: () => virtual, jumpTo: (t: number) => (virtual = Math.max(virtual, t)) };
    const wall = new WallToVirtual(clock);
    const real = Date.now();
    expect(wall.toVirtual(T0 + 5000)).toEqual({ at: T0 + 5000, mapped: false });
    clock.jumpTo(T0 + H);
    const mapped = wall.toVirtual(Date.now());
    expect(mapped?.mapped).toBe(true);
    expect(Math.abs((mapped?.at ?? 0) - (T0 + H))).toBeLessThanOrEqual(wall.toleranceMs);
    expect(wall.toVirtual(real - 60_000)).toBeUndefined();
    expect(wall.toVirtual(undefined)).toBeUndefined();
  });
});
