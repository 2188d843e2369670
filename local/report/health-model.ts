/**
 * GET /rollouts/{id}'s stage `health` and `rollback` (shared/domain/rollout/status-view.ts) as the run
 * report keeps them: fixed field names, times as virtual epoch ms, absent values left out, so two runs
 * of one seed write the same run.json.
 */
import type { RollbackReport, StageHealthReport } from './model';

type Fields = Record<string, unknown>;

const record = (v: unknown): Fields | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : undefined;
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** An ISO time (as the API shows it) or epoch ms → epoch ms. */
const epoch = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
};
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/** Only the keys whose value is defined: JSON keeps no `undefined`, and neither does the report. */
const defined = <T extends Fields>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function stageHealthReport(view: unknown): StageHealthReport | undefined {
  const h = record(view);
  if (!h) return undefined;
  const signals = record(h.signals) ?? {};
  const alarms = record(signals.alarms);
  const reconnect = signals.reconnectMinutes;
  return defined({
    signals: defined({
      reconnectMinutes: typeof reconnect === 'number' ? reconnect : undefined,
      selfCheck: strings(signals.selfCheck),
      alarms: alarms
        ? { names: strings(alarms.names) ?? [], action: text(alarms.action) ?? 'pause' }
        : undefined,
    }),
    unhealthy: count(h.unhealthy),
    unjudged: count(h.unjudged),
    suspects: count(h.suspects),
    checkedAt: epoch(h.checkedAt),
    examples: (Array.isArray(h.examples) ? h.examples : []).flatMap((e) => {
      const x = record(e);
      return x
        ? [
            {
              thingName: String(x.thingName ?? ''),
              reason: String(x.reason ?? ''),
              evidence: String(x.evidence ?? ''),
            },
          ]
        : [];
    }),
  });
}

/** The rollback job's counts (rollbackCounts in shared/domain/rollout/rollback.ts), when there are any. */
export function rollbackCountsOf(v: unknown): RollbackReport['counts'] {
  const c = record(v);
  return c
    ? {
        succeeded: count(c.succeeded),
        failed: count(c.failed),
        rejected: count(c.rejected),
        timedOut: count(c.timedOut),
        inProgress: count(c.inProgress),
        notReached: count(c.notReached),
      }
    : undefined;
}

export function rollbackReport(view: unknown): RollbackReport | undefined {
  const r = record(view);
  if (!r || typeof r.state !== 'string') return undefined;
  return defined({
    state: r.state,
    scope: text(r.scope) ?? 'stage',
    trigger: text(r.trigger),
    stageIndexes: Array.isArray(r.stageIndexes) ? r.stageIndexes.filter((i) => Number.isInteger(i)) : [],
    groupName: text(r.groupName),
    jobId: text(r.jobId),
    devices: count(r.devices),
    excluded: count(r.excluded),
    notAdded: count(r.notAdded),
    counts: rollbackCountsOf(r.counts),
    jobStatus: text(r.jobStatus),
    startedAt: epoch(r.startedAt),
    attentionAt: epoch(r.attentionAt),
    completedAt: epoch(r.completedAt),
    error: text(r.error),
  });
}
