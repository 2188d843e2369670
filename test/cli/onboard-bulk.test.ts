import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { cliRunner, thingsCsv, workDir } from './harness';

// `fleet onboard --bulk` (a registration task reading an S3 input file), `fleet things search` and
// `fleet audit --query`, against one local stack. Each test has its own work directory and things.
let stack: LocalStack;
let bulk: string[];
const calls = (op: string, prefixes: string[] = ['']) =>
  stack.services.iot.calls.filter(
    (c) => c.operation === op && prefixes.some((p) => String(c.input.thingName ?? '').startsWith(p)),
  );

/** 240 typed things with attributes, and 10 with no thing type and one attribute: two shapes. */
const mixedCsv = () =>
  [
    thingsCsv('bulk', 240).trimEnd(),
    ...Array.from({ length: 10 }, (_, i) => `plain-${i},,eu-west-1,,`),
    '',
  ].join('\n');

/** `fleet` in a new work directory holding `files`, with virtual time paced while it runs. */
const fleetWith = (files: Record<string, string>) => {
  const dir = workDir(files);
  return { dir, fleet: cliRunner(stack, dir, { paced: true }) };
};

/** A thing of the same name with other attributes: the registration task's conflict. */
const clashWith = (thingName: string) =>
  new IoTClient(stack.clientConfig('iot')).send(
    new CreateThingCommand({ thingName, attributePayload: { attributes: { site: 'x' } } }),
  );

/** Onboards `n` things `<prefix>-0000`... at plant-7 (a bulk task) and lets the stack group and index them. */
async function onboarded(prefix: string, n: number): Promise<void> {
  const { fleet } = fleetWith({ 'things.csv': thingsCsv(prefix, n) });
  const run = await fleet(['onboard', 'things.csv', '--create-types', ...bulk]);
  expect(run.code, run.stderr).toBe(0);
  await stack.runUntilIdle();
}

beforeAll(async () => {
  stack = await startLocalStack({ seed: 31, speed: 50 });
  await stack.deployCustomResources();
  bulk = [
    '--bulk',
    '--bucket',
    String(stack.outputs.BulkRegistrationBucketName?.Value),
    '--role-arn',
    String(stack.outputs.BulkRegistrationRoleArn?.Value),
    '--poll-seconds',
    '0.05',
  ];
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('fleet onboard --bulk', () => {
  it('uploads the input, follows the task, reports its error lines by CSV line, and resumes a followed task', async () => {
    const { dir, fleet } = fleetWith({ 'big.csv': mixedCsv() });
    await clashWith('bulk-0007');
    const tasks = () => calls('StartThingRegistrationTask').length;
    const tasksBefore = tasks();
    // Ctrl-C while the task runs: it keeps running in AWS IoT; the state file remembers it.
    const stop = new AbortController();
    stop.abort();
    const first = await fleet(['onboard', 'big.csv', '--create-types', ...bulk], { signal: stop.signal });
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toContain('the registration task keeps running');
    expect(tasks() - tasksBefore).toBe(1);
    const [stateFile] = readdirSync(path.join(dir, '.fleet-onboard'));
    const state = JSON.parse(readFileSync(path.join(dir, '.fleet-onboard', stateFile ?? ''), 'utf8'));
    expect(Object.values(state.bulkTasks)).toHaveLength(1);

    const second = await fleet(['onboard', 'big.csv', ...bulk, '--json']);
    expect(second.stderr).toContain('following registration task');
    // The first batch again (followed, not restarted), then the second shape's batch.
    expect(tasks() - tasksBefore).toBe(2);
    const summary = JSON.parse(second.stdout);
    expect(summary).toMatchObject({ mode: 'bulk', things: 250, createdNow: 249, remaining: 0, failed: [] });
    expect(summary.conflicts).toEqual([expect.objectContaining({ thingName: 'bulk-0007', line: 9 })]);
    expect(second.code).toBe(4);
    expect(stack.services.iot.state.things.get('bulk-0239')?.attributes).toEqual({
      region: 'eu-west-1',
      site: 'plant-7',
      model: 'TH200',
    });
    expect(stack.services.iot.state.things.get('plain-3')?.attributes).toEqual({ region: 'eu-west-1' });
    expect(stack.services.iot.state.things.get('plain-3')?.thingTypeName).toBeUndefined();
    // Nothing went through paced CreateThing calls but the test's own.
    expect(calls('CreateThing', ['bulk-', 'plain-'])).toHaveLength(1);
    const again = await fleet(['onboard', 'big.csv', ...bulk]);
    expect(again.stdout).toMatch(/250\s+249\s+0\s+1\s+0\s+0\s*$/m);
    expect(tasks() - tasksBefore).toBe(2);
  });

  it('reports the conflict in the CSV validation format, on stderr', async () => {
    const { fleet } = fleetWith({ 'clashing.csv': thingsCsv('clashing', 12) });
    await clashWith('clashing-0007');
    const run = await fleet(['onboard', 'clashing.csv', '--create-types', ...bulk]);
    expect(run.stderr).toContain('conflict line 9: clashing-0007');
  });

  it('needs the bucket and the role', async () => {
    const { fleet } = fleetWith({ 'later.csv': thingsCsv('later', 40, 'plant-1') });
    const run = await fleet(['onboard', 'later.csv', '--bulk', '--create-types']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('FLEET_BULK_BUCKET');
  });
});

describe('fleet things search and audit --query', () => {
  it('searches the fleet index: groups, connectivity, paging', async () => {
    await onboarded('found', 160);
    stack.services.iot.devices.connect('found-0001');
    const { fleet } = fleetWith({});
    const run = await fleet([
      'things',
      'search',
      'thingName:found-000* AND connectivity.connected:true',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const things = JSON.parse(run.stdout);
    expect(things).toHaveLength(1);
    expect(things[0]).toMatchObject({
      thingName: 'found-0001',
      thingTypeName: 'sensor',
      connectivity: { connected: true },
      thingGroupNames: expect.arrayContaining(['site-eu-west-1-plant-7']),
    });
    const some = await fleet(['things', 'search', 'thingName:found-*', '--limit', '150']);
    expect(some.stdout.trim().split('\n')).toHaveLength(151);
    expect(some.stderr).toContain('150 thing(s) (more match');
    const bad = await fleet(['things', 'search', 'thingName:(found']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid fleet indexing query');
  });

  it('scopes an audit query to the things a search matches, and refuses one that matches too many', async () => {
    await onboarded('scoped', 110);
    const { fleet } = fleetWith({});
    const run = await fleet(['audit', '--query', 'thingName:scoped-001?', '--format', 'jsonl']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('--query matched 10 thing(s)');
    const subjects = new Set(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).subjectId),
    );
    expect([...subjects].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `scoped-001${i}`));
    const many = await fleet(['audit', '--query', 'thingName:scoped-*']);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain('matches more than 100 things');
  });
});
