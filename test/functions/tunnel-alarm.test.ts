import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeThingCommand } from '@aws-sdk/client-iot';
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
  type Fixture,
  MINUTE,
  startTunnelHarness,
  TOKEN_MARK,
} from './tunnel-harness';

// The real handler on dynalite; IoT, secure tunneling, EventBridge and SNS are mocked.
// config/tunnel-policy.yml applies: SSH, 60 min, cooldown 30 min, 10 tunnels, deny no-remote-access.
let h: Awaited<ReturnType<typeof startTunnelHarness>>;
type Outcome = { result: string; code?: string; reason?: string; tunnelId?: string };
let handler: (event: unknown, context: unknown) => Promise<Outcome>;
const invoke = (event: unknown) => handler(event, lambdaContext('alarm-tunnel'));
const opens = () => h.tunneling.commandCalls(OpenTunnelCommand);
let day = 0;
/** Each test runs on its own virtual day. */
const today = () => BASE + day * DAY;

beforeAll(async () => {
  h = await startTunnelHarness();
  ({ handler } = (await import('../../functions/alarm-tunnel')) as unknown as { handler: typeof handler });
});
afterAll(() => h.db.close());
beforeEach(() => {
  day += 1;
  h.reset({ 'locked-1': ['no-remote-access'] });
});

const fire = (fixture: Fixture, o: Parameters<typeof alarmEvent>[1] = {}) =>
  invoke(alarmEvent(fixture, { at: today(), id: `evt-${day}-${fixture}`, ...o }));

describe('alarm-tunnel: opening', () => {
  it('opens one tunnel for a single-metric alarm with a ThingName dimension, audited, published and paged', async () => {
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
      'fleet-autopilot:alarm-name': 'fleet-tunnel-cpu-sensor-0001',
    });
    const [audit] = await h.auditFor(`THING#sensor-s${day}`);
    expect(audit).toMatchObject({ action: 'tunnel.opened', actor: 'function:alarm-tunnel' });
    expect(audit?.details).toMatchObject({
      tunnelId: outcome.tunnelId,
      lifetimeMinutes: 60,
      alarmKind: 'metric',
    });
    expect(tags['fleet-autopilot:audit-id']).toBe(audit?.id);
    const entry = h.events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ DetailType: 'TunnelOpened', EventBusName: 'fleet-autopilot-test' });
    const page = h.sns.commandCalls(PublishCommand)[0]?.args[0].input.Message;
    expect(page).toContain(`npx fleet tunnel token ${outcome.tunnelId}`);
    expect(await h.everythingWritten()).not.toContain(TOKEN_MARK);
  });

  it('takes the thing from a propagated ThingName tag on an alarm marked by tag, not by name', async () => {
    expect(await fire('tagged', { thing: `sensor-t${day}` })).toMatchObject({ result: 'opened' });
    expect(opens()[0]?.args[0].input.destinationConfig).toMatchObject({ thingName: `sensor-t${day}` });
  });

  it('opens for a metric-math alarm whose metrics all name one thing, refuses one naming two', async () => {
    expect(await fire('metric-math', { thing: `sensor-m${day}` })).toMatchObject({ result: 'opened' });
    const two = alarmEvent('metric-math', { at: today(), id: `evt-${day}-two`, thing: `sensor-n${day}` });
    const metrics = (
      two.detail.configuration as { metrics: { metricStat?: { metric: { dimensions: object } } }[] }
    ).metrics;
    if (metrics[2]?.metricStat) metrics[2].metricStat.metric.dimensions = { ThingName: 'other-thing' };
    expect(await invoke(two)).toMatchObject({ result: 'refused', code: 'no-thing' });
    expect(opens()).toHaveLength(1);
  });

  it('takes a composite alarm thing only from its tags; without one it is refused and audited', async () => {
    expect(await fire('composite', { thing: `sensor-c${day}` })).toMatchObject({ result: 'opened' });
    const untagged = alarmEvent('composite', { at: today(), id: `evt-${day}-untagged` });
    delete untagged.detail.alarmTags;
    const refused = await invoke(untagged);
    expect(refused).toMatchObject({ result: 'refused', code: 'no-thing' });
    expect(refused.reason).toMatch(/^alarm names no thing/);
    const audits = await h.auditFor('INPUT#cloudwatch-alarm');
    expect(
      audits.some((a) => a.cause.id === `evt-${day}-untagged` && a.action === 'tunnel.open.refused'),
    ).toBe(true);
    expect(opens()).toHaveLength(1);
  });

  it('opens once when the same event arrives twice, with one audit record', async () => {
    const event = alarmEvent('single-metric', { at: today(), id: `dup-${day}`, thing: `sensor-d${day}` });
    await invoke(event);
    expect(await invoke(structuredClone(event))).toMatchObject({ result: 'duplicate' });
    expect(opens()).toHaveLength(1);
    expect(await h.auditFor(`THING#sensor-d${day}`)).toHaveLength(1);
  });

  it('opens one tunnel when two alarms fire at once for one thing; the other is refused', async () => {
    const thing = `sensor-r${day}`;
    const results = await Promise.all([
      invoke(alarmEvent('single-metric', { at: today(), id: `race-a-${day}`, thing })),
      invoke(alarmEvent('metric-math', { at: today(), id: `race-b-${day}`, thing })),
    ]);
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

  it('refuses a thing in a denied group and a thing that does not exist, with reasons', async () => {
    const denied = await fire('single-metric', { thing: 'locked-1' });
    expect(denied).toMatchObject({ result: 'refused', code: 'group-denied' });
    const missing = await fire('single-metric', { thing: 'ghost-1', id: `ghost-${day}` });
    expect(missing).toMatchObject({ result: 'refused', code: 'thing-not-found' });
    const [audit] = await h.auditFor('THING#ghost-1');
    expect(audit).toMatchObject({ action: 'tunnel.open.refused', outcome: 'rejected' });
    expect(audit?.details.reason).toBe('thing ghost-1 does not exist');
    expect(opens()).toHaveLength(0);
  });

  it('queues under throttling: the claim is given back and the retried event opens the tunnel', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    h.tunneling.on(OpenTunnelCommand).rejectsOnce(throttled);
    const event = alarmEvent('single-metric', { at: today(), id: `thr-${day}`, thing: `sensor-thr${day}` });
    await expect(invoke(event)).rejects.toThrow('Rate exceeded');
    h.reset({});
    expect(await invoke(event)).toMatchObject({ result: 'opened' });
    expect(opens()).toHaveLength(1);
  });

  it('finishes an interrupted open on redelivery without opening a second tunnel', async () => {
    h.events.on(PutEventsCommand).rejects(new Error('bus down'));
    const event = alarmEvent('single-metric', { at: today(), id: `int-${day}`, thing: `sensor-int${day}` });
    await expect(invoke(event)).rejects.toThrow('bus down');
    h.events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    expect(await invoke(event)).toMatchObject({ result: 'duplicate' });
    expect(opens()).toHaveLength(1);
    expect(h.events.commandCalls(PutEventsCommand).length).toBeGreaterThanOrEqual(2);
    expect(await h.auditFor(`THING#sensor-int${day}`)).toHaveLength(1);
  });
});

describe('alarm-tunnel: closing and bad input', () => {
  it('closes on OK only the tunnel that alarm opened', async () => {
    const thing = `sensor-ok${day}`;
    const opened = await fire('single-metric', { thing, id: `ok-open-${day}` });
    const other = await fire('single-metric', {
      thing,
      id: `ok-other-${day}`,
      state: 'OK',
      alarmName: 'fleet-tunnel-other',
    });
    expect(other).toMatchObject({ result: 'close-skipped' });
    expect(h.tunneling.commandCalls(CloseTunnelCommand)).toHaveLength(0);
    const ok = alarmEvent('single-metric', {
      thing,
      id: `ok-close-${day}`,
      state: 'OK',
      at: today() + MINUTE,
    });
    expect(await invoke(ok)).toMatchObject({ result: 'closed', tunnelId: opened.tunnelId });
    expect(await invoke(ok)).toMatchObject({ result: 'duplicate' });
    expect(h.tunneling.commandCalls(CloseTunnelCommand).map((c) => c.args[0].input)).toEqual([
      { tunnelId: opened.tunnelId },
    ]);
    const actions = (await h.auditFor(`THING#${thing}`)).map((a) => a.action).sort();
    expect(actions).toEqual(['tunnel.close.skipped', 'tunnel.closed', 'tunnel.opened']);
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
    const [audit] = await h.auditFor(`THING#${thing}`);
    expect(audit).toMatchObject({ action: 'tunnel.close.skipped', outcome: 'skipped' });
    expect(h.tunneling.calls()).toHaveLength(0);
    expect(h.iot.commandCalls(DescribeThingCommand)).toHaveLength(0);
    expect(h.events.calls()).toHaveLength(0);
  });

  it('audits malformed and unmarked events without opening anything or throwing', async () => {
    const malformed = alarmEvent('single-metric', { id: `bad-${day}` });
    delete (malformed.detail as Record<string, unknown>).alarmName;
    expect(await invoke(malformed)).toMatchObject({ result: 'rejected' });
    expect(await invoke('not an event')).toMatchObject({ result: 'rejected' });
    const unmarked = await fire('single-metric', { alarmName: 'SomeoneElsesAlarm', id: `unmarked-${day}` });
    expect(unmarked).toMatchObject({ result: 'refused', code: 'not-marked' });
    const audits = await h.auditFor('INPUT#cloudwatch-alarm');
    expect(audits.find((a) => a.cause.id === `bad-${day}`)?.details.reason).toMatch(/detail\.alarmName/);
    expect(opens()).toHaveLength(0);
    expect(h.tunneling.commandCalls(RotateTunnelAccessTokenCommand)).toHaveLength(0);
  });
});
