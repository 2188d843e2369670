import type { RollbackCounts } from '../../shared/domain/rollout/rollback';
import { callApi } from '../api';
import { CliError, EXIT, type Io, line } from '../io';
import { orDash, pct, printJson, printTable } from '../output';
import { type GlobalOptions, resolveTarget } from '../target';
import { printStagesFromIndex, stagesFromIndex } from './rollout-index';

type Approval = {
  kind: string;
  status: string;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
  expiresAt?: string;
};
type StageView = {
  index: number;
  name: string;
  status: string;
  targets?: string[];
  query?: string;
  queryGroup?: string;
  continuous?: { watchingSince?: string; endsAt: string; completeRequestedBy?: string };
  jobId?: string;
  counts?: { targets: number; succeeded: number; failed: number; excluded: number; finished: number };
  failureRate: number | null;
  gate: {
    failureThreshold: number;
    confidence: number;
    decision?: string;
    reason?: string;
    lowerBound: number | null;
    upperBound: number | null;
  };
  approvals: Approval[];
  /** Which attempt of the stage this is; earlier ones (halted, then resumed with a document) below. */
  attempt?: number;
  attempts?: AttemptView[];
  health?: {
    unhealthy: number;
    unjudged: number;
    suspects: number;
    examples: { thingName: string; reason: string; evidence: string }[];
  };
};
type AttemptView = {
  attempt: number;
  jobId: string;
  status: string;
  startedAt: string;
  keptAt: string;
  job?: {
    readAt: string;
    status: string;
    succeeded: number;
    failed: number;
    rejected: number;
    timedOut: number;
    inProgress: number;
    queued: number;
  };
  events: { succeeded: number; failed: number; rejected: number; timedOut: number };
  decision?: { outcome: string; reason: string; explanation: string };
};
type ResumeView = {
  attempt: number;
  execution: string;
  stage?: string;
  haltReason: string;
  by: string;
  at: string;
  comment: string;
  previousDigest: string;
  digest: string;
};
type RollbackView = {
  state: string;
  scope: string;
  onAbort: boolean;
  requestedOnAbort?: boolean;
  trigger?: string;
  stageIndexes?: number[];
  groupName?: string;
  jobId?: string;
  devices?: number;
  excluded?: number;
  notAdded?: number;
  counts?: RollbackCounts;
  jobReadAt?: string;
  error?: string;
};
type RolloutView = {
  rolloutId: string;
  name: string;
  status: string;
  reason?: string;
  creator: string;
  createdAt: string;
  currentStage: number;
  paused: boolean;
  stages: StageView[];
  rollback?: RollbackView;
  resumes?: ResumeView[];
};

const ID = /^[A-Za-z0-9_.:-]{1,200}$/;
export const idPath = (id: string) => {
  if (!ID.test(id))
    throw new CliError(
      EXIT.USAGE,
      `invalid rollout id ${JSON.stringify(id)}`,
      '`fleet rollout list` shows the ids',
    );
  return `rollouts/${encodeURIComponent(id)}`;
};

export async function rolloutList(opts: GlobalOptions, io: Io): Promise<number> {
  const { body } = await callApi(resolveTarget(opts, io), 'GET', 'rollouts');
  const rollouts = (body.rollouts ?? []) as {
    rolloutId: string;
    name: string;
    status: string;
    currentStage: number;
    stages: number;
    creator: string;
    createdAt: string;
  }[];
  if (opts.json) printJson(io.stdout, rollouts);
  else if (rollouts.length === 0) line(io.stderr, 'no rollouts');
  else
    printTable(io.stdout, rollouts, [
      { header: 'rollout', value: (r) => r.rolloutId },
      { header: 'status', value: (r) => r.status },
      { header: 'stage', value: (r) => `${Math.min(r.currentStage + 1, r.stages)}/${r.stages}` },
      { header: 'creator', value: (r) => r.creator },
      { header: 'created', value: (r) => r.createdAt },
    ]);
  return EXIT.OK;
}

export async function rolloutStatus(id: string, opts: GlobalOptions, io: Io): Promise<number> {
  const target = resolveTarget(opts, io);
  const { body } = await callApi(target, 'GET', idPath(id));
  const view = body as unknown as RolloutView;
  const fromIndex = await stagesFromIndex(target, view.stages, io);
  if (opts.json) {
    printJson(io.stdout, { ...view, ...(fromIndex ? { fleetIndex: fromIndex } : {}) });
    return EXIT.OK;
  }
  line(
    io.stdout,
    `${view.rolloutId}  ${view.status}${view.paused ? ' (paused)' : ''}${view.reason ? `  reason: ${view.reason}` : ''}`,
  );
  line(io.stdout, `created ${view.createdAt} by ${view.creator}`);
  line(io.stdout);
  printTable(io.stdout, view.stages, [
    { header: '#', value: (s) => String(s.index) },
    { header: 'stage', value: (s) => s.name },
    { header: 'status', value: (s) => s.status },
    { header: 'job', value: (s) => orDash(s.jobId) },
    { header: 'targets', value: (s) => orDash(s.counts?.targets) },
    { header: 'ok', value: (s) => orDash(s.counts?.succeeded) },
    { header: 'failed', value: (s) => orDash(s.counts?.failed) },
    { header: 'excl', value: (s) => orDash(s.counts?.excluded) },
    { header: 'fail rate', value: (s) => pct(s.failureRate) },
    { header: 'gate p0/conf', value: (s) => `${pct(s.gate.failureThreshold)}/${pct(s.gate.confidence)}` },
    {
      header: 'bounds',
      value: (s) =>
        s.gate.lowerBound === null ? '-' : `[${pct(s.gate.lowerBound)}, ${pct(s.gate.upperBound)}]`,
    },
    { header: 'decision', value: (s) => orDash(s.gate.decision) },
  ]);
  for (const s of view.stages) {
    if (s.query)
      line(io.stdout, `stage ${s.name}: query ${JSON.stringify(s.query)} (dynamic group ${s.queryGroup})`);
    if (s.continuous)
      line(
        io.stdout,
        `stage ${s.name}: continuous; ${s.continuous.watchingSince ? `watched since ${s.continuous.watchingSince}` : 'not yet through its gate'}, ${s.continuous.completeRequestedBy ? `completion requested by ${s.continuous.completeRequestedBy}` : `completes at ${s.continuous.endsAt} unless completed first (fleet rollout complete)`}`,
      );
  }
  for (const s of view.stages) {
    if (!s.health) continue;
    const { health } = s;
    line(
      io.stdout,
      `stage ${s.name}: health ${health.unhealthy} unhealthy after success${health.unjudged ? `, ${health.unjudged} not yet judged` : ''} (${health.suspects} suspected)${health.examples.length > 0 ? `; e.g. ${health.examples.map((e) => `${e.thingName} (${e.reason}: ${e.evidence})`).join('; ')}` : ''}`,
    );
  }
  if (fromIndex) printStagesFromIndex(io.stdout, fromIndex);
  printAttempts(io, view);
  if (view.rollback) printRollback(io, view.rollback, view.stages);
  const approvals = view.stages.flatMap((s) => s.approvals.map((a) => ({ stage: s.name, ...a })));
  if (approvals.length > 0) {
    line(io.stdout);
    printTable(io.stdout, approvals, [
      { header: 'stage', value: (a) => a.stage },
      { header: 'approval', value: (a) => a.kind },
      { header: 'status', value: (a) => a.status },
      { header: 'by', value: (a) => orDash(a.decidedBy) },
      {
        header: 'at',
        value: (a) => orDash(a.decidedAt ?? (a.status === 'PENDING' ? `expires ${a.expiresAt}` : undefined)),
      },
      { header: 'comment', value: (a) => orDash(a.comment) },
    ]);
  }
  return EXIT.OK;
}

/** Resumes with a document, and each resumed stage's attempts: the current one and those kept apart. */
function printAttempts(io: Io, view: RolloutView) {
  const resumes = view.resumes ?? [];
  if (resumes.length === 0) return;
  line(io.stdout);
  for (const r of resumes)
    line(
      io.stdout,
      `resumed with a document: attempt ${r.attempt} at ${r.at} by ${r.by}, from stage ${orDash(r.stage)} after ${r.haltReason}; digest ${r.previousDigest.slice(0, 12)} -> ${r.digest.slice(0, 12)}; execution ${r.execution}${r.comment ? `; ${JSON.stringify(r.comment)}` : ''}`,
    );
  for (const s of view.stages) {
    if (!s.attempts?.length) continue;
    line(
      io.stdout,
      `stage ${s.name}: attempt ${s.attempt ?? 0} (job ${orDash(s.jobId)}, ${s.status}); earlier attempts, kept apart:`,
    );
    for (const a of s.attempts) {
      const j = a.job;
      const counts = j
        ? `job ${j.status} at ${j.readAt}: ok ${j.succeeded}, failed ${j.failed}, rejected ${j.rejected}, timed out ${j.timedOut}, running ${j.inProgress}, queued ${j.queued}`
        : `events: ok ${a.events.succeeded}, failed ${a.events.failed}`;
      line(
        io.stdout,
        `  attempt ${a.attempt} (job ${a.jobId}) ${a.status}, started ${a.startedAt}: ${counts}${a.decision ? `; decision ${a.decision.outcome} (${a.decision.reason})` : ''}`,
      );
    }
  }
}

/** The plan's rollback: planned, or its group, job, devices and the job's counts. */
function printRollback(io: Io, rb: RollbackView, stages: StageView[]) {
  line(io.stdout);
  if (rb.state === 'NOT_STARTED') {
    line(
      io.stdout,
      `rollback: planned (scope ${rb.scope}; after a halt${rb.onAbort ? ' or an abort' : rb.requestedOnAbort ? ', and after this abort (requested)' : ''})`,
    );
    return;
  }
  const names = (rb.stageIndexes ?? []).map((i) => stages.find((s) => s.index === i)?.name ?? String(i));
  line(
    io.stdout,
    `rollback: ${rb.state} after ${rb.trigger}; stages ${orDash(names.join(', '))}; group ${orDash(rb.groupName)}; job ${orDash(rb.jobId)}`,
  );
  line(
    io.stdout,
    `  devices ${orDash(rb.devices)}${rb.excluded ? `, ${rb.excluded} excluded` : ''}${rb.notAdded ? `, ${rb.notAdded} not added (gone, or in 10 groups)` : ''}`,
  );
  const c = rb.counts;
  if (c)
    line(
      io.stdout,
      `  succeeded ${c.succeeded}, failed ${c.failed}, rejected ${c.rejected}, timed out ${c.timedOut}, running ${c.inProgress}, not reached ${c.notReached}${rb.jobReadAt ? ` (job read ${rb.jobReadAt})` : ''}`,
    );
  if (rb.error) line(io.stdout, `  error: ${rb.error}`);
}

export const ROLLOUT_ACTIONS = ['approve', 'reject', 'pause', 'resume', 'abort', 'complete'] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

export async function rolloutAction(
  action: RolloutAction,
  id: string,
  opts: GlobalOptions & { comment?: string; rollback?: boolean },
  io: Io,
): Promise<number> {
  if (opts.comment !== undefined && opts.comment.length > 1000)
    throw new CliError(EXIT.USAGE, '--comment is limited to 1000 characters');
  const payload = JSON.stringify({
    ...(opts.comment === undefined ? {} : { comment: opts.comment }),
    ...(action === 'abort' && opts.rollback ? { rollback: true } : {}),
  });
  const { body } = await callApi(resolveTarget(opts, io), 'POST', `${idPath(id)}/${action}`, payload);
  if (opts.json) printJson(io.stdout, body);
  else
    line(
      io.stdout,
      `${action}: ${id}${body.decision ? ` ${String(body.decision)}` : ''}${body.status ? ` -> ${String(body.status)}` : ''}${body.rollback === true ? ' (then roll back)' : ''}`,
    );
  return EXIT.OK;
}
