import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { effectsOfIotCalls, verifyAuditTrail } from '../../shared/domain/audit-query/verify';
import { type CliRun, cliRunner, thingsCsv, workDir } from './harness';

// `fleet onboard`, `fleet groups preview` and `fleet audit` against one local stack.
let stack: LocalStack;
let fleet: (argv: string[]) => Promise<CliRun>;
let dir: string;
const createCalls = () => stack.services.iot.calls.filter((c) => c.operation === 'CreateThing');

const BAD = [
  'thingName,thingType,attr.region,attr.site',
  'ok-1,sensor,eu-west-1,plant-7',
  'bad name!,sensor,eu-west-1,plant-7',
  'ok-2,sensor,EU West 1,plant-7',
  'ok-3,sensor,eu-west-1',
  'ok-1,sensor,eu-west-1,plant-8',
  '"ok-4,sensor,eu-west-1,plant-7',
].join('\n');

beforeAll(async () => {
  stack = await startLocalStack({ seed: 11, speed: 50 });
  await stack.deployCustomResources();
  dir = workDir({
    'bad.csv': BAD,
    'good.csv': thingsCsv('pump', 30),
    'clash.csv': thingsCsv('clash', 2),
    'moved.csv': thingsCsv('pump', 2, 'plant-8'),
    'rules-bad.yml':
      'version: 1\nrules:\n  - name: a\n    group: "x-{site}"\n  - name: a\n    group: "y-{site}"\n',
  });
  fleet = cliRunner(stack, dir);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('fleet onboard', () => {
  it('lists every bad line, exits 2 and creates nothing', async () => {
    const run = await fleet(['onboard', 'bad.csv', '--create-types']);
    expect(run.code).toBe(2);
    for (const l of [3, 4, 5, 6, 7]) expect(run.stderr).toContain(`line ${l}:`);
    expect(run.stderr).toContain('thingName "bad name!"');
    expect(run.stderr).toContain('attr.region "EU West 1"');
    expect(run.stderr).toContain('repeats line 2');
    expect(run.stderr).toContain('nothing was written');
    expect(createCalls()).toHaveLength(0);
    expect(stack.services.iot.state.things.size).toBe(0);
  });

  it('refuses unknown thing types unless asked to create them', async () => {
    const run = await fleet(['onboard', 'good.csv']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('thing type(s) do not exist: sensor');
    expect(createCalls()).toHaveLength(0);
  });

  it('stops after --limit, then resumes without creating anything twice', async () => {
    const first = await fleet(['onboard', 'good.csv', '--create-types', '--limit', '12', '--rate', '500']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('18 thing(s) not created yet');
    expect(createCalls()).toHaveLength(12);
    const [stateFile] = readdirSync(path.join(dir, '.fleet-onboard'));
    const state = JSON.parse(readFileSync(path.join(dir, '.fleet-onboard', stateFile ?? ''), 'utf8'));
    expect(state.done).toHaveLength(12);

    const second = await fleet(['onboard', 'good.csv', '--rate', '500', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary).toMatchObject({ things: 30, doneEarlier: 12, createdNow: 18, remaining: 0, failed: [] });
    const names = createCalls().map((c) => String(c.input.thingName));
    expect(names).toHaveLength(30);
    expect(new Set(names).size).toBe(30);
    expect((await fleet(['onboard', 'good.csv'])).stdout).toMatch(/30\s+0\s+0\s+0\s+0\s*$/m);
    expect(createCalls()).toHaveLength(30);
  });

  it('reports a thing that exists with another configuration as a conflict (exit 4)', async () => {
    const iot = new IoTClient(stack.clientConfig('iot'));
    await iot.send(
      new CreateThingCommand({ thingName: 'clash-0001', attributePayload: { attributes: { site: 'x' } } }),
    );
    const run = await fleet(['onboard', 'clash.csv']);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('conflict line 3: clash-0001');
    expect(stack.services.iot.state.things.get('clash-0000')).toBeDefined();
  });
});

describe('fleet groups preview', () => {
  it('shows joins and leaves for moved things, and changes nothing', async () => {
    await stack.runUntilIdle();
    expect(stack.services.iot.state.things.get('pump-0001')?.groups).toContain('site-eu-west-1-plant-7');
    const before = stack.services.iot.calls.length;
    const run = await fleet(['groups', 'preview', '--things', 'moved.csv', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const preview = JSON.parse(run.stdout);
    expect(preview.things[0]).toMatchObject({
      thingName: 'pump-0000',
      exists: true,
      join: ['site-eu-west-1-plant-8'],
      leave: ['site-eu-west-1-plant-7'],
    });
    expect(stack.services.iot.calls.length).toBe(before);
    const table = await fleet(['groups', 'preview', '--things', 'good.csv', '--offline']);
    expect(table.stdout).toMatch(/pump-0003\s+\?\s+site-eu-west-1-plant-7 model-th200/);
  });

  it('names the rule problems of a bad rules file (exit 2)', async () => {
    const run = await fleet([
      'groups',
      'preview',
      '--things',
      'good.csv',
      '--rules',
      'rules-bad.yml',
      '--offline',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('rule "a" is defined twice');
  });
});

describe('fleet audit', () => {
  it('queries a thing as a table, JSON lines and CSV; unknown subjects exit 3', async () => {
    const table = await fleet(['audit', '--thing', 'pump-0001']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(
      /THING#pump-0001\s+thing\.groups\.assigned\s+applied\s+function:assign-groups/,
    );
    const jsonl = (await fleet(['audit', '--thing', 'pump-0001', '--format', 'jsonl'])).stdout
      .trim()
      .split('\n');
    expect(JSON.parse(jsonl[0] ?? '{}').details.added).toContain('site-eu-west-1-plant-7');
    const csv = (await fleet(['audit', '--thing', 'pump-0001', '--format', 'csv'])).stdout.trim().split('\n');
    expect(csv[0]).toBe('time,id,subjectType,subjectId,action,outcome,actor,causeType,causeId,details');
    expect(csv).toHaveLength(2);
    expect((await fleet(['audit', '--thing', 'nobody'])).code).toBe(3);
    expect((await fleet(['audit', '--thing', 'a', '--rollout', 'b'])).code).toBe(2);
  });

  it('pages through an actor and a time range (byActor, byDay) with --limit', async () => {
    const byActor = await fleet(['audit', '--actor', 'function:assign-groups', '--format', 'jsonl']);
    expect(byActor.stdout.trim().split('\n')).toHaveLength(32);
    const limited = await fleet([
      'audit',
      '--actor',
      'function:assign-groups',
      '--format',
      'jsonl',
      '--limit',
      '5',
    ]);
    expect(limited.stdout.trim().split('\n')).toHaveLength(5);
    const day = new Date(stack.clock.now()).toISOString().slice(0, 10);
    const range = await fleet([
      'audit',
      '--from',
      `${day}T00:00:00Z`,
      '--to',
      new Date(stack.clock.now() + 1000).toISOString(),
      '--format',
      'jsonl',
    ]);
    expect(range.stdout.trim().split('\n')).toHaveLength(32);
  });

  it('verifies: every IoT membership call has its record and every record its call', async () => {
    const day = new Date(stack.clock.now()).toISOString().slice(0, 10);
    const all = await fleet([
      'audit',
      '--from',
      `${day}T00:00:00Z`,
      '--to',
      `${day}T23:59:59Z`,
      '--format',
      'jsonl',
    ]);
    const records = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const result = verifyAuditTrail(
      effectsOfIotCalls(stack.services.iot.calls),
      records.map((r) => ({
        pk: `THING#${r.subjectId}`,
        action: r.action,
        outcome: r.outcome,
        details: r.details,
      })),
    );
    expect(result.unaudited).toEqual([]);
    expect(result.unperformed).toEqual([]);
    expect(result.checked.effects).toBeGreaterThan(60);
    const cli = await fleet(['audit', 'verify', '--actor', 'function:assign-groups', '--json']);
    expect(cli.code, cli.stdout).toBe(0);
    expect(JSON.parse(cli.stdout).checks.length).toBe(32);
  });
});
