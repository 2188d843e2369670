import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// Opt-in: `npm run smoke:aws-cli` drives the local stack with a stock AWS CLI v2 (Debian package awscli).
export default defineConfig({
  plugins: base.plugins,
  test: { ...base.test, include: ['test/smoke/**/*.smoke.ts'] },
});
