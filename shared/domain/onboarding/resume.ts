import { createHash } from 'node:crypto';
import type { ThingSpec } from './things-csv';

/** What `fleet onboard` remembers between runs of one CSV (`.fleet-onboard/<key>.json`). */
export type OnboardState = {
  version: 1;
  csvSha256: string;
  file: string;
  /** Things whose CreateThing succeeded (created, or already there with the same configuration). */
  done: string[];
  /** Things AWS refused because a different thing of that name exists (409). */
  conflicts: { thingName: string; line: number; message: string }[];
  /** Bulk registration tasks started and not yet read back, by batch key (`fleet onboard --bulk`). */
  bulkTasks?: Record<string, { taskId: string; inputKey: string }>;
};

/** The state file is named after the CSV's content, so an edited file starts over. */
export function onboardKey(csvText: string): string {
  return createHash('sha256').update(csvText).digest('hex').slice(0, 16);
}

export function emptyState(csvText: string, file: string): OnboardState {
  return {
    version: 1,
    csvSha256: createHash('sha256').update(csvText).digest('hex'),
    file,
    done: [],
    conflicts: [],
  };
}

/** Parses a stored state; anything unreadable or for another file is ignored (start over). */
export function readState(raw: unknown, csvText: string, file: string): OnboardState {
  const fresh = emptyState(csvText, file);
  if (!raw || typeof raw !== 'object') return fresh;
  const s = raw as Partial<OnboardState>;
  if (s.version !== 1 || s.csvSha256 !== fresh.csvSha256 || !Array.isArray(s.done)) return fresh;
  return {
    ...fresh,
    done: s.done.filter((n): n is string => typeof n === 'string'),
    conflicts: Array.isArray(s.conflicts) ? s.conflicts : [],
    ...(s.bulkTasks && typeof s.bulkTasks === 'object' ? { bulkTasks: s.bulkTasks } : {}),
  };
}

/** Things still to create: neither done nor refused as conflicts in an earlier run. */
export function remainingThings(things: readonly ThingSpec[], state: OnboardState): ThingSpec[] {
  const skip = new Set([...state.done, ...state.conflicts.map((c) => c.thingName)]);
  return things.filter((t) => !skip.has(t.thingName));
}

/** When the i-th call may start so that calls never exceed `ratePerSecond` (ms after the start). */
export function startOffsetMs(i: number, ratePerSecond: number): number {
  return Math.floor((i * 1000) / ratePerSecond);
}
