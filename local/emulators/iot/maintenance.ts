import awsCronParser from 'aws-cron-parser';
import { invalidRequest } from './errors';
import type { JobRecord, Json } from './model';

/**
 * schedulingConfig.maintenanceWindows (API_MaintenanceWindow, job-scheduling in the developer guide):
 * executions are rolled out only while a window is open; a rollout that does not finish continues in
 * the next window. A window opens at each occurrence of its AWS cron expression (UTC) and stays open
 * for durationInMinutes (1 to 1430).
 */
type Window = { cron: ReturnType<typeof awsCronParser.parse>; durationMs: number };

const CRON = /^cron\((.+)\)$/;
const parsed = new WeakMap<JobRecord, Window[]>();

export function parseWindows(raw: unknown): Window[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > 10) {
    throw invalidRequest('maintenanceWindows must list 1 to 10 windows');
  }
  return (raw as Json[]).map((w) => {
    const expression = typeof w.startTime === 'string' ? CRON.exec(w.startTime)?.[1] : undefined;
    const minutes = w.durationInMinutes;
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 1430) {
      throw invalidRequest('maintenanceWindows.durationInMinutes must be an integer from 1 to 1430');
    }
    let cron: Window['cron'] | undefined;
    try {
      cron = expression === undefined ? undefined : awsCronParser.parse(expression);
    } catch {
      cron = undefined;
    }
    if (!cron || expression?.trim().split(/\s+/).length !== 6) {
      throw invalidRequest(
        `maintenanceWindows.startTime ${String(w.startTime)} is not a cron(...) expression`,
      );
    }
    return { cron, durationMs: minutes * 60_000 };
  });
}

/** True when the job has no maintenance windows or one of them is open at `now`. */
export function windowOpen(job: JobRecord, now: number): boolean {
  const raw = job.schedulingConfig?.maintenanceWindows;
  if (raw === undefined) return true;
  let windows = parsed.get(job);
  if (!windows) {
    windows = parseWindows(raw);
    parsed.set(job, windows);
  }
  return windows.some((w) => {
    const opened = awsCronParser.prev(w.cron, new Date(now + 1));
    return opened !== null && now < opened.getTime() + w.durationMs;
  });
}
