// `npm run chaos`: seeded fault-injected runs (local/chaos/main.ts). Arguments pass through
// (--scenario FILE, --seed N, --report DIR, --verbose).
import { runLocal } from './run-local.mjs';

process.exit(await runLocal('local/chaos/main.ts', 'chaos', process.argv.slice(2)));
