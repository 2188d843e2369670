// `npm run bench [-- NAME [--option value]]`: bundles bench/NAME.ts with esbuild (node_modules stay
// external and resolve from the repo) into .local/bench/ and runs each benchmark in its own process,
// so its peak memory is its own. Every benchmark prints a table and writes bench/results/NAME.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { quietSdkNodeWarning, requireSupportedNode } from './node-support.mjs';

requireSupportedNode();
// Each benchmark's own process gets the variables explicitly; this process's stay as they were.
const childEnv = quietSdkNodeWarning({ ...process.env });

const ALL = [
  'cold-start',
  'gate-quality',
  'rollout-defaults',
  'workflow-cost',
  'provisioning-burst',
  'local-stack',
  'bulk-registration',
  'scenario-profile',
  'rollback',
];
const [first, ...rest] = process.argv.slice(2);
const names = first && !first.startsWith('--') ? [first] : ALL;
const options = first && !first.startsWith('--') ? rest : process.argv.slice(2);
const outDir = path.resolve('.local/bench');
mkdirSync(outDir, { recursive: true });

for (const name of names) {
  if (!ALL.includes(name)) {
    console.error(`unknown benchmark '${name}'; one of: ${ALL.join(', ')}`);
    process.exit(2);
  }
}
const needsPackage = names.some((n) =>
  [
    'cold-start',
    'provisioning-burst',
    'local-stack',
    'bulk-registration',
    'scenario-profile',
    'rollback',
  ].includes(n),
);
if (needsPackage && !existsSync('.serverless/cloudformation-template-update-stack.json')) {
  // A fresh clone has no zips yet: build them the way `npm run package` does (offline).
  console.log('.serverless/ is missing: packaging the functions first');
  const pkg = spawnSync(process.execPath, ['scripts/package.mjs'], { stdio: 'inherit', env: childEnv });
  if (pkg.status !== 0) process.exit(pkg.status ?? 1);
}

let failed = 0;
for (const name of names) {
  const outfile = path.join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [`bench/${name}.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    plugins: createRequire(import.meta.url)('./esbuild-plugins.cjs'), // config/*.yml as the functions see it
    outfile,
    logLevel: 'warning',
  });
  console.log(`\n# ${name}`);
  const started = performance.now();
  const run = spawnSync(process.execPath, [outfile, ...options], { stdio: 'inherit', env: childEnv });
  console.log(`(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s, exit ${run.status})`);
  if (run.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
