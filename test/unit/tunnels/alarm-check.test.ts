import { describe, expect, it } from 'vitest';
import { foreignOrigin, verifyAlarmForOpen } from '../../../shared/domain/tunnels/alarm-check';
import { type AlarmFacts, alarmPin, thingsNamedBy } from '../../../shared/domain/tunnels/alarm-definition';
import type { Enrolment } from '../../../shared/domain/tunnels/enrolment';

const T = Date.parse('2026-02-01T12:00:00Z');
const ARN = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:fleet-tunnel-pump-1';
const HOME = { account: '123456789012', region: 'us-east-1' };

const facts = (o: Partial<AlarmFacts> = {}): AlarmFacts => ({
  name: 'fleet-tunnel-pump-1',
  arn: ARN,
  definition: {
    type: 'metric',
    metrics: [
      { id: 'm1', namespace: 'Fleet', metricName: 'Temp', dimensions: { ThingName: 'pump-1', Site: 's7' } },
    ],
  },
  state: 'ALARM',
  stateTransitionedAt: T,
  stateUpdatedAt: T + 30_000,
  configUpdatedAt: 0,
  ...o,
});
const enrolment: Enrolment = {
  alarmName: 'fleet-tunnel-pump-1',
  alarmArn: ARN,
  alarmType: 'metric',
  pin: alarmPin(facts().definition),
  thingName: 'pump-1',
  services: ['SSH'],
  status: 'ACTIVE',
  enrolledBy: 'arn:aws:iam::123456789012:user/admin',
  enrolledAt: T - 86_400_000,
  enrolRequestId: 'r1',
};
const verify = (
  current: AlarmFacts | undefined,
  event: Partial<{ stateAt: number; thingNamed: string }> = {},
) =>
  verifyAlarmForOpen({
    enrolment,
    event: { alarmArn: ARN, at: T + 1000, stateAt: event.stateAt ?? T, thingNamed: event.thingNamed },
    current,
  });

describe('alarm pin', () => {
  it('ignores dimension order and threshold-like settings, not the metric, dimensions or rule', () => {
    const base = facts().definition;
    const reordered = {
      type: 'metric' as const,
      metrics: [
        { id: 'm1', namespace: 'Fleet', metricName: 'Temp', dimensions: { Site: 's7', ThingName: 'pump-1' } },
      ],
    };
    expect(alarmPin(reordered)).toBe(alarmPin(base));
    const other = (patch: object) =>
      alarmPin({
        type: 'metric',
        metrics: [{ ...(base.type === 'metric' ? base.metrics[0] : {}), ...patch }] as never,
      });
    expect(other({ metricName: 'Humidity' })).not.toBe(alarmPin(base));
    expect(other({ dimensions: { ThingName: 'pump-2', Site: 's7' } })).not.toBe(alarmPin(base));
    expect(other({ expression: 'm1 * 2' })).not.toBe(alarmPin(base));
    expect(alarmPin({ type: 'composite', alarmRule: 'ALARM(a)' })).not.toBe(
      alarmPin({ type: 'composite', alarmRule: 'ALARM(b)' }),
    );
    expect(thingsNamedBy(base)).toEqual(['pump-1']);
    expect(thingsNamedBy({ type: 'composite', alarmRule: 'ALARM(a)' })).toEqual([]);
  });
});

describe('verifyAlarmForOpen', () => {
  it('opens when the enrolled alarm still is in the ALARM the event reports, deciding as of the latest time known', () => {
    expect(verify(facts())).toEqual({ ok: true, now: T + 30_000 });
    expect(verify(facts(), { thingNamed: 'pump-1' })).toMatchObject({ ok: true });
  });

  it('refuses an alarm that disagrees with its enrolment', () => {
    const cases: [AlarmFacts | undefined, Partial<{ thingNamed: string }>][] = [
      [facts(), { thingNamed: 'pump-2' }],
      [facts({ arn: `${ARN}-x` }), {}],
      [
        facts({
          definition: { type: 'metric', metrics: [{ id: 'm1', metricName: 'Temp', dimensions: {} }] },
        }),
        {},
      ],
      [facts({ definition: { type: 'composite', alarmRule: 'ALARM(x)' } }), {}],
    ];
    for (const [current, event] of cases) {
      expect(verify(current, event)).toMatchObject({
        ok: false,
        outcome: 'refused',
        code: 'enrolment-mismatch',
      });
    }
  });

  it('skips an ALARM that is over (recovered, deleted) or was followed by a newer ALARM', () => {
    expect(verify(facts({ state: 'OK', stateTransitionedAt: T + 60_000 }))).toMatchObject({
      outcome: 'skipped',
      code: 'stale',
    });
    expect(verify(facts({ state: 'INSUFFICIENT_DATA', stateTransitionedAt: T + 60_000 }))).toMatchObject({
      code: 'stale',
    });
    expect(verify(undefined)).toMatchObject({ outcome: 'skipped', code: 'stale' });
    expect(verify(facts({ stateTransitionedAt: T + 120_000 }))).toMatchObject({ code: 'superseded' });
  });

  it('asks for a retry when DescribeAlarms does not show the change yet, and tolerates rounding', () => {
    expect(verify(facts({ state: 'OK', stateTransitionedAt: T - 60_000 }))).toMatchObject({
      outcome: 'retry',
    });
    expect(verify(facts({ stateTransitionedAt: T - 400 }))).toMatchObject({ ok: true });
    expect(verify(facts({ stateTransitionedAt: T + 400 }))).toMatchObject({ ok: true });
  });
});

describe('foreignOrigin', () => {
  const event = {
    account: HOME.account,
    region: HOME.region,
    alarmArn: ARN,
    alarmName: 'fleet-tunnel-pump-1',
  };
  it("accepts the deployment's own account and region only, in the envelope and in the alarm ARN", () => {
    expect(foreignOrigin(event, HOME)).toBeUndefined();
    expect(foreignOrigin({ ...event, account: '111111111111' }, HOME)).toMatch(/account 111111111111/);
    expect(foreignOrigin({ ...event, region: 'us-west-2' }, HOME)).toMatch(/us-west-2/);
    expect(
      foreignOrigin({ ...event, alarmArn: ARN.replace('123456789012', '111111111111') }, HOME),
    ).toBeDefined();
    expect(foreignOrigin({ ...event, alarmArn: `${ARN}-other` }, HOME)).toBeDefined();
    expect(foreignOrigin({ ...event, alarmArn: 'not-an-arn' }, HOME)).toBeDefined();
  });
});
