import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { auditQuery } from './commands/audit';
import { auditVerify } from './commands/audit-verify';
import { groupsPreview } from './commands/groups';
import { BULK_THRESHOLD, onboard } from './commands/onboard';
import { ROLLOUT_ACTIONS, rolloutAction, rolloutList, rolloutStatus } from './commands/rollout';
import { rolloutResume } from './commands/rollout-resume';
import { rolloutStart } from './commands/rollout-start';
import { thingsSearch } from './commands/things';
import { tunnelClose, tunnelList, tunnelToken } from './commands/tunnel';
import { tunnelEnrol, tunnelEnrolments, tunnelUnenrol } from './commands/tunnel-enrol';
import { CliError, EXIT, type Io, line } from './io';
import { neutralise, oneLine } from './terminal-text';

const int = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
  return n;
};

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.01 || n > 300)
    throw new InvalidArgumentError('expected seconds, 0.01 to 300');
  return n;
};

const EXIT_HELP = `
Exit codes: 0 ok, 1 runtime failure, 2 usage or validation error, 3 not found, 4 conflict or refused,
130 interrupted (Ctrl-C).
Targets: --local (the stack \`npm start -- --serve\` runs) or a deployed stage (AWS credentials and region
from the usual places; FLEET_API_URL, FLEET_AUDIT_TABLE, FLEET_STATE_TABLE). Docs: docs/cli.md`;

/** Builds the command tree; each action stores its exit code in `result.code`. */
function program(io: Io, result: { code: number }) {
  const root = new Command('fleet')
    .description('Fleet Autopilot operator CLI: onboarding, grouping preview, rollouts, tunnels, audit')
    .option('--local', 'target the local stack (its AWS_ENDPOINT_URL_* and FLEET_API_URL variables)')
    .option('--stage <name>', 'deployed stage (names resources in hints)')
    .option('--region <region>', 'AWS region (default: AWS_REGION / your AWS config)')
    .option('--api-url <url>', 'operator HTTP API base URL (default: FLEET_API_URL)')
    .option('--audit-table <name>', 'audit table name (default: FLEET_AUDIT_TABLE; AuditTable locally)')
    .option('--state-table <name>', 'state table name (default: FLEET_STATE_TABLE; StateTable locally)')
    .option('--json', 'machine-readable output on stdout')
    .addHelpText('after', EXIT_HELP)
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(neutralise(s)),
      writeErr: (s) => io.stderr.write(neutralise(s)),
    });
  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      result.code = await fn(...args);
    };
  const opts = (cmd: Command) => cmd.optsWithGlobals();
  const inherit = (cmd: Command) =>
    cmd.exitOverride().configureOutput({
      writeOut: (s) => io.stdout.write(neutralise(s)),
      writeErr: (s) => io.stderr.write(neutralise(s)),
    });

  inherit(root.command('onboard'))
    .description('register the things of a factory CSV (validated first; paced; resumable)')
    .argument('<csv>', 'header thingName,thingType,attr.<key>... (see docs/cli.md)')
    .option('--rate <n>', 'CreateThing calls per second (IoT quota: 100)', int(1), 50)
    .option('--concurrency <n>', 'calls in flight at most', int(1), 16)
    .option('--limit <n>', 'create at most n things this run (resume later)', int(0))
    .option('--create-types', 'create missing thing types instead of refusing')
    .option('--dry-run', 'validate only')
    .option(
      '--bulk',
      'register through an AWS IoT bulk registration task (S3 input file) instead of paced calls',
    )
    .option('--bulk-threshold <n>', 'use --bulk by itself above n things to create', int(1), BULK_THRESHOLD)
    .option('--bucket <name>', '--bulk: the input bucket (default: FLEET_BULK_BUCKET)')
    .option('--role-arn <arn>', '--bulk: the role AWS IoT assumes (default: FLEET_BULK_ROLE_ARN)')
    .option('--poll-seconds <s>', '--bulk: how often to read the task', seconds, 5)
    .addHelpText(
      'after',
      '\nExamples: fleet onboard examples/things.csv --rate 50\n          fleet onboard factory-batch.csv --bulk',
    )
    .action(run((file: string, _o: unknown, cmd: Command) => onboard(file, opts(cmd) as never, io)));

  const groups = inherit(root.command('groups')).description('thing groups and the grouping rules');
  inherit(groups.command('preview'))
    .description(
      'dry run of the grouping rules over a CSV: joins, leaves, limit violations, continuous jobs reached',
    )
    .requiredOption('--things <csv>', 'the things CSV')
    .option('--rules <file>', 'grouping rules (default: config/grouping-rules.yml)')
    .option('--offline', 'do not read current memberships or jobs from AWS')
    .addHelpText('after', '\nExample: fleet groups preview --things examples/things.csv --local')
    .action(run((_o: unknown, cmd: Command) => groupsPreview(opts(cmd) as never, io)));

  const rollout = inherit(root.command('rollout')).description('staged rollouts (operator API)');
  inherit(rollout.command('start'))
    .description(
      'validate a plan (YAML/JSON), check it against the account (target groups, things per stage, document), start it',
    )
    .argument('<plan>', 'plan file, e.g. examples/plans/firmware-2.4.yml')
    .option('--dry-run', 'print the preview only; start nothing (exit 3 if a target group is missing)')
    .addHelpText(
      'after',
      '\nExit codes: 2 invalid plan (every problem listed), 3 a target group does not exist (each named).',
    )
    .action(run((file: string, _o: unknown, cmd: Command) => rolloutStart(file, opts(cmd), io)));
  inherit(rollout.command('list'))
    .description('rollouts, newest first')
    .action(run((_o: unknown, cmd: Command) => rolloutList(opts(cmd), io)));
  inherit(rollout.command('status'))
    .description('each stage: job, counts, failure rate, gate bounds and decision, approvals')
    .argument('<id>')
    .action(run((id: string, _o: unknown, cmd: Command) => rolloutStatus(id, opts(cmd), io)));
  for (const action of ROLLOUT_ACTIONS) {
    const command = inherit(rollout.command(action))
      .description(
        action === 'complete'
          ? 'complete a rollout whose last, continuous stage is watched: its job is cancelled without force'
          : `${action} a rollout${action === 'approve' || action === 'reject' ? "'s pending approval (not its creator)" : ''}`,
      )
      .argument('<id>')
      .option('--comment <text>', 'recorded with the decision');
    if (action === 'abort')
      command.option(
        '--rollback',
        "then roll back the devices that applied the update (the plan's rollback; refused if it names none)",
      );
    if (action === 'resume') {
      command
        .description(
          'resume a paused rollout; or a HALTED one with a fixed document, from its halted stage (a new attempt from zero)',
        )
        .option(
          '--document <file>',
          'HALTED: the fixed job document, a JSON or YAML file holding the document itself',
        )
        .option(
          '--document-source <s3-url>',
          'HALTED: the fixed job document in S3 (s3://bucket/key, a new key)',
        )
        .addHelpText(
          'after',
          '\nExamples: fleet rollout resume fw-2-4-1a2b3c4d --comment "alarm cleared"\n' +
            '          fleet rollout resume fw-2-4-1a2b3c4d --document fw-2.4.1.json --comment "bootloader fixed"\n' +
            'With a document: the halted stage runs again as a new job, its counts from zero and its own bake and\n' +
            'deadline; the halted attempt is kept apart (fleet rollout status). Earlier stages are not run again.\n' +
            'Refused (exit 4) unless the rollout is HALTED by its gate, an alarm, a job stopped outside or a rejected\n' +
            'approval, and any rollback of it has ended; a paused rollout resumes without a document (exit 2).',
        );
      command.action(
        run((id: string, _o: unknown, cmd: Command) => rolloutResume(id, opts(cmd) as never, io)),
      );
      continue;
    }
    command.action(run((id: string, _o: unknown, cmd: Command) => rolloutAction(action, id, opts(cmd), io)));
  }

  const things = inherit(root.command('things')).description('the fleet index (AWS IoT fleet indexing)');
  inherit(things.command('search'))
    .description(
      'things matching a fleet indexing query (SearchIndex): groups, connectivity, package versions',
    )
    .argument(
      '<query>',
      'e.g. "attributes.model:th200 AND connectivity.connected:true" (docs/fleet-indexing.md)',
    )
    .option('--limit <n>', 'at most n things (default 100; pages of 100)', int(1))
    .option('--all', 'every matching thing')
    .addHelpText(
      'after',
      '\nExample: fleet things search "thingGroupNames:ring-canary AND connectivity.connected:false"',
    )
    .action(run((query: string, _o: unknown, cmd: Command) => thingsSearch(query, opts(cmd) as never, io)));

  const tunnel = inherit(root.command('tunnel')).description(
    'secure tunnels the automation opened (operator API)',
  );
  inherit(tunnel.command('list'))
    .description('open tunnels')
    .action(run((_o: unknown, cmd: Command) => tunnelList(opts(cmd), io)));
  inherit(tunnel.command('token'))
    .description('a single-use source token, printed once to stdout')
    .argument('<id>')
    .action(run((id: string, _o: unknown, cmd: Command) => tunnelToken(id, opts(cmd), io)));
  inherit(tunnel.command('close'))
    .description('close a tunnel the automation opened')
    .argument('<id>')
    .action(run((id: string, _o: unknown, cmd: Command) => tunnelClose(id, opts(cmd), io)));
  inherit(tunnel.command('enrol'))
    .description('let a CloudWatch alarm open tunnels to one thing (audited with your principal)')
    .argument('<alarm-name>', 'the alarm, as CloudWatch names it (it must exist and be marked)')
    .requiredOption('--thing <name>', 'the thing its tunnels go to')
    .option('--services <list>', 'comma-separated, within config/tunnel-policy.yml (default: all of them)')
    .addHelpText(
      'after',
      '\nExample: fleet tunnel enrol fleet-tunnel-pump-0042 --thing pump-0042 --services SSH',
    )
    .action(run((name: string, _o: unknown, cmd: Command) => tunnelEnrol(name, opts(cmd) as never, io)));
  inherit(tunnel.command('unenrol'))
    .description('the alarm opens no more tunnels (audited with your principal)')
    .argument('<alarm-name>')
    .action(run((name: string, _o: unknown, cmd: Command) => tunnelUnenrol(name, opts(cmd), io)));
  inherit(tunnel.command('enrolments'))
    .description('the alarms that can open tunnels, with their thing and who enrolled them')
    .action(run((_o: unknown, cmd: Command) => tunnelEnrolments(opts(cmd), io)));

  const audit = inherit(root.command('audit')).description(
    'the audit trail (DynamoDB Query only, never a Scan)',
  );
  const filters = (cmd: Command) =>
    cmd
      .option('--thing <name>', 'records about a thing')
      .option('--rollout <id>', 'records about a rollout')
      .option('--tunnel <id>', "a tunnel's records (under its thing)")
      .option('--actor <arn>', 'everything one function or principal did (index byActor)')
      .option('--from <iso>', 'from this time (inclusive)')
      .option('--to <iso>', 'to this time (exclusive); --from/--to alone query index byDay')
      .option('--action <action>', 'only this action, e.g. thing.groups.assigned')
      .option('--query <query>', 'records of the things a fleet indexing query matches now (SearchIndex)')
      .option(
        '--max-things <n>',
        '--query: refuse a search that matches more things (default 100, at most 1000)',
        int(1),
      );
  filters(inherit(audit.command('query', { isDefault: true })))
    .description('query records (the default: `fleet audit --thing X` = `fleet audit query --thing X`)')
    .addOption(new Option('--format <format>', 'output').choices(['table', 'jsonl', 'csv']).default('table'))
    .option('--limit <n>', 'stop after n records (pages follow LastEvaluatedKey)', int(1))
    .action(run((_o: unknown, cmd: Command) => auditQuery(opts(cmd) as never, io)));
  filters(inherit(audit.command('verify')))
    .description('check the side effects the selected records claim against AWS now')
    .action(run((_o: unknown, cmd: Command) => auditVerify(opts(cmd) as never, io)));
  return root;
}

/** Runs one command line; never exits the process: returns the exit code. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const result = { code: EXIT.OK as number };
  try {
    await program(io, result).parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code))
        return EXIT.OK;
      if (error.code === 'commander.executeSubCommandAsync') return EXIT.FAILURE;
      line(io.stderr, 'hint: run with --help for usage');
      return EXIT.USAGE;
    }
    if (error instanceof CliError) {
      line(io.stderr, `error: ${error.message}`);
      // One issue, one line: an issue can quote input (a key name) that holds a newline.
      for (const l of error.lines) line(io.stderr, `  ${oneLine(l)}`);
      if (error.hint) line(io.stderr, `hint: ${error.hint}`);
      return error.code;
    }
    const e = error as Error;
    line(io.stderr, `error: ${e.name}: ${e.message}`);
    line(io.stderr, hintFor(e));
    return EXIT.FAILURE;
  }
}

function hintFor(e: Error): string {
  if (/Credential|credentials/i.test(e.message) || e.name === 'CredentialsProviderError')
    return 'hint: set AWS credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) or use --local';
  if (e.name === 'ResourceNotFoundException') return 'hint: check the table names (--audit-table) and region';
  if (/ECONNREFUSED|fetch failed/.test(e.message))
    return 'hint: is the local stack running? (`npm start -- --serve`)';
  return 'hint: rerun with the same arguments; if it persists, report it with this message';
}
