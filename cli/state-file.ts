import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type OnboardState, onboardKey, readState } from '../shared/domain/onboarding/resume';

/** `.fleet-onboard/<hash of the CSV>.json` under the working directory: what a resumed run skips. */
export function stateFileFor(cwd: string, csvText: string): string {
  return path.join(cwd, '.fleet-onboard', `${onboardKey(csvText)}.json`);
}

export function loadState(file: string, csvText: string, csvPath: string): OnboardState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    raw = undefined;
  }
  return readState(raw, csvText, csvPath);
}

/** Written to a temporary file and renamed, so an interruption never leaves half a file. */
export function saveState(file: string, state: OnboardState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}
