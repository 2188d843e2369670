import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type ChaosResult, runChaos } from './run';
import { loadChaosScenario } from './schema';
import { chaosTable } from './table';

const USAGE = `npm run chaos [-- --scenario FILE]... [--seed N] [--report DIR] [--adversary | --no-adversary] [--verbose]
Plays scenarios/chaos-*.yml (or the given files) on the local stack under injected faults, checks the
invariants and prints a table; exits 1 if any invariant fails. --adversary adds the red team's attacks
to every file that has an adversary: section (chaos-quick has it on by default); --no-adversary leaves
them out.`;

/** `npm run chaos`: every chaos scenario, one table, a JSON report, exit status from the invariants. */
export async function main(argv: readonly string[]): Promise<number> {
  const files: string[] = [];
  let seed: number | undefined;
  let report = 'reports';
  let verbose = false;
  let adversary: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--scenario') files.push(String(argv[++i]));
    else if (arg === '--seed') seed = Number(argv[++i]);
    else if (arg === '--report') report = String(argv[++i]);
    else if (arg === '--verbose') verbose = true;
    else if (arg === '--adversary') adversary = true;
    else if (arg === '--no-adversary') adversary = false;
    else {
      console.log(USAGE);
      return arg === '--help' || arg === '-h' ? 0 : 2;
    }
  }
  if (files.length === 0)
    files.push(
      ...readdirSync('scenarios')
        .filter((f) => /^chaos-.*\.yml$/.test(f))
        .sort()
        .map((f) => path.join('scenarios', f)),
    );
  const results: ChaosResult[] = [];
  for (const file of files) {
    const chaos = loadChaosScenario(file);
    if (seed !== undefined) chaos.scenario.seed = seed;
    console.log(`chaos: ${file} (seed ${chaos.scenario.seed}, ${chaos.scenario.devices.count} devices)...`);
    const result = await runChaos(
      chaos,
      path.dirname(path.resolve(file)),
      verbose ? console.log : undefined,
      {
        ...(adversary === undefined ? {} : { adversary }),
      },
    );
    console.log(
      `  ${result.ok ? 'PASS' : 'FAIL'} in ${result.wallSeconds} s wall${result.adversary ? ' (with the adversary)' : ''}`,
    );
    results.push(result);
  }
  const table = chaosTable(results);
  console.log(`\n${table}\n`);
  mkdirSync(report, { recursive: true });
  writeFileSync(path.join(report, 'chaos.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(report, 'chaos.md'), `${table}\n`);
  const failed = results.filter((r) => !r.ok).map((r) => r.name);
  console.log(failed.length ? `FAILED: ${failed.join(', ')}` : 'All chaos invariants hold.');
  return failed.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
