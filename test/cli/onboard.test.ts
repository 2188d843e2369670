import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateThingCommand, CreateThingTypeCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { effectsOfIotCalls, verifyAuditTrail } from '../../shared/domain/audit-query/verify';
import { cliRunner, thingsCsv, workDir } from './harness';

// `fleet onboard`, `fleet groups preview` and `fleet audit` against one local stack. Each test has its
// own work directory (the onboarding state file lives there) and its own things, named by a prefix.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ seed: 11, speed: 50 });
  await stack.deployCustomResources();
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

/** `fleet` in a new work directory holding `files`. */
const fleetWith = (files: Record<string, string>) => {
  const dir = workDir(files);
  return { dir, fleet: cliRunner(stack, dir) };
};
const createCalls = (prefix: string) =>
  stack.services.iot.calls.filter(
    (c) => c.operation === 'CreateThing' && String(c.input.thingName).startsWith(prefix),
  );
const iso = (ms: number) => new Date(ms).toISOString();

/** Lets earlier work finish and a second pass, so what happens from the time answered is a test's own. */
async function quiet(): Promise<number> {
  await stack.runUntilIdle();
  await stack.runUntilIdle({ until: stack.clock.now() + 1000 });
  return stack.clock.now();
}

/** Onboards `n` things `<prefix>-0000`... at plant-7 (creating their type) and lets the stack group them. */
async function onboarded(prefix: string, n: number): Promise<void> {
  const { fleet } = fleetWith({ 'things.csv': thingsCsv(prefix, n) });
  const run = await fleet(['onboard', 'things.csv', '--create-types', '--rate', '500']);
  expect(run.code, run.stderr).toBe(0);
  await stack.runUntilIdle();
}

describe('fleet onboard', () => {
  it('lists every bad line, exits 2 and creates nothing', async () => {
    const { fleet } = fleetWith({
      'bad.csv': [
        'thingName,thingType,attr.region,attr.site',
        'ok-1,sensor,eu-west-1,plant-7',
        'bad name!,sensor,eu-west-1,plant-7',
        'ok-2,sensor,EU West 1,plant-7',
        'ok-3,sensor,eu-west-1',
        'ok-1,sensor,eu-west-1,plant-8',
        '"ok-4,sensor,eu-west-1,plant-7',
      ].join('\n'),
    });
    const run = await fleet(['onboard', 'bad.csv', '--create-types']);
    expect(run.code).toBe(2);
    for (const l of [3, 4, 5, 6, 7]) expect(run.stderr).toContain(`line ${l}:`);
    expect(run.stderr).toContain('thingName "bad name!"');
    expect(run.stderr).toContain('attr.region "EU West 1"');
    expect(run.stderr).toContain('repeats line 2');
    expect(run.stderr).toContain('nothing was written');
    expect(createCalls('ok-')).toHaveLength(0);
    expect(createCalls('bad name')).toHaveLength(0);
    expect([...stack.services.iot.state.things.keys()].filter((t) => t.startsWith('ok-'))).toEqual([]);
  });

  it('refuses unknown thing types unless asked to create them', async () => {
    const { fleet } = fleetWith({ 'gauges.csv': thingsCsv('gauge', 3, 'plant-7', 'eu-west-1', 'gauge') });
    const run = await fleet(['onboard', 'gauges.csv']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('thing type(s) do not exist: gauge');
    expect(createCalls('gauge-')).toHaveLength(0);
  });

  it('stops after --limit, then resumes without creating anything twice', async () => {
    const { dir, fleet } = fleetWith({ 'good.csv': thingsCsv('pump', 30) });
    const first = await fleet(['onboard', 'good.csv', '--create-types', '--limit', '12', '--rate', '500']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('18 thing(s) not created yet');
    expect(createCalls('pump-')).toHaveLength(12);
    const [stateFile] = readdirSync(path.join(dir, '.fleet-onboard'));
    const state = JSON.parse(readFileSync(path.join(dir, '.fleet-onboard', stateFile ?? ''), 'utf8'));
    expect(state.done).toHaveLength(12);

    const second = await fleet(['onboard', 'good.csv', '--rate', '500', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary).toMatchObject({ things: 30, doneEarlier: 12, createdNow: 18, remaining: 0, failed: [] });
    const names = createCalls('pump-').map((c) => String(c.input.thingName));
    expect(names).toHaveLength(30);
    expect(new Set(names).size).toBe(30);
    expect((await fleet(['onboard', 'good.csv'])).stdout).toMatch(/30\s+0\s+0\s+0\s+0\s*$/m);
    expect(createCalls('pump-')).toHaveLength(30);
  });

  it('reports a thing that exists with another configuration as a conflict (exit 4)', async () => {
    const { fleet } = fleetWith({ 'clash.csv': thingsCsv('clash', 2, 'plant-7', 'eu-west-1', 'valve') });
    const iot = new IoTClient(stack.clientConfig('iot'));
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'valve' }));
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
    await onboarded('moved', 2);
    expect(stack.services.iot.state.things.get('moved-0001')?.groups).toContain('site-eu-west-1-plant-7');
    const { fleet } = fleetWith({
      'moved.csv': thingsCsv('moved', 2, 'plant-8'),
      'new.csv': thingsCsv('unseen', 4),
    });
    const before = stack.services.iot.calls.length;
    const run = await fleet(['groups', 'preview', '--things', 'moved.csv', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const preview = JSON.parse(run.stdout);
    expect(preview.things[0]).toMatchObject({
      thingName: 'moved-0000',
      exists: true,
      join: ['site-eu-west-1-plant-8'],
      leave: ['site-eu-west-1-plant-7'],
    });
    expect(stack.services.iot.calls.length).toBe(before);
    const table = await fleet(['groups', 'preview', '--things', 'new.csv', '--offline']);
    expect(table.stdout).toMatch(/unseen-0003\s+\?\s+site-eu-west-1-plant-7 model-th200/);
  });

  it('names the rule problems of a bad rules file (exit 2)', async () => {
    const { fleet } = fleetWith({
      'good.csv': thingsCsv('ruled', 3),
      'rules-bad.yml':
        'version: 1\nrules:\n  - name: a\n    group: "x-{site}"\n  - name: a\n    group: "y-{site}"\n',
    });
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
    await onboarded('audited', 2);
    const { fleet } = fleetWith({});
    const table = await fleet(['audit', '--thing', 'audited-0001']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(
      /THING#audited-0001\s+thing\.groups\.assigned\s+applied\s+function:assign-groups/,
    );
    const jsonl = (await fleet(['audit', '--thing', 'audited-0001', '--format', 'jsonl'])).stdout
      .trim()
      .split('\n');
    expect(JSON.parse(jsonl[0] ?? '{}').details.added).toContain('site-eu-west-1-plant-7');
    const csv = (await fleet(['audit', '--thing', 'audited-0001', '--format', 'csv'])).stdout
      .trim()
      .split('\n');
    expect(csv[0]).toBe('time,id,subjectType,subjectId,action,outcome,actor,causeType,causeId,details');
    expect(csv).toHaveLength(2);
    expect((await fleet(['audit', '--thing', 'nobody'])).code).toBe(3);
    expect((await fleet(['audit', '--thing', 'a', '--rollout', 'b'])).code).toBe(2);
  });

  it('pages through an actor and a time range (byActor, byDay) with --limit', async () => {
    const from = iso(await quiet());
    await onboarded('paged', 12);
    const to = iso(stack.clock.now() + 1000);
    const { fleet } = fleetWith({});
    const actor = ['audit', '--actor', 'function:assign-groups', '--from', from, '--to', to];
    const byActor = await fleet([...actor, '--format', 'jsonl']);
    expect(byActor.stdout.trim().split('\n')).toHaveLength(12);
    const limited = await fleet([...actor, '--format', 'jsonl', '--limit', '5']);
    expect(limited.stdout.trim().split('\n')).toHaveLength(5);
    const range = await fleet(['audit', '--from', from, '--to', to, '--format', 'jsonl']);
    expect(range.stdout.trim().split('\n')).toHaveLength(12);
  });

  it('verifies: every IoT membership call has its record and every record its call', async () => {
    const since = await quiet();
    await onboarded('verified', 31);
    const to = iso(stack.clock.now() + 1000);
    const { fleet } = fleetWith({});
    const all = await fleet(['audit', '--from', iso(since), '--to', to, '--format', 'jsonl']);
    const records = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const result = verifyAuditTrail(
      effectsOfIotCalls(stack.services.iot.calls.filter((c) => c.at >= since)),
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
    const cli = await fleet([
      'audit',
      'verify',
      '--actor',
      'function:assign-groups',
      '--from',
      iso(since),
      '--to',
      to,
      '--json',
    ]);
    expect(cli.code, cli.stdout).toBe(0);
    expect(JSON.parse(cli.stdout).checks.length).toBe(31);
  });
});
