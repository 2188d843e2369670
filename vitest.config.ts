import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// Loaded with require: Vite's config bundler cannot inline a CommonJS file that requires a package.
const { yamlToJson }: typeof import('./scripts/yaml-json.cjs') = createRequire(import.meta.url)(
  './scripts/yaml-json.cjs',
);

export default defineConfig({
  // The functions import config/*.yml as parsed data, as the bundles do (scripts/esbuild-plugins.cjs).
  plugins: [
    {
      name: 'yaml-as-json',
      transform(code, id) {
        return id.endsWith('.yml')
          ? { code: `export default ${yamlToJson(code, id)};`, map: null }
          : undefined;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
