import { Cron } from 'croner';
import type { ActiveTime } from './types';

/**
 * When devices can run a job: AWS IoT Jobs' schedulingConfig (startTime, endTime) and maintenance
 * windows (a cron start and a duration). The gate's bake and deadline are measured in this time only,
 * so hours in which no device could start the update never count as evidence of health.
 */

export const ALWAYS_ACTIVE: ActiveTime = {
  activeBetween: (from, to) => Math.max(0, to - from),
  reachAt: (from, ms) => from + Math.max(0, ms),
};

export type MaintenanceWindow = { readonly startTime: string; readonly durationInMinutes: number };
export type JobSchedule = {
  /** Epoch ms; the job starts rolling out no earlier. */
  readonly startTime?: number;
  /** Epoch ms; no execution starts after it. */
  readonly endTime?: number;
  readonly maintenanceWindows?: readonly MaintenanceWindow[];
};

/** How far ahead a query may look for windows: AWS allows schedules up to two years out. */
const HORIZON_MS = 2 * 366 * 86_400_000;
const MINUTE = 60_000;

/**
 * `cron(min hour day-of-month month day-of-week year)` as AWS IoT writes it (the EventBridge cron
 * syntax: 1 = SUN … 7 = SAT, `?`, `L`, `W`, `#`) in croner's 7-part form (Quartz weekdays, UTC).
 * Throws on a pattern croner cannot read.
 */
export function awsCron(expression: string): Cron {
  const match = /^cron\((.+)\)$/.exec(expression.trim());
  const fields = match?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6) throw new Error(`'${expression}' is not cron(min hour dom month dow year)`);
  const [minute, hour, dom, month, dow, year] = fields;
  // AWS writes "the last Friday" as 6L; croner as 6#L.
  const weekday = (dow ?? '*').replace(/^(\w+)L$/i, '$1#L');
  return new Cron(`0 ${minute} ${hour} ${dom} ${month} ${weekday} ${year}`, {
    timezone: 'UTC',
    paused: true,
    alternativeWeekdays: true,
    mode: '7-part',
  });
}

type Interval = { start: number; end: number };

/**
 * Merged open intervals of the maintenance windows, extended lazily as queries need them.
 * Windows are found by stepping croner from one start to the next; two windows that overlap merge.
 */
class WindowIntervals {
  readonly #crons: { cron: Cron; duration: number }[];
  readonly #longest: number;
  #from = Number.POSITIVE_INFINITY;
  #to = Number.NEGATIVE_INFINITY;
  #intervals: Interval[] = [];

  constructor(windows: readonly MaintenanceWindow[]) {
    this.#crons = windows.map((w) => ({
      cron: awsCron(w.startTime),
      duration: w.durationInMinutes * MINUTE,
    }));
    this.#longest = Math.max(...this.#crons.map((c) => c.duration));
  }

  /** The merged windows overlapping [from, to). */
  within(from: number, to: number): Interval[] {
    const begin = from - this.#longest;
    // A day of slack: the gate asks again and again with a `now` that creeps forward.
    if (begin < this.#from || to > this.#to)
      this.#build(Math.min(begin, this.#from), Math.max(to + 86_400_000, this.#to));
    return this.#intervals.filter((i) => i.end > from && i.start < to);
  }

  #build(begin: number, to: number): void {
    const starts: Interval[] = [];
    for (const { cron, duration } of this.#crons) {
      let next = cron.nextRun(new Date(begin - 1));
      while (next && next.getTime() < to) {
        starts.push({ start: next.getTime(), end: next.getTime() + duration });
        next = cron.nextRun(next);
      }
    }
    starts.sort((a, b) => a.start - b.start);
    const merged: Interval[] = [];
    for (const w of starts) {
      const last = merged.at(-1);
      if (last && w.start <= last.end) last.end = Math.max(last.end, w.end);
      else merged.push({ ...w });
    }
    this.#from = begin;
    this.#to = to;
    this.#intervals = merged;
  }
}

/** Active time of a job with a schedule; windows and start/end intersect. */
export function jobActiveTime(schedule: JobSchedule): ActiveTime {
  const { startTime = Number.NEGATIVE_INFINITY, endTime = Number.POSITIVE_INFINITY } = schedule;
  const windows = schedule.maintenanceWindows?.length
    ? new WindowIntervals(schedule.maintenanceWindows)
    : undefined;
  const clip = (from: number, to: number): Interval[] => {
    const start = Math.max(from, startTime);
    const end = Math.min(to, endTime);
    if (!(end > start)) return [];
    if (!windows) return [{ start, end }];
    return windows
      .within(start, end)
      .map((i) => ({ start: Math.max(i.start, start), end: Math.min(i.end, end) }));
  };
  const activeBetween = (from: number, to: number): number =>
    clip(from, to).reduce((sum, i) => sum + (i.end - i.start), 0);
  return {
    activeBetween,
    reachAt(from, ms) {
      if (ms <= 0) return from;
      // Walk forward a month at a time: windows are found lazily, and most stages end within one.
      let done = 0;
      for (let at = from; at < from + HORIZON_MS && at < endTime; at += 30 * 86_400_000) {
        const to = Math.min(at + 30 * 86_400_000, endTime);
        for (const i of clip(at, to)) {
          const length = i.end - i.start;
          if (done + length >= ms) return i.start + (ms - done);
          done += length;
        }
      }
      return Number.POSITIVE_INFINITY;
    },
  };
}
