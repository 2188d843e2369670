import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Loaded with require: Vite's config bundler cannot inline a CommonJS file that requires a package.
const { yamlToJson }: typeof import('./scripts/yaml-json.cjs') = createRequire(import.meta.url)(
  './scripts/yaml-json.cjs',
);

/**
 * The test lanes (`npm run test:unit`, `test:integration`, `test:chaos`):
 * - unit: pure and fake-backed tests. No packaging, no DynamoDB server, no child process, no socket
 *   (test/no-sockets.ts refuses one). test/unit/, plus the files below that sit beside the corpus or
 *   the feature they test.
 * - chaos: the seeded fault-injected runs of local/chaos.
 * - integration: everything else (handlers on the local DynamoDB, state machines, emulators over
 *   HTTP, the packaged template and zips, the local stack, the CLI, the browser); needs `npm run package`.
 */
const UNIT_ELSEWHERE = [
  'test/badinput/config-files.test.ts',
  'test/badinput/names-and-regex.test.ts',
  'test/badinput/reliability.test.ts',
  'test/emulators/cloudwatch-missing-data.test.ts',
  'test/emulators/eventbridge-pattern.test.ts',
  'test/emulators/query-protocol.test.ts',
  'test/emulators/sqs-queue-ties.test.ts',
  'test/functions/fleet-index-config.test.ts',
  'test/functions/iot-event-config.test.ts',
  'test/security/group-tags.test.ts',
  'test/security/leak-scan.test.ts',
  'test/template/drop-default-role.test.ts',
];
const root = path.dirname(fileURLToPath(import.meta.url));
const unitFiles = [
  ...readdirSync(path.join(root, 'test/unit'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/unit/${f}`),
  ...UNIT_ELSEWHERE,
];

/**
 * Unit files share one module graph per worker (twice as fast on two cores), except those that
 * replace a module, a global, an SDK client or an environment variable: they get their own.
 */
const REPLACES =
  /\bvi\.(mock|doMock|stubGlobal|stubEnv)\(|\bmockClient\(|process\.env(\.\w+|\[[^\]]+\])\s*=[^=]|Object\.assign\(\s*process\.env|delete process\.env/;
const ownGraph = unitFiles.filter((f) => REPLACES.test(readFileSync(path.join(root, f), 'utf8')));
const sharedGraph = unitFiles.filter((f) => !ownGraph.includes(f));

export const yamlAsJson = {
  name: 'yaml-as-json',
  transform(code: string, id: string) {
    return id.endsWith('.yml') ? { code: `export default ${yamlToJson(code, id)};`, map: null } : undefined;
  },
};

/** What every lane (and vitest.smoke.config.ts) runs with. */
export const common = {
  setupFiles: ['test/setup.ts'],
  pool: 'forks' as const,
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

// Added to test/setup.ts (projects extend the root config).
const UNIT_SETUP = ['test/no-sockets.ts'];

export default defineConfig({
  // The functions import config/*.yml as parsed data, as the bundles do (scripts/esbuild-plugins.cjs).
  plugins: [yamlAsJson],
  test: {
    ...common,
    projects: [
      { extends: true, test: { name: 'unit', include: sharedGraph, setupFiles: UNIT_SETUP, isolate: false } },
      { extends: true, test: { name: 'unit-isolated', include: ownGraph, setupFiles: UNIT_SETUP } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...unitFiles, 'test/chaos/**'],
        },
      },
      { extends: true, test: { name: 'chaos', include: ['test/chaos/**/*.test.ts'] } },
    ],
  },
});
