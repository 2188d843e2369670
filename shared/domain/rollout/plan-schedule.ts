import { type ActiveTime, ALWAYS_ACTIVE, awsCron, type JobSchedule, jobActiveTime } from '../gate';
import type { ResolvedStage } from './plan';

/** `YYYY-MM-DDTHH:MM` (UTC, the form AWS IoT's schedulingConfig takes) as epoch ms. */
export function scheduleTimeMs(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Date.parse(`${value}:00Z`);
}

function jobScheduleOf(stage: ResolvedStage): JobSchedule {
  const s = stage.job.scheduling;
  const startTime = scheduleTimeMs(s?.startTime);
  const endTime = scheduleTimeMs(s?.endTime);
  return {
    ...(startTime === undefined ? {} : { startTime }),
    ...(endTime === undefined ? {} : { endTime }),
    ...(s?.maintenanceWindows ? { maintenanceWindows: s.maintenanceWindows } : {}),
  };
}

/** When devices can run the stage's job; the gate measures bake and deadline in this time. */
export function activeTimeOf(stage: ResolvedStage): ActiveTime {
  const s = stage.job.scheduling;
  if (!s?.startTime && !s?.endTime && !s?.maintenanceWindows?.length) return ALWAYS_ACTIVE;
  return jobActiveTime(jobScheduleOf(stage));
}

/**
 * A schedule that cannot hold the gate: windows whose cron does not parse, an end before the start,
 * or less rollout time between start and end (or within the windows) than the gate's deadline.
 */
export function scheduleIssues(stage: ResolvedStage, at: string, options: { at?: number }): string[] {
  const s = stage.job.scheduling;
  if (!s) return [];
  const issues: string[] = [];
  (s.maintenanceWindows ?? []).forEach((w, i) => {
    try {
      awsCron(w.startTime);
    } catch (error) {
      issues.push(`${at}.job.scheduling.maintenanceWindows[${i}].startTime: ${(error as Error).message}`);
    }
  });
  const schedule = jobScheduleOf(stage);
  const { startTime, endTime } = schedule;
  if (startTime !== undefined && endTime !== undefined && endTime <= startTime) {
    issues.push(`${at}.job.scheduling.endTime: must be after startTime`);
  }
  const from = startTime ?? options.at;
  if (issues.length > 0 || from === undefined) return issues;
  const deadlineMs = stage.gate.deadlineMinutes * 60_000;
  const active = jobActiveTime(schedule);
  if (!Number.isFinite(active.reachAt(from, deadlineMs))) {
    const available =
      endTime === undefined ? undefined : Math.floor(active.activeBetween(from, endTime) / 60_000);
    issues.push(
      `${at}.gate.deadlineMinutes: ${stage.gate.deadlineMinutes} active minutes do not fit in job.scheduling` +
        (available === undefined
          ? ' (its maintenance windows stop recurring)'
          : ` (${available} minutes in which devices can run the job before endTime)`),
    );
  }
  return issues;
}
