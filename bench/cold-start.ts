import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';
import { localAttributes, resolveIntrinsics } from '../local/runtime/resolve';
import { extractZip } from '../local/runtime/unzip';
import { functionSpecs } from '../local/runtime/wiring';
import { loadPackagedTemplate } from '../local/template';
import { option, printTable, round, summary, verdict, writeResult } from './common';

// Cold start of every packaged function: zip size, and module load time in fresh node processes
// next to a bare `node` start and the same handler bundled the naive way (SDK external, default
// mainFields), all in one run, interleaved so machine noise hits every variant alike.
const RUNS = Number(option('runs') ?? 15);
const ZIP_TARGET = 160 * 1024;
const work = path.join(os.tmpdir(), 'fleet-autopilot-bench-cold-start');
const naiveDir = path.resolve('.local/bench/naive');
const LOAD = `const f=process.argv[1];const t=performance.now();require(f);process.stdout.write(String(performance.now()-t));process.exit(0)`;

// Others may re-package while this runs: wait for a complete .serverless/, then work on a copy.
rmSync(work, { recursive: true, force: true });
const snapshot = path.join(work, 'package');
let template = loadPackagedTemplate();
for (let tries = 0; ; tries++) {
  try {
    template = loadPackagedTemplate();
    rmSync(snapshot, { recursive: true, force: true });
    mkdirSync(snapshot, { recursive: true });
    for (const s of functionSpecs(template, (v) => v, '.serverless')) {
      if (!existsSync(s.zip)) throw new Error(`${s.zip} missing`);
      copyFileSync(s.zip, path.join(snapshot, path.basename(s.zip)));
    }
    break;
  } catch (error) {
    if (tries >= 60) throw error;
    await new Promise((r) => setTimeout(r, 2000));
  }
}
const names = {
  region: 'us-east-1',
  accountId: '000000000000',
  stackName: 'bench',
  sqsUrl: 'http://127.0.0.1:1',
};
const attributes = localAttributes(template, names);
const specs = functionSpecs(template, (v) => resolveIntrinsics(v, attributes, names), snapshot);
const baseEnv = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'dummy',
  AWS_SECRET_ACCESS_KEY: 'dummy',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  NODE_NO_WARNINGS: '1',
};

type Variant = { file: string; env: Record<string, string>; load: number[]; wall: number[]; error?: string };
const measure = (v: Variant, args: string[]) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env: v.env, encoding: 'utf8' });
  v.wall.push(performance.now() - t0);
  if (r.status !== 0) v.error = (r.stderr || r.stdout).split('\n').slice(0, 3).join(' ');
  else if (args[0] === '-e' && v.file) v.load.push(Number(r.stdout.trim()));
};

/** Bytes each package contributes to the output, from esbuild's metafile. */
function contributions(meta: Metafile): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = m?.[1] ?? 'our code';
      out.set(key, (out.get(key) ?? 0) + bytesInOutput);
    }
  }
  return out;
}

// The esbuild plugins serverless.yml bundles with (config/*.yml as JSON, unused SDK code dropped).
const plugins = createRequire(import.meta.url)(path.resolve('scripts/esbuild-plugins.cjs')) as Plugin[];
const common = {
  bundle: true,
  platform: 'node' as const,
  format: 'cjs' as const,
  target: 'node22',
  minify: true,
  plugins,
  logLevel: 'error' as const,
};

rmSync(naiveDir, { recursive: true, force: true });
const fns = [];
for (const spec of specs) {
  const entry = `${spec.handler.replace(/\.[^.]+$/, '')}.ts`;
  const env = { ...baseEnv, ...spec.environment };
  const dir = path.join(work, spec.logicalId);
  await extractZip(spec.zip, dir);
  writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}\n');
  const deployedFile = path.join(dir, entry.replace(/\.ts$/, '.js'));
  // The naive way: SDK external (resolved from node_modules, as the Lambda runtime would), default mainFields.
  const naiveFile = path.join(naiveDir, spec.logicalId, entry.replace(/\.ts$/, '.js'));
  mkdirSync(path.dirname(naiveFile), { recursive: true });
  writeFileSync(path.join(naiveDir, spec.logicalId, 'package.json'), '{"type":"commonjs"}\n');
  await build({ ...common, entryPoints: [entry], outfile: naiveFile, external: ['@aws-sdk/*'] });
  // What the deployed bundle holds, and its size without the X-Ray SDK (a what-if, not a build we ship).
  const probe = await build({
    ...common,
    entryPoints: [entry],
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
  });
  const without = async (external: string[]) => {
    const out = await build({
      ...common,
      entryPoints: [entry],
      mainFields: ['module', 'main'],
      write: false,
      external,
    });
    return deflateRawSync(out.outputFiles[0]?.contents ?? new Uint8Array(), { level: 9 }).length;
  };
  const top = [...contributions(probe.metafile).entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
  fns.push({
    name: spec.logicalId.replace(/LambdaFunction$/, ''),
    zipBytes: statSync(spec.zip).size,
    bundleBytes: statSync(deployedFile).size,
    naiveBytes: statSync(naiveFile).size,
    noXrayZipEstimate: await without(['aws-xray-sdk-core']),
    top,
    deployed: { file: deployedFile, env, load: [], wall: [] } as Variant,
    naive: { file: naiveFile, env, load: [], wall: [] } as Variant,
  });
}

const bare: Variant = { file: '', env: baseEnv, load: [], wall: [] };
for (let i = 0; i < RUNS; i++) {
  measure(bare, ['-e', '']);
  for (const f of fns) {
    measure(f.deployed, ['-e', LOAD, f.deployed.file]);
    measure(f.naive, ['-e', LOAD, f.naive.file]);
  }
}

const bareWall = summary(bare.wall);
const rows = fns.map((f) => {
  const d = summary(f.deployed.load);
  const n = summary(f.naive.load);
  return {
    function: f.name,
    'zip KB': round(f.zipBytes / 1024),
    'zip < 160 KB': verdict(f.zipBytes < ZIP_TARGET),
    'load ms (p10–p90)': `${round(d.median)} (${round(d.p10)}–${round(d.p90)})`,
    'naive load ms (p10–p90)': `${round(n.median)} (${round(n.p10)}–${round(n.p90)})`,
    'load ≤ ½ naive': verdict(d.median <= n.median / 2),
    'process ms': round(summary(f.deployed.wall).median),
    'naive process ms': round(summary(f.naive.wall).median),
    'zip KB w/o X-Ray SDK (est.)': round(f.noXrayZipEstimate / 1024),
  };
});
printTable(
  `Cold start (${RUNS} fresh processes each; bare \`node -e ''\` ${round(bareWall.median)} ms)`,
  rows,
);
const first = fns[0];
if (first) {
  const biggest = new Map<string, number>();
  for (const f of fns) for (const [k, v] of f.top) biggest.set(k, Math.max(biggest.get(k) ?? 0, v));
  const topRows = [...biggest.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([pkg, bytes]) => ({ package: pkg, 'max KB in one bundle (minified)': round(bytes / 1024) }));
  printTable('Largest contributors to the deployed bundles', topRows);
}
const errors = fns.flatMap((f) =>
  [f.deployed, f.naive].filter((v) => v.error).map((v) => `${f.name}: ${v.error}`),
);
if (errors.length) console.log(`\nload errors:\n${errors.join('\n')}`);

writeResult('cold-start', {
  runs: RUNS,
  targets: { zipBytesBelow: ZIP_TARGET, loadAtMostHalfOfNaive: true },
  bareNodeMs: bareWall,
  functions: fns.map((f) => ({
    name: f.name,
    zipBytes: f.zipBytes,
    bundleBytes: f.bundleBytes,
    naiveBundleBytes: f.naiveBytes,
    zipWithoutXrayEstimate: f.noXrayZipEstimate,
    loadMs: summary(f.deployed.load),
    naiveLoadMs: summary(f.naive.load),
    processMs: summary(f.deployed.wall),
    naiveProcessMs: summary(f.naive.wall),
    topContributors: Object.fromEntries(f.top),
    errors: [f.deployed.error, f.naive.error].filter(Boolean),
  })),
  errors,
});
rmSync(work, { recursive: true, force: true });
