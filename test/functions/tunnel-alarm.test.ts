import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CloseTunnelCommand,
  OpenTunnelCommand,
  RotateTunnelAccessTokenCommand,
} from '@aws-sdk/client-iotsecuretunneling';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../helpers/lambda';
import {
  alarmEvent,
  BASE,
  DAY,
  ENROLLER,
  type Fixture,
  MINUTE,
  startTunnelHarness,
  TOKEN_MARK,
} from './tunnel-harness';

// The real handler on dynalite; IoT, secure tunneling, CloudWatch, EventBridge and SNS are mocked
// (tunnel-aws-fakes.ts). Alarms are enrolled through the real tunnel-api handler before they fire.
// config/tunnel-policy.yml applies: SSH, 60 min, cooldown 30 min, 10 tunnels, deny no-remote-access.
let h: Awaited<ReturnType<typeof startTunnelHarness>>;
type Outcome = { result: string; code?: string; reason?: string; tunnelId?: string };
let handler: (event: unknown, context: unknown) => Promise<Outcome>;
const invoke = (event: unknown) => handler(event, lambdaContext('alarm-tunnel'));
const opens = () => h.tunneling.commandCalls(OpenTunnelCommand);
let day = 0;
/** Each test runs on its own virtual day. */
const today = () => BASE + day * DAY;
let things: Record<string, string[]> = {};

beforeAll(async () => {
  h = await startTunnelHarness();
  ({ handler } = (await import('../../functions/alarm-tunnel')) as unknown as { handler: typeof handler });
});
afterAll(() => h.db.close());
beforeEach(() => {
  day += 1;
  things = {};
  h.reset(things);
});

type Event = ReturnType<typeof alarmEvent>;
/** One alarm per device, as deployments define them; the tagged fixture is marked by its tag only. */
const alarmNameFor = (fixture: Fixture, thing = 'default') =>
  fixture === 'tagged' ? `DeviceHeartbeatMissing-${thing}` : `fleet-tunnel-${fixture}-${thing}`;

/**
 * CloudWatch emits the event (DescribeAlarms now shows its state) and the handler gets it; an
 * operator enrolled the alarm for the thing it names before it first fired.
 */
async function deliver(event: Event) {
  const name = String(event.detail.alarmName);
  if (!enrolled.has(name)) {
    enrolled.add(name);
    await h.enrol(event);
  }
  h.aws.observe(event);
  h.aws.awsNow = Date.parse(String(event.time));
  return invoke(event);
}
const enrolled = new Set<string>();

/** The fixture's event for a thing, on today's virtual day, from its own per-device alarm. */
const ev = (fixture: Fixture, o: Parameters<typeof alarmEvent>[1] = {}) =>
  alarmEvent(fixture, {
    at: today(),
    id: `evt-${day}-${fixture}`,
    alarmName: alarmNameFor(fixture, o.thing),
    ...o,
  });
const fire = (fixture: Fixture, o: Parameters<typeof alarmEvent>[1] = {}) => deliver(ev(fixture, o));

describe('alarm-tunnel: opening', () => {
  it('opens one tunnel for an enrolled single-metric alarm, audited with its enroller, published and paged', async () => {
    const outcome = await fire('single-metric', { thing: `sensor-s${day}` });
    expect(outcome).toMatchObject({ result: 'opened', tunnelId: expect.any(String) });
    const input = opens()[0]?.args[0].input;
    expect(input).toMatchObject({
      destinationConfig: { thingName: `sensor-s${day}`, services: ['SSH'] },
      timeoutConfig: { maxLifetimeTimeoutMinutes: 60 },
    });
    const tags = Object.fromEntries(
      ((input?.tags ?? []) as { key: string; value: string }[]).map((t) => [t.key, t.value]),
    );
    expect(tags).toMatchObject({
      managedBy: 'fleet-autopilot',
      'fleet-autopilot:alarm-name': `fleet-tunnel-single-metric-sensor-s${day}`,
    });
    const audit = (await h.auditFor(`THING#sensor-s${day}`)).find((a) => a.action === 'tunnel.opened');
    expect(audit).toMatchObject({ actor: 'function:alarm-tunnel', recordedAt: expect.any(Number) });
    expect(audit?.details).toMatchObject({
      tunnelId: outcome.tunnelId,
      lifetimeMinutes: 60,
      alarmKind: 'metric',
      enrolledBy: ENROLLER,
      openedAt: new Date(today()).toISOString(),
    });
    expect(tags['fleet-autopilot:audit-id']).toBe(audit?.id);
    const entry = h.events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ DetailType: 'TunnelOpened', EventBusName: 'fleet-autopilot-test' });
    const page = h.sns.commandCalls(PublishCommand)[0]?.args[0].input.Message;
    expect(page).toContain(`npx fleet tunnel token ${outcome.tunnelId}`);
    expect(await h.everythingWritten()).not.toContain(TOKEN_MARK);
  });

  it('opens for an alarm marked by its propagated tag, to the thing its ThingName tag names', async () => {
    expect(await fire('tagged', { thing: `sensor-t${day}` })).toMatchObject({ result: 'opened' });
    expect(opens()[0]?.args[0].input.destinationConfig).toMatchObject({ thingName: `sensor-t${day}` });
  });

  it('opens for a metric-math alarm whose metrics all name one thing, refuses one naming two', async () => {
    expect(await fire('metric-math', { thing: `sensor-m${day}` })).toMatchObject({ result: 'opened' });
    const two = ev('metric-math', { id: `evt-${day}-two`, thing: `sensor-n${day}` });
    const metrics = (
      two.detail.configuration as { metrics: { metricStat?: { metric: { dimensions: object } } }[] }
    ).metrics;
    if (metrics[2]?.metricStat) metrics[2].metricStat.metric.dimensions = { ThingName: 'other-thing' };
    expect(await invoke(two)).toMatchObject({ result: 'refused', code: 'no-thing' });
    expect(opens()).toHaveLength(1);
  });

  it('opens for a composite alarm to its enrolled thing, with or without a ThingName tag', async () => {
    expect(await fire('composite', { thing: `sensor-c${day}` })).toMatchObject({ result: 'opened' });
    const untagged = ev('composite', {
      id: `evt-${day}-untagged`,
      alarmName: `fleet-tunnel-untagged-${day}`,
    });
    delete untagged.detail.alarmTags;
    await h.enrol(untagged, { thing: `sensor-u${day}` });
    enrolled.add(String(untagged.detail.alarmName));
    expect(await deliver(untagged)).toMatchObject({ result: 'opened' });
    expect(opens().map((c) => c.args[0].input.destinationConfig)).toEqual([
      { thingName: `sensor-c${day}`, services: ['SSH'] },
      { thingName: `sensor-u${day}`, services: ['SSH'] },
    ]);
  });

  it('opens once when the same event arrives twice, with one audit record', async () => {
    const event = ev('single-metric', { id: `dup-${day}`, thing: `sensor-d${day}` });
    await deliver(event);
    expect(await invoke(structuredClone(event))).toMatchObject({ result: 'duplicate' });
    expect(opens()).toHaveLength(1);
    const opened = (await h.auditFor(`THING#sensor-d${day}`)).filter((a) => a.action === 'tunnel.opened');
    expect(opened).toHaveLength(1);
  });

  it('opens one tunnel when two enrolled alarms fire at once for one thing; the other is refused', async () => {
    const thing = `sensor-r${day}`;
    const a = ev('single-metric', { id: `race-a-${day}`, thing });
    const b = ev('metric-math', { id: `race-b-${day}`, thing });
    for (const e of [a, b]) {
      await h.enrol(e);
      enrolled.add(String(e.detail.alarmName));
    }
    const results = await Promise.all([deliver(a), deliver(b)]);
    expect(results.map((r) => r.result).sort()).toEqual(['opened', 'refused']);
    expect(results.find((r) => r.result === 'refused')?.code).toBe('already-open');
    expect(opens()).toHaveLength(1);
  });

  it('refuses beyond the fleet cap and pages on-call', async () => {
    for (let i = 0; i < 10; i++) {
      expect(await fire('single-metric', { id: `cap-${day}-${i}`, thing: `sensor-cap${i}` })).toMatchObject({
        result: 'opened',
      });
    }
    const over = await fire('single-metric', { id: `cap-${day}-x`, thing: 'sensor-capx' });
    expect(over).toMatchObject({ result: 'refused', code: 'fleet-cap' });
    expect(opens()).toHaveLength(10);
    expect(h.sns.commandCalls(PublishCommand).at(-1)?.args[0].input.Subject).toMatch(/refused/);
    // The refused claim blocks nothing: once a slot is free (tunnels past their lifetime), it opens.
    const later = await fire('single-metric', {
      id: `cap-${day}-y`,
      thing: 'sensor-capx',
      at: today() + 61 * MINUTE,
    });
    expect(later).toMatchObject({ result: 'opened' });
  });

  it('keeps a thing in cooldown after its tunnel closed, then opens again', async () => {
    const thing = `sensor-cool${day}`;
    await fire('single-metric', { thing, id: `cool-1-${day}` });
    await fire('single-metric', { thing, id: `cool-ok-${day}`, state: 'OK', at: today() + 5 * MINUTE });
    const early = await fire('single-metric', { thing, id: `cool-2-${day}`, at: today() + 10 * MINUTE });
    expect(early).toMatchObject({ result: 'refused', code: 'cooldown' });
    const late = await fire('single-metric', { thing, id: `cool-3-${day}`, at: today() + 31 * MINUTE });
    expect(late).toMatchObject({ result: 'opened' });
    expect(opens()).toHaveLength(2);
  });

  it('refuses at ALARM time a thing that joined a denied group or was deleted after its enrolment', async () => {
    things['locked-1'] = [];
    await h.enrol(ev('single-metric', { thing: 'locked-1' }));
    enrolled.add(alarmNameFor('single-metric', 'locked-1'));
    things['locked-1'] = ['no-remote-access'];
    const denied = await fire('single-metric', { thing: 'locked-1' });
    expect(denied).toMatchObject({ result: 'refused', code: 'group-denied' });
    things['ghost-1'] = [];
    await h.enrol(ev('single-metric', { thing: 'ghost-1' }));
    enrolled.add(alarmNameFor('single-metric', 'ghost-1'));
    delete things['ghost-1'];
    const missing = await fire('single-metric', { thing: 'ghost-1', id: `ghost-${day}` });
    expect(missing).toMatchObject({ result: 'refused', code: 'thing-not-found' });
    const audit = (await h.auditFor('THING#ghost-1')).find((a) => a.action === 'tunnel.open.refused');
    expect(audit).toMatchObject({ outcome: 'rejected' });
    expect(audit?.details.reason).toBe('thing ghost-1 does not exist');
    expect(opens()).toHaveLength(0);
  });

  it('queues under throttling: the claim is kept and the retried event opens the tunnel', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    h.tunneling.on(OpenTunnelCommand).rejectsOnce(throttled);
    const event = ev('single-metric', { id: `thr-${day}`, thing: `sensor-thr${day}` });
    await expect(deliver(event)).rejects.toThrow('Rate exceeded');
    h.tunneling.on(OpenTunnelCommand).callsFake((input) => h.aws.openTunnel(input, TOKEN_MARK));
    expect(await invoke(event)).toMatchObject({ result: 'opened' });
    expect(opens()).toHaveLength(2);
    expect([...h.aws.tunnels.values()]).toHaveLength(1);
  });

  it('finishes an interrupted open on redelivery without opening a second tunnel', async () => {
    h.events.on(PutEventsCommand).rejects(new Error('bus down'));
    const event = ev('single-metric', { id: `int-${day}`, thing: `sensor-int${day}` });
    await expect(deliver(event)).rejects.toThrow('bus down');
    h.events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    expect(await invoke(event)).toMatchObject({ result: 'duplicate' });
    expect(opens()).toHaveLength(1);
    expect(h.events.commandCalls(PutEventsCommand).length).toBeGreaterThanOrEqual(2);
    const opened = (await h.auditFor(`THING#sensor-int${day}`)).filter((a) => a.action === 'tunnel.opened');
    expect(opened).toHaveLength(1);
  });
});

describe('alarm-tunnel: closing and bad input', () => {
  it('closes on OK only the tunnel that alarm opened', async () => {
    const thing = `sensor-ok${day}`;
    const opened = await fire('single-metric', { thing, id: `ok-open-${day}` });
    const other = await deliver(
      ev('single-metric', {
        thing,
        id: `ok-other-${day}`,
        state: 'OK',
        alarmName: `fleet-tunnel-other-${day}`,
      }),
    );
    expect(other).toMatchObject({ result: 'close-skipped' });
    expect(h.tunneling.commandCalls(CloseTunnelCommand)).toHaveLength(0);
    const ok = ev('single-metric', { thing, id: `ok-close-${day}`, state: 'OK', at: today() + MINUTE });
    expect(await deliver(ok)).toMatchObject({ result: 'closed', tunnelId: opened.tunnelId });
    expect(await invoke(ok)).toMatchObject({ result: 'duplicate' });
    expect(h.tunneling.commandCalls(CloseTunnelCommand).map((c) => c.args[0].input)).toEqual([
      { tunnelId: opened.tunnelId },
    ]);
    const actions = (await h.auditFor(`THING#${thing}`)).map((a) => a.action).sort();
    expect(actions).toEqual([
      'tunnel.close.skipped',
      'tunnel.closed',
      'tunnel.enrolment.created',
      'tunnel.enrolment.created',
      'tunnel.opened',
    ]);
    const { Item } = await h.docs.send(
      new GetCommand({ TableName: 'StateTable', Key: { pk: `TUNNEL#thing/${thing}`, sk: 'TUNNEL' } }),
    );
    expect(Item).toMatchObject({ status: 'CLOSED', closedBy: 'function:alarm-tunnel' });
  });

  it('audits an OK without a prior ALARM as tunnel.close.skipped and touches nothing else', async () => {
    const thing = `sensor-noalarm${day}`;
    const outcome = await fire('single-metric', { thing, state: 'OK' });
    expect(outcome).toMatchObject({
      result: 'close-skipped',
      reason: expect.stringMatching(/OK without a prior ALARM/),
    });
    const audit = (await h.auditFor(`THING#${thing}`)).find((a) => a.action === 'tunnel.close.skipped');
    expect(audit).toMatchObject({ outcome: 'skipped' });
    expect(h.tunneling.calls()).toHaveLength(0);
    expect(h.events.calls()).toHaveLength(0);
  });

  it('audits malformed and unmarked events without opening anything or throwing', async () => {
    const malformed = alarmEvent('single-metric', { id: `bad-${day}` });
    delete (malformed.detail as Record<string, unknown>).alarmName;
    expect(await invoke(malformed)).toMatchObject({ result: 'rejected' });
    expect(await invoke('not an event')).toMatchObject({ result: 'rejected' });
    const unmarked = await invoke(
      ev('single-metric', { alarmName: 'SomeoneElsesAlarm', id: `unmarked-${day}` }),
    );
    expect(unmarked).toMatchObject({ result: 'refused', code: 'not-marked' });
    const audits = await h.auditFor('INPUT#cloudwatch-alarm');
    expect(audits.find((a) => a.cause.id === `bad-${day}`)?.details.reason).toMatch(/detail\.alarmName/);
    expect(opens()).toHaveLength(0);
    expect(h.tunneling.commandCalls(RotateTunnelAccessTokenCommand)).toHaveLength(0);
  });
});
