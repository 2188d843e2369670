/**
 * Health after success and the rollback, in words: one line per health-gated stage, a few lines per
 * rollback. The console summary and the HTML report say the same; each passes how it writes a time.
 */
import { duration, num } from './format';
import type { RollbackReport, RolloutReport, StageHealthReport } from './model';

type Stage = RolloutReport['stages'][number];
/** Virtual epoch ms → text (`day 0 09:55:37` on the console, a UTC stamp in the HTML). */
export type TimeText = (at: number) => string;

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;
const plural = (n: number, one: string, many = `${one}s`): string => `${num(n)} ${n === 1 ? one : many}`;

/** `24 h 14 m` for a rollback that ran a day (format's `duration` says `1 d 00 h`); shorter ones as it says. */
export const hoursMinutes = (ms: number): string => {
  if (!Number.isFinite(ms) || ms < 3_600_000) return duration(ms);
  const minutes = Math.floor(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} m`;
};

/** The evidence a check recorded, its ISO times written as the caller writes times. */
export const evidenceText = (evidence: string, at: TimeText): string =>
  evidence.replace(ISO, (iso) => at(Date.parse(iso)));

/** What a signal found wrong with a device that reported SUCCEEDED: `never came back within 10 min`. */
export const reasonWords = (reason: string, signals: StageHealthReport['signals']): string => {
  if (reason === 'reconnect')
    return signals.reconnectMinutes === undefined
      ? 'never came back'
      : `never came back within ${num(signals.reconnectMinutes)} min`;
  if (reason === 'selfCheck')
    return `failed the self-check${signals.selfCheck?.length ? ` (${signals.selfCheck.join(', ')})` : ''}`;
  return `failed the ${reason} check`;
};

/** The signals a stage watches: `reconnect within 10 min, self-check selfTest, alarms cpu-high (pause)`. */
const signalsText = (signals: StageHealthReport['signals']): string =>
  [
    signals.reconnectMinutes === undefined ? '' : `reconnect within ${num(signals.reconnectMinutes)} min`,
    signals.selfCheck?.length ? `self-check ${signals.selfCheck.join(', ')}` : '',
    signals.alarms?.names.length
      ? `alarms ${signals.alarms.names.join(', ')} (${signals.alarms.action})`
      : '',
  ]
    .filter(Boolean)
    .join(', ');

/**
 * Why the unhealthy devices were unhealthy, as far as the report can tell: the examples' reason when
 * they cover every device or the stage watches only that signal, else `failed a health check`.
 */
export const unhealthyWords = (h: StageHealthReport): string => {
  const reasons = [...new Set(h.examples.map((e) => e.reason))];
  const only = reasons.length === 1 ? reasons[0] : undefined;
  const deviceSignals = [
    h.signals.reconnectMinutes === undefined ? '' : 'reconnect',
    h.signals.selfCheck ? 'selfCheck' : '',
  ].filter(Boolean);
  const covered =
    h.examples.length >= h.unhealthy || (deviceSignals.length === 1 && deviceSignals[0] === only);
  return only && covered
    ? reasonWords(only, h.signals)
    : `failed a health check after it (${signalsText(h.signals)})`;
};

/**
 * What the devices that reported SUCCEEDED came to in a health-gated stage: healthy (the gate counted
 * them as successes: their window ended and the checks passed), unhealthy, and not judged (their window
 * had not ended at the last check, or the check had not got to them). Undefined without health or a job.
 */
export const healthSplit = (
  s: Stage,
): { healthy: number; unhealthy: number; notJudged: number } | undefined => {
  if (!s.health || !s.jobOutcome) return undefined;
  const took = s.jobOutcome.succeeded;
  const unhealthy = Math.min(s.health.unhealthy, took);
  // The stage's own count of successes is the gate's, health applied: matured and not unhealthy.
  const healthy = Math.max(0, Math.min(s.succeeded, took - unhealthy));
  return { healthy, unhealthy, notJudged: took - unhealthy - healthy };
};

/**
 * `4 devices reported SUCCEEDED but never came back within 10 min (e.g. sensor-00123: disconnected at
 * … and not back …)`, or that the checks found none; undefined for a stage without health signals or
 * that never ran a job.
 */
export const healthSentence = (s: Stage, at: TimeText): string | undefined => {
  const h = s.health;
  if (!h || !s.jobId) return undefined;
  const notJudged = healthSplit(s)?.notJudged ?? h.unjudged;
  const last = h.checkedAt === undefined ? '' : ` at ${at(h.checkedAt)}`;
  const rest =
    notJudged > 0
      ? `; ${num(notJudged)} more that reported SUCCEEDED were not judged by the last check${last}`
      : '';
  if (h.unhealthy === 0)
    return `no device that reported SUCCEEDED was found unhealthy (${signalsText(h.signals)})${rest}`;
  const example = h.examples[0];
  const eg = example ? ` (e.g. ${example.thingName}: ${evidenceText(example.evidence, at)})` : '';
  return `${plural(h.unhealthy, 'device')} reported SUCCEEDED but ${unhealthyWords(h)}${eg}${rest}`;
};

/** `199 rolled back, 0 failed, 1 not reached` (rejected, timed out and in progress when there are any). */
export const rollbackCountsText = (c: RollbackReport['counts']): string => {
  if (!c) return 'no job read yet';
  return [
    `${num(c.succeeded)} rolled back`,
    `${num(c.failed)} failed`,
    ...(c.rejected > 0 ? [`${num(c.rejected)} rejected`] : []),
    ...(c.timedOut > 0 ? [`${num(c.timedOut)} timed out`] : []),
    ...(c.inProgress > 0 ? [`${num(c.inProgress)} in progress`] : []),
    `${num(c.notReached)} not reached`,
  ].join(', ');
};

/** `stage early` / `stages canary, early`: what the rollback undoes. */
const stagesText = (rb: RollbackReport, stages: readonly Stage[]): string => {
  const names = rb.stageIndexes.map((i) => stages[i]?.name ?? `#${i}`);
  return names.length === 0 ? 'no stage' : `${names.length === 1 ? 'stage' : 'stages'} ${names.join(', ')}`;
};

/**
 * The rollback in a few lines: its state and job, what happened to its devices (and who was left out),
 * and when it started and ended.
 */
export const rollbackLines = (rb: RollbackReport, stages: readonly Stage[], at: TimeText): string[] => {
  if (rb.state === 'NOT_STARTED')
    return [`Rollback: NOT_STARTED (scope ${rb.scope}; the rollout did not halt)`];
  const job = rb.jobId ? `job ${rb.jobId}` : 'no job';
  const lines = [
    `Rollback: ${rb.state}, ${job} (trigger ${rb.trigger ?? '?'}, scope ${rb.scope}: ${stagesText(rb, stages)})`,
  ];
  const left = [
    rb.excluded > 0 ? `${num(rb.excluded)} left out as gone (never came back)` : '',
    rb.notAdded > 0 ? `${num(rb.notAdded)} not added (refused by AWS IoT)` : '',
  ].filter(Boolean);
  lines.push(
    `${plural(rb.devices, 'device')} to roll back: ${rb.devices > 0 ? rollbackCountsText(rb.counts) : 'none'}${
      left.length ? `; ${left.join(', ')}` : ''
    }`,
  );
  const when: string[] = [];
  if (rb.startedAt !== undefined) when.push(`started ${at(rb.startedAt)}`);
  if (rb.attentionAt !== undefined)
    when.push(`needed attention ${at(rb.attentionAt)} (failing on many devices)`);
  if (rb.completedAt !== undefined)
    when.push(
      `${rb.state === 'FAILED' ? 'failed' : 'completed'} ${at(rb.completedAt)}${
        rb.startedAt !== undefined ? ` (${hoursMinutes(rb.completedAt - rb.startedAt)})` : ''
      }`,
    );
  else when.push('still running at the end of the run');
  lines.push(when.join(', '));
  if (rb.error) lines.push(`error: ${rb.error}`);
  return lines;
};
