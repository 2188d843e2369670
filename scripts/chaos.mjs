// `npm run chaos`: package the functions if stale (as `npm start` does), bundle local/chaos/main.ts
// with esbuild and run it. Arguments pass through (--scenario FILE, --seed N, --report DIR, --verbose).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const SOURCES = [
  'functions',
  'shared',
  'serverless',
  'statemachines',
  'config',
  'serverless.yml',
  'package.json',
];

function newest(entry) {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(entry).reduce(
    (max, name) => Math.max(max, newest(path.join(entry, name))),
    stat.mtimeMs,
  );
}

function oldest(dir) {
  if (!existsSync(dir)) return 0;
  const files = readdirSync(dir).map((name) => statSync(path.join(dir, name)).mtimeMs);
  return files.length ? Math.min(...files) : 0;
}

const args = process.argv.slice(2);
const wantsHelp = args.includes('--help') || args.includes('-h');
const packaged = oldest('.serverless');
if (!wantsHelp && (packaged === 0 || packaged < Math.max(...SOURCES.map(newest)))) {
  console.log('Packaging the functions (.serverless/ is missing or older than the sources)...');
  const result = spawnSync(process.execPath, ['scripts/package.mjs'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

mkdirSync('.local', { recursive: true });
await build({
  entryPoints: ['local/chaos/main.ts'],
  outfile: '.local/chaos.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
// The function host starts workers from `new URL('./function-worker.mjs', import.meta.url)`.
copyFileSync('local/runtime/function-worker.mjs', '.local/function-worker.mjs');
copyFileSync('local/emulators/dynamodb/dynalite-worker.mjs', '.local/dynalite-worker.mjs');

// Ctrl-C reaches the child too; it shuts the stack down, and this process waits for it.
process.on('SIGINT', () => undefined);
const run = spawnSync(process.execPath, ['--enable-source-maps', '.local/chaos.mjs', ...args], {
  stdio: 'inherit',
  env: { ...process.env, NODE_NO_WARNINGS: '1' },
});
process.exit(run.status ?? 1);
