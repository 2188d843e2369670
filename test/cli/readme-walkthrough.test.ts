import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { parseCliArgs } from '../../local/cli-args';
import { loadScenario } from '../../local/scenario/load';
import { Progress } from '../../local/scenario/progress';
import { ScenarioRun } from '../../local/scenario/runner';
import { LOCAL_CREDENTIALS, type LocalStack, startLocalStack } from '../../local/stack';
import { awsCliToSdk, codeBlockAfter, type ShellCommand, shellCommands } from './readme-commands';

// README.md's "Walkthrough on the local stack", command by command as written, on one local stack,
// played once for the file (beforeAll). Between commands it lets virtual time pass the way the reader
// waits (for an approval to be asked, for the rollout to finish); each test then checks one thing the
// README's text says happened.
const COMMANDS = shellCommands(codeBlockAfter('README.md', '### Walkthrough on the local stack'));
const MINUTE = 60_000;

type Ran = { command: ShellCommand; argv: string[]; code: number; stdout: string; stderr: string };
const ran: Ran[] = [];
let stack: LocalStack | undefined;
let work = '';
let rolloutId = '';
let tunnelId = '';

afterAll(async () => {
  await stack?.close();
});

/** `npm start -- --serve ...` as local/main.ts runs it: the scenario played to its end, then serving. */
async function serveScenario(argv: string[]): Promise<LocalStack> {
  const options = parseCliArgs(argv.slice(argv.indexOf('--') + 1));
  expect(options.serve, 'the walkthrough serves the stack').toBe(true);
  const scenario = loadScenario(options.scenario);
  if (options.seed !== undefined) scenario.seed = options.seed;
  const started = await startLocalStack({
    seed: scenario.seed,
    faults: scenario.faults,
    delivery: {
      duplicateRate: scenario.delivery.duplicateRate,
      reorderWindowMs: scenario.delivery.reorderWindowSeconds * 1000,
    },
    functionEnv: { AWS_RETRY_MODE: 'standard' },
  });
  await started.deployCustomResources();
  const progress = new Progress(
    started.clock.now(),
    () => started.clock.now(),
    () => undefined,
  );
  const run = new ScenarioRun(started, scenario, progress, path.dirname(path.resolve(options.scenario)));
  run.schedule();
  await started.runUntilIdle(
    scenario.runFor === undefined ? {} : { until: run.lastStepAt + scenario.runFor },
  );
  expect(run.errors).toEqual([]);
  run.stop({ keepFleet: true });
  return started;
}

/** `npx fleet ...` in this process, with the variables `npm start -- --serve` prints, plus the line's own. */
async function fleet(argv: string[], env: Record<string, string> = {}) {
  if (!stack) throw new Error('the walkthrough starts the stack first');
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {
      ...stack.env,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      FLEET_API_URL: stack.endpoints.api ?? '',
      ...env,
    },
    cwd: work,
    root: process.cwd(),
  });
  return { code, stdout, stderr };
}

const status = async () =>
  JSON.parse((await fleet(['--local', 'rollout', 'status', rolloutId, '--json'])).stdout);
const pendingApproval = async () =>
  (await status()).stages.some((s: { approvals: { status: string }[] }) =>
    s.approvals.some((a) => a.status === 'PENDING'),
  );
const openTunnels = async () => JSON.parse((await fleet(['--local', 'tunnel', 'list', '--json'])).stdout);

/** Lets virtual time pass in 5-minute steps until `done` (at most two virtual days). */
async function waitFor(what: string, done: () => Promise<boolean>) {
  const s = stack as LocalStack;
  const limit = s.clock.now() + 48 * 60 * MINUTE;
  while (!(await done())) {
    if (s.clock.now() > limit) throw new Error(`waited two virtual days for ${what}`);
    await s.runUntilIdle({ until: s.clock.now() + 5 * MINUTE });
  }
}

/** What the reader waits for before a command: an approval to approve, the end of the session to export. */
async function waitBefore(fleetArgv: string[]) {
  const s = stack as LocalStack;
  const [command, sub] = fleetArgv.filter((a) => !a.startsWith('--'));
  if (command === 'rollout' && sub === 'approve') return waitFor('an approval request', pendingApproval);
  if (command === 'rollout' && sub === 'start')
    return waitFor('every thing to be grouped', async () =>
      [...s.services.iot.state.things.values()].every((t) => t.groups.length > 0),
    );
  if (command === 'audit')
    return waitFor('the rollout to finish and the tunnel to close', async () => {
      const done = ['COMPLETED', 'HALTED', 'FAILED', 'ABORTED'].includes((await status()).status);
      return done && (await openTunnels()).length === 0;
    });
  await s.runUntilIdle({ until: s.clock.now() + MINUTE });
}

function placeholders(word: string): string {
  return word.replace(/<([a-z-]+)>/g, (_, name: string) => {
    const value = name === 'id' ? rolloutId : name === 'tunnel-id' ? tunnelId : undefined;
    if (!value) throw new Error(`<${name}> is not known at this point of the walkthrough`);
    return value;
  });
}

/** Plays the block as the reader would, stopping at the first `fleet` command that exits non-zero. */
async function walkThrough(): Promise<void> {
  work = mkdtempSync(path.join(tmpdir(), 'walkthrough-'));
  cpSync('examples', path.join(work, 'examples'), { recursive: true });
  for (const command of COMMANDS) {
    const [program, ...args] = command.argv;
    if (program === 'npm') {
      stack = await serveScenario(command.argv);
      continue;
    }
    if (program === 'aws') {
      // The reader pastes it a few seconds after the previous command (virtual time stands still
      // between commands otherwise, and an alarm's event time has whole seconds).
      await (stack as LocalStack).runUntilIdle({ until: (stack as LocalStack).clock.now() + 5_000 });
      const cw = new CloudWatchClient((stack as LocalStack).clientConfig('cloudWatch'));
      await cw.send(awsCliToSdk(command.argv) as never);
      await (stack as LocalStack).runUntilIdle({ until: (stack as LocalStack).clock.now() + 2 * MINUTE });
      continue;
    }
    expect([program, args[0]], command.text).toEqual(['npx', 'fleet']);
    await waitBefore(args.slice(1));
    if (args.includes('<tunnel-id>')) tunnelId = (await openTunnels())[0]?.tunnelId ?? '';
    const argv = args.slice(1).map(placeholders);
    const result = await fleet(argv, command.env);
    ran.push({ command, argv, ...result });
    if (result.code !== 0) return;
    if (command.stdoutTo) writeFileSync(path.join(work, command.stdoutTo), result.stdout);
    const started = /^started: (\S+) /m.exec(result.stdout);
    if (started?.[1]) rolloutId = started[1];
  }
}

beforeAll(walkThrough, 600_000);

describe('README walkthrough', () => {
  it('runs every command of the block as written, each exiting 0', () => {
    expect(COMMANDS[0]?.argv.slice(0, 2)).toEqual(['npm', 'start']);
    const fleetCommands = COMMANDS.filter((c) => c.argv[0] === 'npx').map((c) => c.text);
    for (const r of ran) expect(r.code, `${r.command.text}\n${r.stderr}`).toBe(0);
    expect(ran.map((r) => r.command.text)).toEqual(fleetCommands);
    expect(rolloutId).toMatch(/^firmware-2-4-[0-9a-f]{8}$/);
  });

  const output = (pattern: RegExp) => {
    const r = ran.find((x) => pattern.test(x.command.text));
    if (!r) throw new Error(`no command matching ${pattern}`);
    return r;
  };

  it('onboards the 7 things of the CSV', () => {
    expect(output(/onboard examples\/things\.csv/).stdout).toMatch(/^7\s+0\s+7\s+0\s+0\s+0$/m);
  });

  it('previews the three stages with their groups, all found', () => {
    const preview = output(/--dry-run/).stdout;
    // The numbers README.md quotes.
    expect(preview).toMatch(/0\s+canary\s+ring-canary\s+3\s+3\s/);
    expect(preview).toMatch(/1\s+early\s+ring-early, site-eu-west-1-plant-7\s+46\s+46\s/);
    expect(preview).toMatch(/2\s+fleet\s+sites\s+207\s+158\s/);
    expect(preview).not.toContain('MISSING');
  });

  it('asks about the canary (3 things < minFinished 5) and early (46 things cannot show a rate below 5 %) as inconclusive; both by bob', async () => {
    const view = await status();
    expect(view.status).toBe('COMPLETED');
    const [canary, early, last] = view.stages;
    expect(canary.counts.targets).toBe(3);
    expect(canary.approvals).toMatchObject([
      { kind: 'inconclusive', status: 'APPROVED', decidedBy: 'arn:aws:iam::000000000000:user/bob' },
    ]);
    expect(early.approvals).toMatchObject([
      { kind: 'inconclusive', status: 'APPROVED', decidedBy: 'arn:aws:iam::000000000000:user/bob' },
    ]);
    expect(last.approvals).toEqual([]);
    expect(view.stages.map((s: { gate: { decision: string } }) => s.gate.decision)).toEqual([
      'INCONCLUSIVE_AT_DEADLINE',
      'INCONCLUSIVE_AT_DEADLINE',
      'PROMOTE',
    ]);
  });

  it('sends the jobs to the CSV things too, and their virtual devices answer', () => {
    const early = (stack as LocalStack).services.iot.state.jobs.get(`${rolloutId}-s1`);
    for (const thing of ['pump-0001', 'pump-0002', 'pump-0003', 'gw-0001'])
      expect(early?.executions.get(thing)?.status, thing).toBe('SUCCEEDED');
  });

  it('opens a tunnel on the alarm, prints its token once, and closes it on recovery', () => {
    expect(tunnelId).not.toBe('');
    const list = output(/tunnel list &&/).stdout;
    expect(list).toMatch(new RegExp(`${tunnelId}\\s+sensor-00003\\s+fleet-tunnel-sensor-00003`));
    const token = ran.find((r) => r.argv.includes('token'));
    expect((stack as LocalStack).services.tunnels.issuedTokens()).toContain(token?.stdout.trim());
    expect(output(/tunnel list\s+#/).stderr).toContain('no open tunnels');
  });

  it('exports an audit.csv that holds what the text says', () => {
    const csv = readFileSync(path.join(work, 'audit.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('time,id,subjectType,subjectId,action,outcome,actor,causeType,causeId,details');
    const rows = csv.slice(1).map((l) => l.split(','));
    const of = (subject: string) => rows.filter((r) => r[3] === subject).map((r) => r[4]);
    const grouped = new Set(rows.filter((r) => r[4] === 'thing.groups.assigned').map((r) => r[3]));
    for (const thing of ['pump-0001', 'valve-0002', 'meter-0001', 'sensor-00003'])
      expect(grouped).toContain(thing);
    const count = (list: (string | undefined)[], action: string) => list.filter((a) => a === action).length;
    const rollout = of(rolloutId);
    expect(count(rollout, 'rollout.created')).toBe(1);
    expect(rows.find((r) => r[3] === rolloutId && r[4] === 'rollout.created')?.[6]).toBe(
      'arn:aws:iam::000000000000:user/local',
    );
    expect(count(rollout, 'rollout.stage.started')).toBe(3);
    expect(count(rollout, 'rollout.stage.promoted')).toBe(3);
    expect(count(rollout, 'rollout.approval.requested')).toBe(2);
    expect(count(rollout, 'rollout.approval.decided')).toBe(2);
    expect(count(rollout, 'rollout.completed')).toBe(1);
    expect(
      rows.filter((r) => r[4] === 'rollout.approval.decided' && r[3] === rolloutId).map((r) => r[6]),
    ).toEqual(['arn:aws:iam::000000000000:user/bob', 'arn:aws:iam::000000000000:user/bob']);
    expect(of('sensor-00003').filter((a) => a?.startsWith('tunnel.'))).toEqual([
      'tunnel.enrolment.created',
      'tunnel.opened',
      'tunnel.token.issued',
      'tunnel.closed',
    ]);
  });
});
