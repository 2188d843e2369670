import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { cliRunner, thingsCsv, workDir } from './harness';

// The exit codes docs/cli.md promises, each with its `error:` line, for the cases that used to differ.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ seed: 31, speed: 50 });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('exit codes', () => {
  it('an interrupted onboarding exits 130, keeps its progress, and a rerun finishes the rest', async () => {
    const fleet = cliRunner(stack, workDir({ 'many.csv': thingsCsv('slow', 40) }));
    const slow = () =>
      [...stack.services.iot.state.things.keys()].filter((t) => t.startsWith('slow-')).length;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const first = await fleet(['onboard', 'many.csv', '--create-types', '--rate', '20'], {
      signal: controller.signal,
    });
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toMatch(/interrupted: progress saved in .*\.fleet-onboard/);
    const created = slow();
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThan(40);
    const rest = await fleet(['onboard', 'many.csv', '--rate', '500', '--json']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ doneEarlier: created, remaining: 0 });
    expect(slow()).toBe(40);
  });

  it('an audit subject with no records exits 3 with an error line and a hint', async () => {
    const fleet = cliRunner(stack, workDir({}));
    const run = await fleet(['audit', '--thing', 'no-such-thing']);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: no audit records for thing no-such-thing\nhint: /);
  });
});
