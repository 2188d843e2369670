// `npm start`: the local stack and a scenario (local/main.ts). Arguments pass through.
import { runLocal } from './run-local.mjs';

process.exit(await runLocal('local/main.ts', 'main', process.argv.slice(2)));
