import { IoTClient, UpdatePackageConfigurationCommand } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../local/scenario/load';
import { LOCAL_ACCOUNT, type LocalStack } from '../../local/stack';
import { fleet, playScenario } from './scenario-harness';

// Issue 17's "runs the version it claims" on the local stack: stages whose jobs install Software Package
// Catalog versions, the IoT emulator writing `$package` after each success (the account's
// VersionUpdateByJobsConfig on), `wrongVersion` devices writing their old version back, and Reconcile
// judging every success on GetThingShadow two minutes after it.
const version = (pkg: string, v: string) =>
  `arn:aws:iot:us-east-1:${LOCAL_ACCOUNT}:package/${pkg}/version/${v}`;
const plan = (name: string, pkg: string, v: string, stages: string, onInconclusive: string) => `name: ${name}
document: { operation: update, version: "${v}" }
defaults:
  gate: { failureThreshold: 0.05, confidence: 0.95, minFinished: 1, bakeMinutes: 30, deadlineMinutes: 600, onInconclusive: ${onInconclusive} }
  job: { inProgressTimeoutMinutes: 30, destinationPackageVersions: ["${version(pkg, v)}"] }
stages:
${stages}`;
const plans = {
  'bad.yml': plan(
    'fw-claims-3.1',
    'firmware',
    '3.1.0',
    '  - { name: early, targets: [ring-early] }\n  - { name: fleet, targets: [sites] }\n',
    'ask',
  ),
  // Stages of 2 and 15 devices never show a rate below 5 % at 95 %: promote once every device reported.
  'good.yml': plan(
    'agent-1.2',
    'agent',
    '1.2.0',
    '  - { name: canary, targets: [ring-canary] }\n  - { name: early, targets: [ring-early] }\n',
    'promote',
  ),
};
const devices = fleet(150);
const scenario = parseScenario(
  JSON.stringify({
    name: 'package-version',
    seed: 23,
    devices: { ...devices, attributes: { ...devices.attributes, firmware: { '2.4.1': 1 } } },
    cohorts: [
      // Most devices report SUCCEEDED for firmware 3.1.0 and keep running 2.4.1.
      { name: 'stuck', rollouts: ['fw-claims-3.1'], outcomes: { succeed: 0.3, wrongVersion: 0.7 } },
      { name: 'rest', outcomes: { succeed: 1 }, latency: { min: 10, max: 300 } },
    ],
    timeline: [
      { at: '0s', provision: {} },
      { at: '10m', startRollout: { ref: 'B', plan: 'bad.yml', principal: 'alice' } },
      { at: '10m', startRollout: { ref: 'G', plan: 'good.yml', principal: 'alice' } },
    ],
  }),
);
const ROLE = `arn:aws:iam::${LOCAL_ACCOUNT}:role/iot-jobs-package-shadow`;

/** What the operator does once per account: AWS IoT Jobs reports package versions to `$package`. */
const versionUpdateByJobs = (stack: LocalStack, enabled: boolean) =>
  stack.drive(
    new IoTClient(stack.clientConfig('iot')).send(
      new UpdatePackageConfigurationCommand({ versionUpdateByJobsConfig: { enabled, roleArn: ROLE } }),
    ),
  );

let played: Awaited<ReturnType<typeof playScenario>>;
beforeAll(async () => {
  played = await playScenario(scenario, plans, (stack) =>
    versionUpdateByJobs(stack, true).then(() => undefined),
  );
}, 300_000);
afterAll(async () => {
  played?.run.stop();
  await played?.stack.close();
});

type View = {
  status: string;
  reason?: string;
  stages: {
    name: string;
    status: string;
    health?: {
      unhealthy: number;
      signals: { packageVersion: boolean };
      examples: { reason: string; evidence: string }[];
    };
  }[];
};
const view = async (ref: string) =>
  (await played.run.api.rollout('dave', played.run.rollouts.get(ref)?.rolloutId ?? '')).body as View;
const reportedPackage = (thing: string, pkg: string) =>
  (
    played.stack.services.iot.state.shadows.get(thing)?.get('$package')?.reported?.[pkg] as {
      version?: string;
    }
  )?.version;

describe('package versions on the local stack', () => {
  it('halts the rollout whose devices do not run the version they claim, in its first stage', async () => {
    const bad = await view('B');
    expect(bad.status).toBe('HALTED');
    // The gate halted: the unhealthy successes counted as failures (no device reported FAILED).
    expect(bad.reason).toBe('gate-halt');
    expect(bad.stages.map((s) => s.status)).toEqual(['HALTED', 'NOT_STARTED']);
    const early = bad.stages[0]?.health;
    expect(early?.signals.packageVersion).toBe(true);
    expect(early?.unhealthy).toBeGreaterThan(0);
    expect(early?.examples[0]).toMatchObject({
      reason: 'package',
      evidence: 'reports 2.4.1 for package firmware, expected 3.1.0',
    });
    // Every device it judged unhealthy reports 2.4.1 though its execution SUCCEEDED.
    const rolloutId = played.run.rollouts.get('B')?.rolloutId ?? '';
    const job = played.stack.services.iot.state.jobs.get(`${rolloutId}-s0`);
    const stuck = [...(job?.executions.values() ?? [])].filter(
      (e) => e.status === 'SUCCEEDED' && reportedPackage(e.thingName, 'firmware') === '2.4.1',
    );
    expect(stuck.length).toBeGreaterThanOrEqual(early?.unhealthy ?? 0);
    expect(played.run.errors).toEqual([]);
  });

  it('promotes the rollout whose devices report the version AWS IoT Jobs wrote, to completion', async () => {
    const good = await view('G');
    expect(good.status).toBe('COMPLETED');
    expect(good.stages.map((s) => [s.status, s.health?.unhealthy])).toEqual([
      ['PROMOTED', 0],
      ['PROMOTED', 0],
    ]);
    const rolloutId = played.run.rollouts.get('G')?.rolloutId ?? '';
    const things = [0, 1].flatMap((i) => [
      ...(played.stack.services.iot.state.jobs.get(`${rolloutId}-s${i}`)?.executions.keys() ?? []),
    ]);
    expect(things.length).toBeGreaterThan(10);
    for (const thing of things) expect(reportedPackage(thing, 'agent'), thing).toBe('1.2.0');
  });

  it('refuses a plan that checks package versions when the account does not report them (409)', async () => {
    await versionUpdateByJobs(played.stack, false);
    const response = await played.run.api.startRollout(
      'alice',
      plans['good.yml'].replace('agent-1.2', 'agent-1.2b'),
    );
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ error: 'PackageVersionReportingError' });
  });
});
