#!/usr/bin/env node
// The `fleet` CLI. Bundles cli/main.ts with esbuild into .local/cli.mjs when missing or older than
// any source it depends on (a published package would ship the bundle prebuilt), then runs it.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { quietSdkNodeWarning, requireSupportedNode } from '../scripts/node-support.mjs';

requireSupportedNode();
quietSdkNodeWarning(process.env);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, '.local', 'cli.mjs');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full));
    else if (entry.name.endsWith('.ts')) latest = Math.max(latest, statSync(full).mtimeMs);
  }
  return latest;
}

function stale() {
  try {
    const built = statSync(out).mtimeMs;
    return ['cli', 'shared'].some((d) => newest(path.join(root, d)) > built);
  } catch {
    return true;
  }
}

if (stale()) {
  const { build } = await import('esbuild');
  mkdirSync(path.dirname(out), { recursive: true });
  await build({
    entryPoints: [path.join(root, 'cli', 'main.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}

const { runCli } = await import(pathToFileURL(out).href);
const controller = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write(
    '\ninterrupted: finishing calls in flight and saving progress (Ctrl-C again to quit now)\n',
  );
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  root,
  signal: controller.signal,
});
