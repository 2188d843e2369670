import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  effectsOfIotCalls,
  effectsOfTunnels,
  verifyAuditTrail,
} from '../../shared/domain/audit-query/verify';
import { type CliRun, cliRunner, thingsCsv, workDir } from './harness';

// `fleet rollout`, `fleet tunnel`, and the audit completeness check over a whole local-stack run. The
// things are onboarded once; each test starts its own rollout (its own plan name) and opens its tunnel
// to its own thing.
let stack: LocalStack;
let fleet: (argv: string[], o?: { principal?: string }) => Promise<CliRun>;
const HOUR = 3_600_000;
const MINUTE = 60_000;

const plan = (name: string) => `name: ${name}
document: { operation: update }
stages:
  - { name: canary, targets: [site-eu-west-1-plant-7] }
  - { name: rest, targets: [sites] }
defaults:
  gate: { bakeMinutes: 30, deadlineMinutes: 60 }
  job: { targetSelection: CONTINUOUS, inProgressTimeoutMinutes: 30 }
`;
const PLANS = ['listed', 'joined', 'decided', 'exported', 'verified'];
const BAD_PLAN =
  'name: bad\ndocument: { operation: update }\ntargets: [ring-canary]\ndefaults: { gate: { confidence: 2 } }\n';

beforeAll(async () => {
  stack = await startLocalStack({ seed: 12, speed: 50 });
  await stack.deployCustomResources();
  const dir = workDir({
    'things.csv': thingsCsv('pump', 5),
    'new.csv': thingsCsv('late', 1),
    'bad.yml': BAD_PLAN,
    ...Object.fromEntries(PLANS.map((name) => [`${name}.yml`, plan(`cli-${name}`)])),
  });
  fleet = cliRunner(stack, dir);
  expect((await fleet(['onboard', 'things.csv', '--create-types', '--rate', '500'])).code).toBe(0);
  await stack.runUntilIdle();
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const later = (ms: number) => stack.runUntilIdle({ until: stack.clock.now() + ms });

/** Starts plan `<name>.yml` and lets two hours pass: its canary is inconclusive and waits for an operator. */
async function waitingRollout(name: string): Promise<string> {
  const start = await fleet(['rollout', 'start', `${name}.yml`, '--json']);
  expect(start.code, start.stderr).toBe(0);
  const rolloutId = JSON.parse(start.stdout).rolloutId as string;
  await later(2 * HOUR);
  return rolloutId;
}

/** Bob approves the waiting canary, then the creator aborts the rollout (its job is cancelled). */
async function approvedThenAborted(rolloutId: string): Promise<void> {
  const approve = await fleet(['rollout', 'approve', rolloutId, '--comment', 'canary looks fine'], {
    principal: 'bob',
  });
  expect(approve.code, approve.stderr).toBe(0);
  await later(MINUTE);
  expect((await fleet(['rollout', 'abort', rolloutId, '--comment', 'enough'])).code).toBe(0);
  await later(MINUTE);
}

/** Carol enrols an alarm on `thing`'s heartbeat, it goes to ALARM: the tunnel it opened. */
async function tunnelOnAlarm(thing: string): Promise<string> {
  const alarm = `fleet-tunnel-${thing}-offline`;
  const cw = new CloudWatchClient(stack.clientConfig('cloudWatch'));
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: alarm,
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
  const enrol = await fleet(['tunnel', 'enrol', alarm, '--thing', thing], { principal: 'carol' });
  expect(enrol.code, enrol.stderr).toBe(0);
  await cw.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'ALARM', StateReason: 'test' }));
  await later(MINUTE);
  const list = await fleet(['tunnel', 'list', '--json']);
  expect(list.code, list.stderr).toBe(0);
  const tunnel = (
    JSON.parse(list.stdout) as { thingName: string; alarmName: string; tunnelId: string }[]
  ).find((t) => t.thingName === thing);
  expect(tunnel).toMatchObject({ thingName: thing, alarmName: alarm });
  return tunnel?.tunnelId ?? '';
}

/** A tunnel opened on alarm to `thing`, its token printed, then closed by the operator a while later. */
async function tunnelUsedAndClosed(thing: string): Promise<string> {
  const tunnelId = await tunnelOnAlarm(thing);
  expect((await fleet(['tunnel', 'token', tunnelId])).code).toBe(0);
  await later(10_000);
  expect((await fleet(['tunnel', 'close', tunnelId])).code).toBe(0);
  return tunnelId;
}

describe('fleet rollout', () => {
  it('refuses a plan that fails validation, naming the field (exit 2)', async () => {
    const jobs = () => stack.services.iot.calls.filter((c) => c.operation === 'CreateJob').length;
    const before = jobs();
    const run = await fleet(['rollout', 'start', 'bad.yml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('gate.confidence');
    expect(jobs()).toBe(before);
  });

  it('starts, lists and shows a rollout waiting for an operator', async () => {
    const start = await fleet(['rollout', 'start', 'listed.yml', '--json']);
    expect(start.code, start.stderr).toBe(0);
    const rolloutId = JSON.parse(start.stdout).rolloutId;
    expect(rolloutId).toMatch(/^cli-listed-[0-9a-f]{8}$/);
    await later(2 * HOUR);
    const list = await fleet(['rollout', 'list']);
    expect(list.stdout).toMatch(
      new RegExp(`${rolloutId}\\s+RUNNING\\s+1/2\\s+arn:aws:iam::000000000000:user/alice`),
    );
    const status = await fleet(['rollout', 'status', rolloutId]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(`0\\s+canary\\s+RUNNING\\s+${rolloutId}-s0\\s+5\\s+0\\s+0\\s+0\\s+-\\s+5.0%/95.0%`),
    );
    expect(status.stdout).toMatch(/canary\s+inconclusive\s+PENDING/);
  });

  it('shows which running continuous jobs a new thing would join', async () => {
    const rolloutId = await waitingRollout('joined');
    const run = await fleet(['groups', 'preview', '--things', 'new.csv', '--json']);
    expect(JSON.parse(run.stdout).things[0].jobs).toContainEqual({
      jobId: `${rolloutId}-s0`,
      via: 'site-eu-west-1-plant-7',
    });
  });

  it('lets another principal approve (the creator is refused), then pause, resume, abort', async () => {
    const rolloutId = await waitingRollout('decided');
    const self = await fleet(['rollout', 'approve', rolloutId]);
    expect(self.code).toBe(4);
    expect(self.stderr).toContain('cannot decide');
    const approve = await fleet(['rollout', 'approve', rolloutId, '--comment', 'canary looks fine'], {
      principal: 'bob',
    });
    expect(approve.code, approve.stderr).toBe(0);
    const status = await fleet(['rollout', 'status', rolloutId, '--json']);
    expect(JSON.parse(status.stdout).stages[0].approvals[0]).toMatchObject({
      status: 'APPROVED',
      decidedBy: 'arn:aws:iam::000000000000:user/bob',
      comment: 'canary looks fine',
    });
    await later(MINUTE);
    expect((await fleet(['rollout', 'pause', rolloutId])).code).toBe(0);
    expect((await fleet(['rollout', 'pause', rolloutId])).code).toBe(4);
    expect((await fleet(['rollout', 'resume', rolloutId])).code).toBe(0);
    await later(MINUTE);
    expect((await fleet(['rollout', 'abort', rolloutId, '--comment', 'enough'])).code).toBe(0);
    await later(MINUTE);
    expect(JSON.parse((await fleet(['rollout', 'status', rolloutId, '--json'])).stdout).status).toBe(
      'ABORTED',
    );
  });

  it('exits 3 for unknown ids and 2 for malformed ones', async () => {
    expect((await fleet(['rollout', 'status', 'nope-12345678'])).code).toBe(3);
    expect((await fleet(['rollout', 'approve', 'nope-12345678'], { principal: 'bob' })).code).toBe(3);
    expect((await fleet(['rollout', 'status', 'a/b'])).code).toBe(2);
  });
});

describe('fleet tunnel', () => {
  it('lists the tunnel an enrolled alarm opened, prints a token to stdout only, closes it', async () => {
    const tunnelId = await tunnelOnAlarm('pump-0001');
    const token = await fleet(['tunnel', 'token', tunnelId]);
    expect(token.code).toBe(0);
    expect(stack.services.tunnels.issuedTokens()).toContain(token.stdout.trim());
    expect(token.stderr).not.toContain(token.stdout.trim());
    // The operator closes it a while later (virtual time stands still between calls otherwise).
    await later(10_000);
    expect((await fleet(['tunnel', 'close', tunnelId])).code).toBe(0);
    expect((await fleet(['tunnel', 'token', tunnelId])).code).toBe(4);
    expect((await fleet(['tunnel', 'token', 'unknown-tunnel'])).code).toBe(3);
  });
});

describe('fleet audit over the run', () => {
  it('exports a rollout as CSV, a principal and a tunnel', async () => {
    const rolloutId = await waitingRollout('exported');
    await approvedThenAborted(rolloutId);
    const tunnelId = await tunnelUsedAndClosed('pump-0002');
    const csv = (await fleet(['audit', '--rollout', rolloutId, '--format', 'csv'])).stdout;
    for (const action of [
      'rollout.created',
      'rollout.stage.started',
      'rollout.approval.decided',
      'rollout.job.cancelled',
      'rollout.aborted',
    ])
      expect(csv).toContain(`,${action},`);
    const bob = await fleet(['audit', '--actor', 'arn:aws:iam::000000000000:user/bob']);
    expect(bob.stdout).toMatch(/rollout\.approval\.decided\s+decided/);
    const tunnel = await fleet(['audit', '--tunnel', tunnelId, '--format', 'jsonl']);
    const actions = tunnel.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).action);
    expect(actions).toEqual(['tunnel.opened', 'tunnel.token.issued', 'tunnel.closed']);
    expect(tunnel.stdout).not.toMatch(/AQGA/);
  });

  it('every IoT mutation and tunnel open/close has its record, and every record its effect', async () => {
    const rolloutId = await waitingRollout('verified');
    await approvedThenAborted(rolloutId);
    await tunnelUsedAndClosed('pump-0003');
    const day = new Date(stack.clock.now()).toISOString().slice(0, 10);
    const all = await fleet([
      'audit',
      '--from',
      '2026-01-05',
      '--to',
      `${day}T23:59:59Z`,
      '--format',
      'jsonl',
    ]);
    const records = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const effects = [
      ...effectsOfIotCalls(stack.services.iot.calls),
      ...effectsOfTunnels(stack.services.tunnels.tunnels()),
    ];
    expect(effects.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['job.create', 'job.cancel', 'tunnel.open', 'tunnel.close']),
    );
    const result = verifyAuditTrail(
      effects,
      records.map((r) => ({
        pk: `${r.subjectType.toUpperCase()}#${r.subjectId}`,
        action: r.action,
        outcome: r.outcome,
        details: r.details,
      })),
    );
    expect(result.unaudited).toEqual([]);
    expect(result.unperformed).toEqual([]);
    const cli = await fleet(['audit', 'verify', '--rollout', rolloutId]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
  });
});
