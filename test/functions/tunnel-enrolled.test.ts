import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTunnelCommand, OpenTunnelCommand } from '@aws-sdk/client-iotsecuretunneling';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../helpers/lambda';
import { alarmEvent, BASE, DAY, ENROLLER, MINUTE, startTunnelHarness } from './tunnel-harness';

// Issue 13's tunnel findings, as they were reproduced on the local stack, against the real handler
// on dynalite (CloudWatch and secure tunneling kept by tunnel-aws-fakes.ts): anyone who can write
// an alarm opened a tunnel; queued ALARM events opened tunnels after their alarm had recovered; a
// close was stamped before its open; the handler never checked the event's account.
let h: Awaited<ReturnType<typeof startTunnelHarness>>;
type Outcome = { result: string; code?: string; reason?: string; tunnelId?: string };
let handler: (event: unknown, context: unknown) => Promise<Outcome>;
const invoke = (event: unknown) => handler(event, lambdaContext('alarm-tunnel'));
const opens = () => h.tunneling.commandCalls(OpenTunnelCommand);
let day = 0;
const today = () => BASE + day * DAY;
type Event = ReturnType<typeof alarmEvent>;

beforeAll(async () => {
  h = await startTunnelHarness();
  ({ handler } = (await import('../../functions/alarm-tunnel')) as unknown as { handler: typeof handler });
});
afterAll(() => h.db.close());
beforeEach(() => {
  day += 1;
  h.reset();
});

const thing = (name: string) => `sensor-${name}${day}`;
/** A per-device alarm's state change, `at` minutes into today. */
const change = (name: string, state: 'ALARM' | 'OK', minutes: number, o: Partial<{ thing: string }> = {}) =>
  alarmEvent('single-metric', {
    at: today() + minutes * MINUTE,
    id: `${name}-${state}-${minutes}-${day}`,
    alarmName: `fleet-tunnel-${name}-${day}`,
    thing: o.thing ?? thing(name),
    state,
  });
/** CloudWatch shows the event's state, and the event reaches the handler at `arrives` (AWS's clock). */
const deliver = (event: Event, arrives = Date.parse(String(event.time))) => {
  h.aws.observe(event);
  h.aws.awsNow = arrives;
  return invoke(event);
};
const actions = async (name: string) => (await h.auditFor(`THING#${name}`)).map((a) => a.action);

describe('only alarms an operator enrolled open tunnels', () => {
  it('an un-enrolled fleet-tunnel-<anything> alarm set to ALARM opens nothing, refused and audited', async () => {
    const outcome = await deliver(change('anything', 'ALARM', 0));
    expect(outcome).toMatchObject({ result: 'refused', code: 'not-enrolled' });
    expect(opens()).toHaveLength(0);
    const [audit] = await h.auditFor(`THING#${thing('anything')}`);
    expect(audit).toMatchObject({ action: 'tunnel.open.refused', details: { code: 'not-enrolled' } });
  });

  it('an enrolled alarm redefined with another ThingName dimension opens nothing, and pages on-call', async () => {
    await h.enrol(change('hijack', 'OK', -10));
    // put-metric-alarm with the same name, pointed at another device, then set-alarm-state ALARM.
    const hijacked = change('hijack', 'ALARM', 0, { thing: thing('victim') });
    const outcome = await deliver(hijacked);
    expect(outcome).toMatchObject({ result: 'refused', code: 'enrolment-mismatch' });
    expect(outcome.reason).toContain(`names thing ${thing('victim')}`);
    expect(opens()).toHaveLength(0);
    const refused = (await h.auditFor(`THING#${thing('hijack')}`)).find(
      (a) => a.action === 'tunnel.open.refused',
    );
    expect(refused?.details).toMatchObject({ code: 'enrolment-mismatch', enrolledBy: ENROLLER });
    expect(h.sns.commandCalls(PublishCommand).at(-1)?.args[0].input.Subject).toMatch(/refused/);
  });

  it('an enrolled alarm redefined on another metric (same thing) opens nothing until enrolled again', async () => {
    await h.enrol(change('metric', 'OK', -10));
    const redefined = change('metric', 'ALARM', 0);
    const stat = (
      redefined.detail.configuration as { metrics: { metricStat: { metric: { name: string } } }[] }
    ).metrics[0]?.metricStat;
    if (stat) stat.metric.name = 'SomethingTheWriterControls';
    expect(await deliver(redefined)).toMatchObject({ result: 'refused', code: 'enrolment-mismatch' });
    expect(opens()).toHaveLength(0);
  });

  it('opens only the services the enrolment names', async () => {
    await h.enrol(change('svc', 'OK', -10), { services: ['SSH'] });
    expect(await deliver(change('svc', 'ALARM', 0))).toMatchObject({ result: 'opened' });
    expect(opens()[0]?.args[0].input.destinationConfig).toEqual({
      thingName: thing('svc'),
      services: ['SSH'],
    });
  });
});

describe("order comes from the alarm's state timestamps, not from arrival", () => {
  it('an ALARM delivered after its alarm recovered opens nothing and is audited as skipped', async () => {
    await h.enrol(change('stale', 'OK', -10));
    const alarm = change('stale', 'ALARM', 0);
    h.aws.observe(alarm);
    h.aws.setState(String(alarm.detail.alarmName), 'OK', today() + 5 * MINUTE);
    // The ALARM event waited in Lambda's queue behind a storm and arrives an hour late.
    h.aws.awsNow = today() + 60 * MINUTE;
    const outcome = await invoke(alarm);
    expect(outcome).toMatchObject({ result: 'open-skipped', code: 'stale' });
    expect(opens()).toHaveLength(0);
    const skipped = (await h.auditFor(`THING#${thing('stale')}`)).find(
      (a) => a.action === 'tunnel.open.skipped',
    );
    expect(skipped).toMatchObject({ outcome: 'skipped', at: today(), recordedAt: expect.any(Number) });
  });

  it('an OK that arrives before its ALARM: the ALARM, arriving second, opens nothing', async () => {
    await h.enrol(change('reorder', 'OK', -10));
    const alarm = change('reorder', 'ALARM', 0);
    const ok = change('reorder', 'OK', 2);
    h.aws.observe(alarm);
    expect(await deliver(ok)).toMatchObject({ result: 'close-skipped' });
    expect(await invoke(alarm)).toMatchObject({ result: 'open-skipped', code: 'stale' });
    expect(opens()).toHaveLength(0);
  });

  it('an ALARM from an earlier episode opens nothing; the current episode opens one tunnel', async () => {
    await h.enrol(change('episode', 'OK', -10));
    const first = change('episode', 'ALARM', 0);
    h.aws.observe(first);
    h.aws.observe(change('episode', 'OK', 3));
    const second = change('episode', 'ALARM', 6);
    h.aws.observe(second);
    h.aws.awsNow = today() + 7 * MINUTE;
    expect(await invoke(first)).toMatchObject({ result: 'open-skipped', code: 'superseded' });
    expect(await invoke(second)).toMatchObject({ result: 'opened' });
    expect(opens()).toHaveLength(1);
  });

  it('waits while DescribeAlarms does not show the ALARM yet: throws so Lambda retries, does nothing', async () => {
    await h.enrol(change('lag', 'OK', -10));
    const alarm = change('lag', 'ALARM', 0);
    await expect(invoke(alarm)).rejects.toMatchObject({ name: 'AlarmStateNotVisibleError' });
    expect(opens()).toHaveLength(0);
    expect(await deliver(alarm)).toMatchObject({ result: 'opened' });
  });

  it('a tunnel opened for a queued event counts from its opening, and its close is never stamped before it', async () => {
    await h.enrol(change('late', 'OK', -10));
    const alarm = change('late', 'ALARM', 0);
    // Still in ALARM when the event is finally handled, 48 minutes after it was emitted.
    const opened = await deliver(alarm, today() + 48 * MINUTE);
    expect(opened).toMatchObject({ result: 'opened' });
    const { Item } = await h.docs.send(
      new GetCommand({ TableName: 'StateTable', Key: { pk: `TUNNEL#thing/${thing('late')}`, sk: 'TUNNEL' } }),
    );
    expect(Item).toMatchObject({ openedAt: today() + 48 * MINUTE, lifetimeEndsAt: today() + 108 * MINUTE });
    // The alarm recovered between DescribeAlarms and OpenTunnel: its OK is older than the tunnel.
    expect(await deliver(change('late', 'OK', 47), today() + 49 * MINUTE)).toMatchObject({
      result: 'closed',
    });
    const records = await h.auditFor(`THING#${thing('late')}`);
    const open = records.find((a) => a.action === 'tunnel.opened');
    const close = records.find((a) => a.action === 'tunnel.closed');
    expect(open).toMatchObject({
      at: today(),
      details: { openedAt: new Date(today() + 48 * MINUTE).toISOString() },
    });
    expect(close?.at).toBe(today() + 48 * MINUTE);
    expect(close?.details.causeAt).toBe(new Date(today() + 47 * MINUTE).toISOString());
    expect(close?.recordedAt).toBeGreaterThanOrEqual(open?.recordedAt);
  });

  it('an interrupted open whose alarm recovered before the retry closes the tunnel it had opened', async () => {
    await h.enrol(change('crash', 'OK', -10));
    const alarm = change('crash', 'ALARM', 0);
    h.tunneling.on(DescribeTunnelCommand).rejectsOnce(Object.assign(new Error('crash'), { name: 'Crash' }));
    await expect(deliver(alarm)).rejects.toThrow('crash');
    h.tunneling.on(DescribeTunnelCommand).callsFake((input) => h.aws.describeTunnel(input));
    h.aws.setState(String(alarm.detail.alarmName), 'OK', today() + 2 * MINUTE);
    expect(await invoke(alarm)).toMatchObject({ result: 'closed' });
    expect([...h.aws.tunnels.values()].map((t) => t.status)).toEqual(['CLOSED']);
    expect((await actions(thing('crash'))).sort()).toEqual([
      'tunnel.closed',
      'tunnel.enrolment.created',
      'tunnel.opened',
    ]);
  });
});

describe('events from outside the deployment', () => {
  const foreign = (o: { account?: string; region?: string; arnAccount?: string }) => {
    const event = change('foreign', 'ALARM', 0);
    event.account = o.account ?? '123456789012';
    event.region = o.region ?? 'us-east-1';
    event.resources = [
      `arn:aws:cloudwatch:${o.region ?? 'us-east-1'}:${o.arnAccount ?? o.account ?? '123456789012'}:alarm:${event.detail.alarmName}`,
    ];
    return event;
  };

  it('refuses an alarm of another account or region, before any AWS call, with an audit record', async () => {
    await h.enrol(change('foreign', 'OK', -10));
    h.cloudWatch.resetHistory();
    for (const o of [{ account: '999999999999' }, { region: 'eu-west-1' }, { arnAccount: '999999999999' }]) {
      const outcome = await invoke(foreign(o));
      expect(outcome, JSON.stringify(o)).toMatchObject({ result: 'refused', code: 'foreign-account' });
    }
    expect(h.cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
    expect(opens()).toHaveLength(0);
    const refused = (await h.auditFor('INPUT#cloudwatch-alarm')).filter(
      (a) => a.details.code === 'foreign-account' && String(a.cause.id).startsWith('foreign-'),
    );
    expect(refused.length).toBeGreaterThanOrEqual(1);
  });
});
