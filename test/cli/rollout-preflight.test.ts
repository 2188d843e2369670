import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../../cli/api';
import { CliError } from '../../cli/io';
import { resolveTarget } from '../../cli/target';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { type CliRun, cliRunner, thingsCsv, workDir } from './harness';

// `fleet rollout start` checks the plan against the account before anything starts, and so does the API.
let stack: LocalStack;
let fleet: (argv: string[], o?: { principal?: string }) => Promise<CliRun>;
const HOUR = 3_600_000;

const plan = (name: string, stages: string) =>
  `name: ${name}\ndocument: { operation: update }\nstages:\n${stages}`;
const FILES = {
  'things.csv': thingsCsv('pump', 4),
  'good.yml': plan(
    'good',
    '  - { name: canary, targets: [site-eu-west-1-plant-7] }\n  - { name: rest, targets: [sites, site-eu-west-1-plant-7] }\n',
  ),
  'start.yml': plan(
    'started',
    '  - { name: canary, targets: [site-eu-west-1-plant-7] }\n  - { name: rest, targets: [sites, site-eu-west-1-plant-7] }\n',
  ),
  'typo.yml': plan(
    'typo',
    '  - { name: canary, targets: [site-eu-west-1-plant-7] }\n  - { name: rest, targets: [ring-typo, sites-typo] }\n',
  ),
  'later.yml': plan('later', '  - { name: first, targets: [ring-later], allowMissingTargets: true }\n'),
  'bad.yml':
    'name: bad\ndocument: { op: u }\ndocumentSource: s3://bucket/key\ncolour: red\nstages:\n  - { name: a, targets: [g], gate: { bakeMinutes: 5, deadlineMinutes: 10 } }\n',
};
const calls = (op: string) => stack.services.iot.calls.filter((c) => c.operation === op).length;
const rollouts = async () => JSON.parse((await fleet(['rollout', 'list', '--json'])).stdout || '[]');
/** The names of the rollouts the API lists (each test starts its own plan, named for it). */
const rolloutNames = async () => (await rollouts()).map((r: { name: string }) => r.name);

beforeAll(async () => {
  stack = await startLocalStack({ seed: 21, speed: 50 });
  await stack.deployCustomResources();
  fleet = cliRunner(stack, workDir(FILES));
  expect((await fleet(['onboard', 'things.csv', '--create-types', '--rate', '500'])).code).toBe(0);
  await stack.runUntilIdle();
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('fleet rollout start: the preview', () => {
  it('--dry-run prints the stages, their groups and distinct things, and starts nothing', async () => {
    const jobsBefore = calls('CreateJob');
    const run = await fleet(['rollout', 'start', 'good.yml', '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^plan good -> rollout good-[0-9a-f]{8}$/m);
    expect(run.stdout).toContain('document: inline, 22 of 32,768 bytes');
    expect(run.stdout).toMatch(/0\s+canary\s+site-eu-west-1-plant-7\s+4\s+4\s+SNAPSHOT/);
    expect(run.stdout).toMatch(/1\s+rest\s+sites, site-eu-west-1-plant-7\s+4\s+0\s+SNAPSHOT/);
    expect(run.stdout).toContain('4 distinct thing(s) over 2 stage(s) now');
    expect(run.stderr).toContain('dry run: nothing was started');
    expect(calls('CreateJob')).toBe(jobsBefore);
    expect(await rolloutNames()).not.toContain('good');
    const json = JSON.parse((await fleet(['rollout', 'start', 'good.yml', '--dry-run', '--json'])).stdout);
    expect(json.preview.stages.map((s: { things: number }) => s.things)).toEqual([4, 4]);
  });

  it('refuses a plan whose groups do not exist: exit 3, each group named, nothing started', async () => {
    for (const argv of [['typo.yml'], ['typo.yml', '--dry-run']]) {
      const run = await fleet(['rollout', 'start', ...argv]);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('error: typo.yml: 2 target group(s) do not exist; nothing was started');
      expect(run.stderr).toContain('  stage rest: ring-typo');
      expect(run.stderr).toContain('  stage rest: sites-typo');
      expect(run.stderr).toContain('allowMissingTargets');
    }
    expect(await rolloutNames()).not.toContain('typo');
  });

  it('lists every problem of an invalid plan in one pass (exit 2)', async () => {
    const run = await fleet(['rollout', 'start', 'bad.yml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: bad.yml: invalid rollout plan (3 problem(s))');
    expect(run.stderr).toContain('(plan): unknown field(s) colour');
    expect(run.stderr).toContain('document: give exactly one');
    expect(run.stderr).toContain('stages[0].gate.deadlineMinutes: 10 is shorter');
  });

  it('prints the preview, then starts', async () => {
    const run = await fleet(['rollout', 'start', 'start.yml']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/0\s+canary\s+site-eu-west-1-plant-7\s+4\s+4/);
    expect(run.stdout).toMatch(/^started: started-[0-9a-f]{8} \(RUNNING\)$/m);
    await fleet(['rollout', 'abort', run.stdout.split(' ')[1] ?? '']);
  });
});

describe('the API checks the targets too', () => {
  it('answers 404 TargetGroupNotFoundError for a missing group, and creates nothing', async () => {
    const target = resolveTarget(
      { local: true },
      { stdout: { write: () => 0 }, stderr: { write: () => 0 }, env: fleetEnv(), cwd: '.', root: '.' },
    );
    const refused = await callApi(
      target,
      'POST',
      'rollouts',
      JSON.stringify({ plan: { name: 'api-typo', document: { op: 'u' }, targets: ['ring-typo'] } }),
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CliError);
    expect(refused).toMatchObject({
      code: 3,
      message: 'target thing group(s) not found: ring-typo',
      lines: ['stage fleet: ring-typo'],
    });
    expect(await rolloutNames()).not.toContain('api-typo');
  });

  it('starts a stage that allows missing groups; if the group is still missing then, the rollout fails naming it', async () => {
    const run = await fleet(['rollout', 'start', 'later.yml']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('ring-later (missing, allowed)');
    expect(run.stderr).toContain(
      'note: stage first: ring-later does not exist yet; it must exist when the stage starts',
    );
    const id = run.stdout.split(' ')[1] ?? '';
    await stack.runUntilIdle({ until: stack.clock.now() + HOUR });
    const status = JSON.parse((await fleet(['rollout', 'status', id, '--json'])).stdout);
    expect(status).toMatchObject({
      status: 'FAILED',
      reason: 'error TargetGroupNotFoundError: thing group ring-later does not exist',
    });
  });
});

function fleetEnv() {
  return {
    ...stack.env,
    FLEET_API_URL: stack.endpoints.api,
    AWS_ACCESS_KEY_ID: 'alice',
    AWS_SECRET_ACCESS_KEY: 'secret',
  };
}
