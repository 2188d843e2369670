import { defineConfig } from 'vitest/config';
import { common, yamlAsJson } from './vitest.config';

// Opt-in: `npm run smoke:aws-cli` drives the local stack with a stock AWS CLI v2 (Debian package awscli).
export default defineConfig({
  plugins: [yamlAsJson],
  test: { ...common, include: ['test/smoke/**/*.smoke.ts'] },
});
