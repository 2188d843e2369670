import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { confidenceBounds, haltAlpha, mixingPrior } from '../../shared/domain/gate';
import { rollbackReport, stageHealthReport } from '../report/health-model';
import type {
  DecisionRecord,
  RollbackReport,
  RolloutReport,
  RunReport,
  StageRollbackReport,
  TunnelReport,
} from '../report/model';
import type { LocalStack } from '../stack';
import { principalName } from './progress';
import type { ScenarioRun } from './runner';
import type { Scenario } from './schema';

type Series = RolloutReport['stages'][number]['series'];
const FAILED = new Set(['FAILED', 'REJECTED', 'TIMED_OUT']);
const FINISHED = new Set([...FAILED, 'SUCCEEDED']);

export async function scanAudit(stack: LocalStack): Promise<Record<string, unknown>[]> {
  const docs = DynamoDBDocumentClient.from(new DynamoDBClient(stack.clientConfig('dynamodb')));
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await docs.send(new ScanCommand({ TableName: 'AuditTable', ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/**
 * The gate's view over time, as the gate computes it (docs/gate.md): executions in the order they
 * started; the lower bound on the failures among the started (running ones counted as successes) at
 * the stage's halt level, the upper bound with every running one counted as failed. The plotted rate is
 * the observed one among the finished.
 */
function gateSeries(stack: LocalStack, jobId: string, p0: number, confidence: number): Series {
  const job = stack.services.iot.state.jobs.get(jobId);
  if (!job) return [];
  const executions = [...job.executions.values()].filter((e) => e.startedAt !== undefined);
  type Mark = { at: number; start: boolean; failed: boolean };
  const marks: Mark[] = [];
  for (const e of executions) {
    marks.push({ at: e.startedAt as number, start: true, failed: false });
    if (FINISHED.has(e.status))
      marks.push({ at: e.lastUpdatedAt, start: false, failed: FAILED.has(e.status) });
  }
  marks.sort((a, b) => a.at - b.at || Number(b.start) - Number(a.start));
  const finishes = marks.filter((m) => !m.start).length;
  const step = Math.max(1, Math.ceil(finishes / 200));
  const prior = mixingPrior(p0);
  const alpha = 1 - confidence;
  const haltLevel = haltAlpha(
    p0,
    alpha,
    Math.max(job.executions.size, job.pending.length + job.executions.size),
  );
  const series: Series = [];
  let started = 0;
  let finished = 0;
  let failed = 0;
  marks.forEach((m, i) => {
    if (m.start) {
      started += 1;
      return;
    }
    finished += 1;
    if (m.failed) failed += 1;
    if (finished % step !== 0 && i !== marks.length - 1) return;
    const pending = started - finished;
    series.push({
      at: m.at,
      started,
      finished,
      failureRate: failed / finished,
      lower: confidenceBounds(prior, failed, started, haltLevel).lower,
      upper: confidenceBounds(prior, failed + pending, started, alpha).upper,
      threshold: p0,
    });
  });
  return series;
}

type StageView = {
  name: string;
  status: string;
  jobId?: string;
  counts?: { targets: number; succeeded: number; failed: number };
  gate: { failureThreshold: number; confidence: number; decision?: string; reason?: string };
  approvals: { status: string; kind?: string; reason?: string; decidedBy?: string; comment?: string }[];
  health?: unknown;
};

type Audit = Record<string, unknown>;
const detailsOf = (a: Audit): Record<string, unknown> => (a.details ?? {}) as Record<string, unknown>;
const isRecord = (v: unknown): v is DecisionRecord =>
  typeof v === 'object' && v !== null && typeof (v as { outcome?: unknown }).outcome === 'string';

/**
 * The decision each stage of a rollout went by, as its audit trail recorded it: the record a halt or
 * promotion acted on, else the last change of the gate's outcome that decided something, else the
 * last change at all (a stage still collecting evidence). Copied whole: new fields pass through.
 */
export function decisionRecords(audit: readonly Audit[], rolloutId: string): Map<number, DecisionRecord> {
  const mine = audit
    .filter((a) => (a.subject as { id?: unknown } | undefined)?.id === rolloutId)
    .sort((a, b) => Number(a.at) - Number(b.at));
  const acted = new Map<number, DecisionRecord>();
  const decided = new Map<number, DecisionRecord>();
  const latest = new Map<number, DecisionRecord>();
  for (const a of mine) {
    const d = detailsOf(a);
    const stage = Number(d.stageIndex);
    if (!Number.isInteger(stage)) continue;
    if ((a.action === 'rollout.halted' || a.action === 'rollout.stage.promoted') && isRecord(d.decision)) {
      acted.set(stage, { ...d.decision, at: d.decision.at ?? Number(a.at) });
    } else if (a.action === 'rollout.gate.changed' && typeof d.outcome === 'string') {
      const { stageIndex: _s, jobId: _j, previous: _p, ...decision } = d;
      const rec = { ...decision, outcome: d.outcome, at: Number(a.at) } as DecisionRecord;
      latest.set(stage, rec);
      if (d.outcome !== 'CONTINUE') decided.set(stage, rec);
    }
  }
  const out = new Map(latest);
  for (const [i, rec] of decided) out.set(i, rec);
  // The record a halt or promotion carried, unless it is staler than a decision the gate published
  // (a stage's stored decision can lag: it is written on a change of outcome only).
  for (const [i, rec] of acted) if (rec.outcome !== 'CONTINUE' || !decided.has(i)) out.set(i, rec);
  return out;
}

/** The stage's decision word: the recorded decision, else the gate's latest word, else the stage status. */
function stageDecision(s: StageView, record: DecisionRecord | undefined): string {
  if (s.status === 'NOT_STARTED') return 'NOT_STARTED';
  if (record && record.outcome !== 'CONTINUE') return record.outcome;
  return s.gate.decision && s.gate.decision !== 'CONTINUE' ? s.gate.decision : s.status;
}

/** A job's executions as AWS IoT reports them now: succeeded, failed (FAILED, REJECTED, TIMED_OUT), the rest. */
function jobOutcome(
  stack: LocalStack,
  jobId: string,
): { succeeded: number; failed: number; notFinished: number } {
  const job = stack.services.iot.state.jobs.get(jobId);
  const out = { succeeded: 0, failed: 0, notFinished: job?.pending.length ?? 0 };
  for (const e of job?.executions.values() ?? []) {
    if (e.status === 'SUCCEEDED') out.succeeded += 1;
    else if (FAILED.has(e.status)) out.failed += 1;
    else out.notFinished += 1;
  }
  return out;
}

/**
 * Each stage's devices in the rollback, from the `thing.rollback.added` records (they name the stage),
 * and how the rollback job went for them as AWS IoT reports its executions now.
 */
function stageRollbacks(
  stack: LocalStack,
  audit: readonly Audit[],
  rolloutId: string,
  rollback: RollbackReport | undefined,
): Map<number, StageRollbackReport> {
  const out = new Map<number, StageRollbackReport>();
  if (!rollback || rollback.state === 'NOT_STARTED') return out;
  const job = rollback.jobId ? stack.services.iot.state.jobs.get(rollback.jobId) : undefined;
  for (const a of audit) {
    const d = detailsOf(a);
    if (a.action !== 'thing.rollback.added' || d.rolloutId !== rolloutId) continue;
    const stage = Number(d.stageIndex);
    const s = out.get(stage) ?? { devices: 0, succeeded: 0, failed: 0, inProgress: 0, notReached: 0 };
    const status = job?.executions.get(String((a.subject as { id?: unknown } | undefined)?.id))?.status;
    s.devices += 1;
    if (status === 'SUCCEEDED') s.succeeded += 1;
    else if (status && FAILED.has(status)) s.failed += 1;
    else if (status === 'IN_PROGRESS') s.inProgress += 1;
    else s.notReached += 1;
    out.set(stage, s);
  }
  return out;
}

async function rolloutReports(
  stack: LocalStack,
  run: ScenarioRun,
  audit: readonly Audit[],
): Promise<RolloutReport[]> {
  const reports: RolloutReport[] = [];
  for (const r of run.rollouts.values()) {
    const { body } = await run.api.rollout(r.creator, r.rolloutId);
    const stages = (body.stages ?? []) as StageView[];
    const records = decisionRecords(audit, r.rolloutId);
    const rollback = rollbackReport(body.rollback);
    const rolledBack = stageRollbacks(stack, audit, r.rolloutId, rollback);
    reports.push({
      id: r.rolloutId,
      name: String(body.name ?? r.ref),
      status: String(body.status ?? 'UNKNOWN'),
      stages: stages.map((s, i) => {
        const health = stageHealthReport(s.health);
        const outcome = s.jobId && (health || rolledBack.size > 0) ? jobOutcome(stack, s.jobId) : undefined;
        const mine = rolledBack.get(i);
        return {
          name: s.name,
          jobId: s.jobId ?? '',
          decision: stageDecision(s, records.get(i)),
          ...(s.gate.reason ? { reason: s.gate.reason } : {}),
          targets: s.counts?.targets ?? 0,
          succeeded: s.counts?.succeeded ?? 0,
          failed: s.counts?.failed ?? 0,
          approvals: s.approvals.map((a) => ({
            decision: a.status,
            by: a.decidedBy ? principalName(a.decidedBy) : '',
            ...(a.comment ? { comment: a.comment } : {}),
            ...(a.kind ? { kind: a.kind } : {}),
            ...(a.reason ? { reason: a.reason } : {}),
          })),
          ...(records.has(i) ? { decisionRecord: records.get(i) } : {}),
          ...(health ? { health } : {}),
          ...(outcome ? { jobOutcome: outcome } : {}),
          ...(mine ? { rollback: mine } : {}),
          series: s.jobId ? gateSeries(stack, s.jobId, s.gate.failureThreshold, s.gate.confidence) : [],
        };
      }),
      ...(rollback ? { rollback } : {}),
    });
  }
  return reports;
}

function tunnelReports(stack: LocalStack, audit: Record<string, unknown>[]): TunnelReport[] {
  const tag = (tags: { key: string; value: string }[] | undefined, key: string) =>
    tags?.find((t) => t.key === key)?.value ?? '';
  const opened: TunnelReport[] = stack.services.tunnels.tunnels().map((t) => ({
    thingName: t.destinationConfig?.thingName ?? '',
    alarmName: tag(t.tags, 'fleet-autopilot:alarm-name'),
    tunnelId: t.tunnelId,
    openedAt: t.createdAt,
    ...(t.status === 'CLOSED' ? { closedAt: t.lastUpdatedAt } : {}),
    outcome: t.status === 'CLOSED' ? 'opened, closed' : 'open',
  }));
  const refused = audit
    .filter((a) => a.action === 'tunnel.open.refused')
    .map((a) => {
      const d = (a.details ?? {}) as Record<string, unknown>;
      return {
        thingName: String(d.thingName ?? ''),
        alarmName: String(d.alarmName ?? ''),
        outcome: `refused: ${String(d.code)}`,
      };
    });
  return [...opened, ...refused];
}

export async function buildReport(
  stack: LocalStack,
  run: ScenarioRun,
  scenario: Scenario,
  meta: { file?: string; wallStart: number },
): Promise<RunReport> {
  const { state } = stack.services.iot;
  const audit = await scanAudit(stack);
  const byAction: Record<string, number> = {};
  for (const a of audit) byAction[String(a.action)] = (byAction[String(a.action)] ?? 0) + 1;
  const calls = new Map<string, number>();
  for (const c of stack.services.iot.calls) calls.set(c.operation, (calls.get(c.operation) ?? 0) + 1);
  const parked = stack.services.sqs
    .queues()
    .filter((q) => /dlq|dead/i.test(q.name))
    .reduce((n, q) => n + q.depth(), 0);
  return {
    scenario: {
      name: scenario.name,
      seed: scenario.seed,
      devices: scenario.devices.count,
      ...(meta.file ? { file: meta.file } : {}),
    },
    startedAt: run.start,
    finishedAt: stack.clock.now(),
    wallMs: Math.round(performance.now() - meta.wallStart),
    steps: run.progress.lines,
    grouping: {
      things: state.things.size,
      groupsCreated: state.groups.size,
      membership: [...state.groups.values()]
        .map((g) => ({
          group: g.thingGroupName,
          members: g.things.length,
          ...(g.parentGroupName ? { parent: g.parentGroupName } : {}),
        }))
        .sort((a, b) => b.members - a.members || a.group.localeCompare(b.group)),
    },
    rollouts: await rolloutReports(stack, run, audit),
    tunnels: tunnelReports(stack, audit),
    audit: { total: audit.length, byAction },
    delivery: {
      published: stack.delivery.stats.published,
      delivered: stack.delivery.stats.delivered + run.alarms.duplicatesDelivered,
      duplicated: stack.delivery.stats.duplicated + run.alarms.duplicatesDelivered,
      lost: stack.router.stats.lost,
      parked,
    },
    calls: [...calls]
      .map(([operation, accepted]) => ({ operation, accepted, throttled: 0 }))
      .sort((a, b) => b.accepted - a.accepted),
  };
}
