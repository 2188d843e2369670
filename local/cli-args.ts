import { parseArgs } from 'node:util';

export type CliOptions = {
  scenario: string;
  seed?: number;
  serve: boolean;
  data?: string;
  report: string;
  threads?: number;
  help: boolean;
};

export const USAGE = `Usage: npm start -- [options]

Runs the whole backend locally (no AWS account) and plays a scenario on virtual time.

  --scenario FILE   scenario YAML (default scenarios/default.yml)
  --seed N          override the scenario's seed
  --serve           run the scenario, then keep the stack up until Ctrl-C and print
                    the endpoints and AWS_ENDPOINT_URL_* lines for the AWS CLI
  --data DIR        keep DynamoDB on disk in DIR (default: in memory)
  --report DIR      where run.json and run.html go (default reports/)
  --threads N       run the function containers on N worker threads (default 0:
                    in the stack's thread); a run replays from its seed for a given N
  --help            this text`;

/** More threads than this only add turns: a thread gets work when an instant has it for each. */
const MAX_THREADS = 8;

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function parseCliArgs(argv: readonly string[]): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        scenario: { type: 'string' },
        seed: { type: 'string' },
        serve: { type: 'boolean', default: false },
        data: { type: 'string' },
        report: { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  const options: CliOptions = {
    scenario: String(values.scenario ?? 'scenarios/default.yml'),
    serve: values.serve === true,
    report: String(values.report ?? 'reports'),
    help: values.help === true,
  };
  if (values.seed !== undefined) {
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0)
      throw new CliUsageError(`--seed must be a non-negative integer, got ${values.seed}`);
    options.seed = seed;
  }
  if (values.threads !== undefined) {
    const threads = Number(values.threads);
    if (!/^\d+$/.test(String(values.threads)) || threads > MAX_THREADS)
      throw new CliUsageError(`--threads must be an integer from 0 to ${MAX_THREADS}, got ${values.threads}`);
    options.threads = threads;
  }
  if (typeof values.data === 'string') options.data = values.data;
  return options;
}
