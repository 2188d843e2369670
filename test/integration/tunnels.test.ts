import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../local/scenario/load';
import { fleet, playScenario } from './scenario-harness';

// An alarm on a device, enrolled by an admin before it fires, opens a tunnel; the same event
// delivered again opens nothing more; the recovery closes it. No tunnel or task token ever shows
// in a log line, audit record or event.
const scenario = parseScenario(
  JSON.stringify({
    name: 'tunnels',
    seed: 21,
    devices: fleet(60),
    timeline: [
      { at: '0s', provision: {} },
      { at: '5m', fireAlarm: { thing: 'dev-00007', duplicateAfter: '2m' } },
      { at: '30m', recoverAlarm: { thing: 'dev-00007' } },
    ],
  }),
);
let played: Awaited<ReturnType<typeof playScenario>>;

beforeAll(async () => {
  played = await playScenario(scenario, {});
}, 120_000);
afterAll(async () => {
  played?.run.stop();
  await played?.stack.close();
});

describe('tunnels on alarm on the local stack', () => {
  it('opens one tunnel for the alarm although its event arrived twice, and closes it on recovery', () => {
    const tunnels = played.stack.services.tunnels.tunnels();
    expect(tunnels).toHaveLength(1);
    expect(tunnels[0]?.destinationConfig?.thingName).toBe('dev-00007');
    expect(tunnels[0]?.status).toBe('CLOSED');
    expect(played.run.alarms.duplicatesDelivered).toBe(1);
    const actions = played.audit.map((a) => a.action);
    expect(actions.filter((a) => a === 'tunnel.opened')).toHaveLength(1);
    expect(actions.filter((a) => a === 'tunnel.closed')).toHaveLength(1);
    const enrolment = played.audit.find((a) => a.action === 'tunnel.enrolment.created');
    expect(enrolment).toMatchObject({ actor: 'arn:aws:iam::000000000000:user/tunnel-admin' });
    const opened = played.audit.find((a) => a.action === 'tunnel.opened');
    expect(opened?.details).toMatchObject({ enrolledBy: 'arn:aws:iam::000000000000:user/tunnel-admin' });
    expect(played.run.errors).toEqual([]);
  });

  it('never puts a token in a log line, audit record or event', () => {
    const tokens = [
      ...played.stack.services.tunnels.issuedTokens(),
      ...played.stack.services.sfn.issuedTokens(),
    ];
    expect(played.stack.services.tunnels.issuedTokens().length).toBeGreaterThan(0);
    const haystacks = [
      ...played.stack.logLines.map((l) => l.line),
      ...played.audit.map((a) => JSON.stringify(a)),
      ...['default', 'fleet-autopilot-dev'].flatMap((bus) =>
        played.stack.services.eventBridge.archive(bus).map((e) => JSON.stringify(e)),
      ),
    ];
    expect(haystacks.length).toBeGreaterThan(100);
    for (const token of tokens) for (const text of haystacks) expect(text.includes(token)).toBe(false);
  });
});
