import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The functions import YAML as text, as esbuild's `.yml: text` loader does when bundling them.
  plugins: [
    {
      name: 'yaml-as-text',
      transform(code, id) {
        return id.endsWith('.yml')
          ? { code: `export default ${JSON.stringify(code)};`, map: null }
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
