import { DeadlineMap } from './deadlines';
import { cancelJob, checkCompletion, createExecution, finishExecution } from './executions';
import { windowOpen } from './maintenance';
import type { IotContext, JobRecord, Json } from './model';
import { processRegistrations } from './registration-tasks';

const MINUTE = 60_000;
/** Dev guide: rollout rate defaults to, and is capped at, 1000 executions per minute per job. */
const MAX_PER_MINUTE = 1000;

/**
 * Executions per minute right now. exponentialRate starts at baseRatePerMinute and multiplies by
 * incrementFactor each time another rateIncreaseCriteria threshold of notified/succeeded things is
 * reached (dev guide worked example: 50 → 100 → 200 at 1000, 2000 notified), capped by maximumPerMinute.
 */
function currentRate(job: JobRecord): number {
  const cfg = job.rolloutConfig ?? {};
  const max = Math.min(
    MAX_PER_MINUTE,
    typeof cfg.maximumPerMinute === 'number' ? cfg.maximumPerMinute : MAX_PER_MINUTE,
  );
  const exp = cfg.exponentialRate as Json | undefined;
  if (!exp) return max;
  const criteria = (exp.rateIncreaseCriteria ?? {}) as Json;
  const byNotified = typeof criteria.numberOfNotifiedThings === 'number';
  const threshold = Number(byNotified ? criteria.numberOfNotifiedThings : criteria.numberOfSucceededThings);
  const count = byNotified ? job.rollout.notified : job.rollout.succeeded;
  const steps = threshold > 0 ? Math.floor(count / threshold) : 0;
  return Math.min(max, Math.floor(Number(exp.baseRatePerMinute) * Number(exp.incrementFactor) ** steps));
}

/** Creates executions for queued targets within the per-minute budget of the current window. */
export function releaseRollout(ctx: IotContext, job: JobRecord): void {
  if (job.status !== 'IN_PROGRESS' || job.pending.length === 0) return;
  const now = ctx.clock.now();
  if (!windowOpen(job, now)) return;
  const r = job.rollout;
  const windows = Math.floor((now - r.windowStart) / MINUTE);
  if (windows > 0) {
    r.windowStart += windows * MINUTE;
    r.releasedInWindow = 0;
    delete r.windowRate;
  }
  r.windowRate ??= currentRate(job);
  while (job.pending.length > 0 && r.releasedInWindow < r.windowRate) {
    const thing = job.pending.shift();
    if (thing === undefined) break;
    createExecution(ctx, job, thing);
    r.releasedInWindow += 1;
    r.notified += 1;
  }
  checkCompletion(ctx, job);
}

/** Parses schedulingConfig times ("YYYY-MM-DD HH:MM" or ISO-8601, UTC when no zone is given). */
export function parseScheduleTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const iso = value.trim().replace(' ', 'T');
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(t) ? undefined : t;
}

function applySchedule(ctx: IotContext, job: JobRecord): void {
  const now = ctx.clock.now();
  if (job.status === 'SCHEDULED' && job.scheduledStart !== undefined && now >= job.scheduledStart) {
    job.status = 'IN_PROGRESS';
    job.lastUpdatedAt = now;
    job.rollout.windowStart = job.scheduledStart;
  }
  const end = parseScheduleTime(job.schedulingConfig?.endTime);
  if (end === undefined || now < end || (job.status !== 'IN_PROGRESS' && job.status !== 'SCHEDULED')) return;
  const behavior = job.schedulingConfig?.endBehavior ?? 'STOP_ROLLOUT';
  if (behavior === 'STOP_ROLLOUT') {
    job.pending = [];
    if (job.status === 'SCHEDULED') job.status = 'IN_PROGRESS';
    checkCompletion(ctx, job);
  } else {
    cancelJob(ctx, job, { force: behavior === 'FORCE_CANCEL', reasonCode: 'SCHEDULED_END_TIME_REACHED' });
  }
}

/** IN_PROGRESS executions past their in-progress or step deadline become TIMED_OUT. */
function applyTimeouts(ctx: IotContext): void {
  const now = ctx.clock.now();
  const { timed } = ctx.state;
  if (timed instanceof DeadlineMap) {
    for (const [exec, job] of timed.takeDue(now)) finishExecution(ctx, job, exec, 'TIMED_OUT');
    return;
  }
  for (const [exec, job] of [...timed]) {
    const deadlines = [exec.inProgressDeadline, exec.stepDeadline].filter(
      (d): d is number => d !== undefined,
    );
    if (exec.status !== 'IN_PROGRESS' || deadlines.length === 0) ctx.state.timed.delete(exec);
    else if (now >= Math.min(...deadlines)) {
      ctx.state.timed.delete(exec);
      finishExecution(ctx, job, exec, 'TIMED_OUT');
    }
  }
}

/** All time-based transitions; run lazily before every request and by sweep(). */
export function tick(ctx: IotContext): void {
  applyTimeouts(ctx);
  processRegistrations(ctx);
  for (const job of ctx.state.jobs.values()) {
    if (job.status === 'COMPLETED' || job.status === 'CANCELED') continue;
    applySchedule(ctx, job);
    releaseRollout(ctx, job);
  }
}
