import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../local/emulators/eventbridge/envelope';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { type CliRun, cliRunner, thingsCsv, workDir } from './harness';

// Issue 13's tunnel reproductions on the local stack, the way they were found: an alarm writer with
// `put-metric-alarm` / `set-alarm-state`, and the `fleet` CLI signed as each principal. Only an alarm
// an operator enrolled (`fleet tunnel enrol`, audited with the principal) opens a tunnel, only to the
// enrolled thing, only while it still is in ALARM, and only from the deployment's own account. Each test
// has its own valves and alarms.
let stack: LocalStack;
let fleet: (argv: string[], o?: { principal?: string }) => Promise<CliRun>;
let cw: CloudWatchClient;
const MINUTE = 60_000;
const ARN = (who: string) => `arn:aws:iam::000000000000:user/${who}`;
const alarmEvents: EventEnvelope[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ seed: 13, speed: 50 });
  await stack.deployCustomResources();
  fleet = cliRunner(stack, workDir({ 'things.csv': thingsCsv('valve', 6) }));
  expect((await fleet(['onboard', 'things.csv', '--create-types', '--rate', '500'])).code).toBe(0);
  await stack.runUntilIdle();
  cw = new CloudWatchClient(stack.clientConfig('cloudWatch'));
  stack.services.eventBridge.subscribe((bus, event) => {
    if (bus === 'default' && event.source === 'aws.cloudwatch') alarmEvents.push(event);
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

/** `aws cloudwatch put-metric-alarm` on a device's heartbeat. */
const putAlarm = (name: string, thing: string) =>
  cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'Fleet',
      MetricName: 'Heartbeat',
      Dimensions: [{ Name: 'ThingName', Value: thing }],
      Period: 60,
      Statistic: 'Sum',
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
    }),
  );
/** `aws cloudwatch set-alarm-state`, then the stack runs the events it caused. */
async function setState(name: string, value: 'ALARM' | 'OK') {
  await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: value, StateReason: 'test' }));
  await stack.runUntilIdle({ until: stack.clock.now() + MINUTE });
}
const tunnelsTo = (thing: string) =>
  stack.services.tunnels.tunnels().filter((t) => t.destinationConfig?.thingName === thing);
async function auditOf(thing: string) {
  const run = await fleet(['audit', '--thing', thing, '--format', 'jsonl']);
  return run.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { action: string; actor: string; details: Record<string, unknown> });
}
const lastAlarmEvent = (name: string, state: string) =>
  alarmEvents
    .filter(
      (e) =>
        (e.detail as { alarmName: string; state: { value: string } }).alarmName === name &&
        (e.detail as { state: { value: string } }).state.value === state,
    )
    .at(-1);

describe('tunnels on the local stack need an enrolment', () => {
  it('an un-enrolled fleet-tunnel-<anything> alarm set to ALARM opens nothing', async () => {
    await putAlarm('fleet-tunnel-anything-at-all', 'valve-0000');
    await setState('fleet-tunnel-anything-at-all', 'ALARM');
    expect(tunnelsTo('valve-0000')).toEqual([]);
    const refused = (await auditOf('valve-0000')).find((a) => a.action === 'tunnel.open.refused');
    expect(refused?.details).toMatchObject({ code: 'not-enrolled' });
  });

  it('enrols and unenrols through the CLI, audited with the principal; an enrolled alarm opens', async () => {
    await putAlarm('fleet-tunnel-valve-0001', 'valve-0001');
    const enrol = await fleet(
      ['tunnel', 'enrol', 'fleet-tunnel-valve-0001', '--thing', 'valve-0001', '--services', 'SSH'],
      {
        principal: 'dana',
      },
    );
    expect(enrol.code, enrol.stderr).toBe(0);
    expect(enrol.stdout).toMatch(
      /^enrolled alarm fleet-tunnel-valve-0001 for thing valve-0001 \(services SSH\)/,
    );
    const listed = await fleet(['tunnel', 'enrolments']);
    expect(listed.stdout).toMatch(
      /fleet-tunnel-valve-0001\s+valve-0001\s+SSH\s+arn:aws:iam::000000000000:user\/dana/,
    );
    await setState('fleet-tunnel-valve-0001', 'ALARM');
    expect(tunnelsTo('valve-0001').map((t) => t.status)).toEqual(['OPEN']);
    await setState('fleet-tunnel-valve-0001', 'OK');
    expect(tunnelsTo('valve-0001').map((t) => t.status)).toEqual(['CLOSED']);

    const unenrol = await fleet(['tunnel', 'unenrol', 'fleet-tunnel-valve-0001'], { principal: 'erin' });
    expect(unenrol.code, unenrol.stderr).toBe(0);
    expect((await fleet(['tunnel', 'unenrol', 'fleet-tunnel-valve-0001'], { principal: 'erin' })).code).toBe(
      3,
    );
    await stack.runUntilIdle({ until: stack.clock.now() + 31 * MINUTE }); // past the cooldown
    await setState('fleet-tunnel-valve-0001', 'ALARM');
    expect(tunnelsTo('valve-0001')).toHaveLength(1);

    const records = await auditOf('valve-0001');
    expect(
      records.filter((a) => a.action.startsWith('tunnel.enrolment')).map((a) => [a.action, a.actor]),
    ).toEqual([
      ['tunnel.enrolment.created', ARN('dana')],
      ['tunnel.enrolment.removed', ARN('erin')],
    ]);
    expect(records.find((a) => a.action === 'tunnel.opened')?.details).toMatchObject({
      enrolledBy: ARN('dana'),
    });
    expect(records.at(-1)).toMatchObject({
      action: 'tunnel.open.refused',
      details: { code: 'not-enrolled' },
    });
  });

  it('an enrolled alarm redefined with another ThingName dimension opens nothing', async () => {
    await putAlarm('fleet-tunnel-valve-0002', 'valve-0002');
    expect(
      (
        await fleet(['tunnel', 'enrol', 'fleet-tunnel-valve-0002', '--thing', 'valve-0002'], {
          principal: 'dana',
        })
      ).code,
    ).toBe(0);
    await putAlarm('fleet-tunnel-valve-0002', 'valve-0003'); // the alarm writer points it elsewhere
    await setState('fleet-tunnel-valve-0002', 'ALARM');
    expect([...tunnelsTo('valve-0002'), ...tunnelsTo('valve-0003')]).toEqual([]);
    const refused = (await auditOf('valve-0002')).find((a) => a.action === 'tunnel.open.refused');
    expect(refused?.details).toMatchObject({ code: 'enrolment-mismatch', enrolledBy: ARN('dana') });
    // The operator sees why, and enrolling the alarm for the other thing needs an unenrol first.
    const again = await fleet(['tunnel', 'enrol', 'fleet-tunnel-valve-0002', '--thing', 'valve-0003']);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('already enrolled for thing valve-0002');
  });

  it('a stale ALARM event handled after its alarm recovered opens nothing, audited as skipped', async () => {
    await putAlarm('fleet-tunnel-valve-0004', 'valve-0004');
    expect((await fleet(['tunnel', 'enrol', 'fleet-tunnel-valve-0004', '--thing', 'valve-0004'])).code).toBe(
      0,
    );
    await setState('fleet-tunnel-valve-0004', 'ALARM');
    await setState('fleet-tunnel-valve-0004', 'OK');
    expect(tunnelsTo('valve-0004').map((t) => t.status)).toEqual(['CLOSED']);
    // The same ALARM, queued behind a storm, reaches the function after the cooldown has passed.
    await stack.runUntilIdle({ until: stack.clock.now() + 31 * MINUTE });
    const late = lastAlarmEvent('fleet-tunnel-valve-0004', 'ALARM');
    if (!late) throw new Error('no ALARM event captured');
    stack.router.redeliver('default', { ...late, id: `${late.id}-queued` });
    await stack.runUntilIdle({ until: stack.clock.now() + MINUTE });
    expect(tunnelsTo('valve-0004')).toHaveLength(1);
    const skipped = (await auditOf('valve-0004')).find((a) => a.action === 'tunnel.open.skipped');
    expect(skipped?.details).toMatchObject({ code: 'stale' });
  });

  it("an alarm event from another account opens nothing, even for an enrolled alarm's name", async () => {
    await putAlarm('fleet-tunnel-valve-0005', 'valve-0005');
    expect((await fleet(['tunnel', 'enrol', 'fleet-tunnel-valve-0005', '--thing', 'valve-0005'])).code).toBe(
      0,
    );
    await setState('fleet-tunnel-valve-0005', 'OK');
    await setState('fleet-tunnel-valve-0005', 'ALARM');
    const opened = tunnelsTo('valve-0005').length;
    await setState('fleet-tunnel-valve-0005', 'OK');
    const theirs = lastAlarmEvent('fleet-tunnel-valve-0005', 'ALARM');
    if (!theirs) throw new Error('no ALARM event captured');
    const other = '111111111111';
    stack.router.redeliver('default', {
      ...theirs,
      id: `${theirs.id}-foreign`,
      account: other,
      resources: theirs.resources.map((r) => r.replace(':000000000000:', `:${other}:`)),
    });
    await stack.runUntilIdle({ until: stack.clock.now() + 31 * MINUTE });
    expect(tunnelsTo('valve-0005')).toHaveLength(opened);
    const audit = await fleet([
      'audit',
      '--action',
      'tunnel.open.refused',
      '--from',
      '2026-01-05',
      '--to',
      '2026-01-08',
      '--format',
      'jsonl',
    ]);
    const foreign = audit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { details: { code?: string; reason?: string; alarmName?: string } })
      .filter(
        (r) => r.details.code === 'foreign-account' && r.details.alarmName === 'fleet-tunnel-valve-0005',
      );
    expect(foreign).toHaveLength(1);
    expect(foreign[0]?.details.reason).toContain('account 111111111111');
  });
});
