import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

let built: Promise<string> | undefined;

/**
 * The container thread's entry, bundled once per process into `.local/threads/` (a worker runs
 * JavaScript files; the stack may itself run from TypeScript under vitest). One file per process:
 * test files run in parallel processes.
 */
export function containerWorkerFile(): Promise<string> {
  built ??= (async () => {
    const outfile = path.resolve(`.local/threads/container-worker-${process.pid}.mjs`);
    mkdirSync(path.dirname(outfile), { recursive: true });
    process.once('exit', () => rmSync(outfile, { force: true }));
    const { build } = await import('esbuild');
    await build({
      entryPoints: [path.resolve('local/runtime/threads/worker.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    return outfile;
  })();
  return built;
}
