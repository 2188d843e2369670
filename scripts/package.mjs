// `npm run package`: `sls package` offline. No AWS account or credentials file is needed; the SDK
// only wants credentials to exist, so dummy ones are supplied unless real ones are set.
import { spawnSync } from 'node:child_process';
import { quietSdkNodeWarning, requireSupportedNode } from './node-support.mjs';

requireSupportedNode();

const env = {
  ...quietSdkNodeWarning({ ...process.env }),
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'offline',
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'offline',
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
};
const args = ['sls', 'package', ...process.argv.slice(2)];
const result = spawnSync('npx', args, { stdio: 'inherit', env });
process.exit(result.status ?? 1);
