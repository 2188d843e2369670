import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../cli/main';
import type { LocalStack } from '../../local/stack';

export type CliRun = { code: number; stdout: string; stderr: string };

/**
 * Runs `fleet ...` in-process against the stack, as the principal named by the access key. With
 * `paced`, virtual time follows real time at the clock's speed while the command runs (as under
 * `npm start -- --serve`), for commands that poll on real time (`onboard --bulk`).
 */
export function cliRunner(stack: LocalStack, dir: string, runner: { paced?: boolean } = {}) {
  return async (
    argv: string[],
    options: { principal?: string; signal?: AbortSignal } = {},
  ): Promise<CliRun> => {
    let stdout = '';
    let stderr = '';
    const run = runCli(['--local', ...argv], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: {
        ...stack.env,
        FLEET_API_URL: stack.endpoints.api,
        AWS_ACCESS_KEY_ID: options.principal ?? 'alice',
        AWS_SECRET_ACCESS_KEY: 'secret',
      },
      cwd: dir,
      root: process.cwd(),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const code = runner.paced ? await paced(stack, run) : await run;
    return { code, stdout, stderr };
  };
}

async function paced<T>(stack: LocalStack, work: Promise<T>): Promise<T> {
  let settled = false;
  const done = () => {
    settled = true;
  };
  work.then(done, done);
  const pace = stack.clock.pace();
  while (!settled) {
    await stack.runUntilIdle({ until: pace.at() });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return work;
}

export function workDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** A CSV of `n` things at one site, header first. */
export function thingsCsv(
  prefix: string,
  n: number,
  site = 'plant-7',
  region = 'eu-west-1',
  thingType = 'sensor',
): string {
  const rows = Array.from(
    { length: n },
    (_, i) => `${prefix}-${String(i).padStart(4, '0')},${thingType},${region},${site},TH200`,
  );
  return ['thingName,thingType,attr.region,attr.site,attr.model', ...rows, ''].join('\n');
}
