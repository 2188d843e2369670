import { toRollback } from '../../shared/adapters/rollback-store';
import { toApproval, toRollout, toStage, toStageAttempt } from '../../shared/adapters/rollout-keys';
import type { StartPoint } from '../../shared/domain/gate';
import { RolloutStoreBusyError } from '../../shared/domain/rollout/errors';
import { successBucket } from '../../shared/domain/rollout/health-counts';
import {
  counterDelta,
  type ExecutionMark,
  type ExecutionTerminal,
  supersedes,
} from '../../shared/domain/rollout/job-event';
import type { JobSnapshot } from '../../shared/domain/rollout/job-snapshot';
import {
  APPROVAL_KINDS,
  type Approval,
  type ApprovalKind,
  type Rollout,
  type Stage,
  type StoredDecision,
} from '../../shared/domain/rollout/model';
import type { Rollback } from '../../shared/domain/rollout/rollback';
import type {
  ApplyResult,
  CounterOptions,
  Decided,
  ExecutionCounters,
  FillProgress,
  RolloutChanges,
  RolloutDetails,
  RolloutGuard,
  RolloutStore,
  TokenSlot,
} from '../../shared/services/rollout-store-port';
import { awsError, Faults } from './faults';
import { FakeHealthStore } from './health-store';

type Item = Record<string, unknown>;
const TRIES = 5;
const pad = (n: number) => String(n).padStart(3, '0');
const stageKey = (id: string, i: number) => `${id}#${pad(i)}`;
const approvalKey = (id: string, i: number, kind: ApprovalKind, attempt = 0) =>
  `${id}#${pad(i)}#${kind}#${pad(attempt)}`;
const slotKey = (id: string, slot: TokenSlot) =>
  slot.kind === 'resume'
    ? `${id}#RESUME`
    : slot.kind === 'gate'
      ? `${id}#GATE#${pad(slot.stageIndex)}`
      : `${id}#APPROVAL#${pad(slot.stageIndex)}#${slot.approval}`;
const copy = <T>(value: T): T => structuredClone(value);
const sorted = <T>(entries: Iterable<[string, T]>) =>
  [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);

/** What the tracker and the health records ADD to a stage: a restart holds only if none moved. */
const moving = (stage: Item, health: FakeHealthStore) => {
  const item = health.stageItem(String(stage.rolloutId), Number(stage.index));
  return JSON.stringify([
    stage.jobId,
    stage.status,
    stage.succeeded,
    stage.failed,
    stage.rejected,
    stage.timedOut,
    stage.excluded,
    item.suspects?.selfCheck,
    item.suspects?.reconnect,
  ]);
};

/**
 * The state table and the task tokens table in memory, with the conditions of
 * shared/adapters/rollout-store.ts (and rollout-tokens.ts, rollback-store.ts, rollout-transact.ts):
 * a lost condition answers `false` (or the stored record) exactly where the adapter does, and throws
 * ConditionalCheckFailedException where it does (a decided approval asked again). Transactions are
 * all-or-nothing. Items go in and come out as copies, read through the adapter's own item mappers.
 *
 * `races` runs a test's write between a transaction's read and its write (a concurrent event);
 * `faults` throws an injected error (throttling) at the start of a call.
 */
export class FakeRolloutStore implements RolloutStore {
  readonly rollouts = new Map<string, Item>();
  readonly stages = new Map<string, Item>();
  readonly attempts = new Map<string, Item>();
  readonly approvals = new Map<string, Item>();
  readonly tokens = new Map<string, string>();
  readonly rollbacks = new Map<string, Item>();
  readonly earlierRollbacks = new Map<string, Item>();
  readonly executionMarks = new Map<string, ExecutionMark>();
  /** The stage items' health fields (suspect counts, success buckets, Reconcile's finding). */
  readonly health = new FakeHealthStore((id, i) => this.stages.has(stageKey(id, i)));
  readonly faults = new Faults();
  readonly races = new Map<string, (() => Promise<void> | void)[]>();
  /** Every write that changed something, in order (`updateRollout:<id>`, `claimToken:<slot>`…). */
  readonly writes: string[] = [];

  /** Runs `write` once, the next time `method` has read and is about to write. */
  race(method: 'restartStage' | 'counters', write: () => Promise<void> | void): void {
    this.races.set(method, [...(this.races.get(method) ?? []), write]);
  }

  private async raced(method: string): Promise<void> {
    const write = this.races.get(method)?.shift();
    if (write) await write();
  }

  private stageOut(item: Item): Stage {
    const stage = toStage(item);
    const health = this.health.stageItem(stage.rolloutId, stage.index);
    return { ...stage, ...health };
  }

  // --- the rollout and its stages ---

  async createRollout(rollout: Rollout): Promise<{ created: boolean; rollout: Rollout }> {
    this.faults.check('createRollout');
    const stored = this.rollouts.get(rollout.rolloutId);
    if (stored) return { created: false, rollout: toRollout(copy(stored)) };
    this.rollouts.set(rollout.rolloutId, copy(rollout));
    this.writes.push(`createRollout:${rollout.rolloutId}`);
    return { created: true, rollout };
  }

  async getRollout(id: string): Promise<Rollout | undefined> {
    this.faults.check('getRollout');
    const item = this.rollouts.get(id);
    return item ? toRollout(copy(item)) : undefined;
  }

  async details(id: string): Promise<RolloutDetails | undefined> {
    this.faults.check('details');
    const head = this.rollouts.get(id);
    if (!head) return undefined;
    const mine = <T>(map: Map<string, T>) =>
      sorted([...map.entries()].filter(([k]) => k.startsWith(`${id}#`))).map(copy);
    const rollback = this.rollbacks.get(id);
    return {
      rollout: toRollout(copy(head)),
      stages: mine(this.stages).map((s) => this.stageOut(s)),
      approvals: mine(this.approvals).map(toApproval),
      ...(rollback ? { rollback: toRollback(copy(rollback)) } : {}),
      attempts: mine(this.attempts).map(toStageAttempt),
      earlierRollbacks: mine(this.earlierRollbacks).map(toRollback),
    };
  }

  async listRollouts(limit: number): Promise<Rollout[]> {
    this.faults.check('listRollouts');
    const listing = [...this.rollouts.values()].map(
      (r) => [`${new Date(Number(r.createdAt)).toISOString()}#${r.rolloutId}`, r] as [string, Item],
    );
    return sorted(listing)
      .reverse()
      .slice(0, limit)
      .map((r) => toRollout(copy(r)));
  }

  async updateRollout(id: string, changes: RolloutChanges, guard: RolloutGuard = {}): Promise<boolean> {
    this.faults.check('updateRollout');
    const item = this.rollouts.get(id);
    if (!item || !holds(item, guard)) return false;
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    this.rollouts.set(id, { ...item, ...copy(set) });
    this.writes.push(`updateRollout:${id}:${Object.keys(set).join(',')}`);
    return true;
  }

  async putStage(stage: Stage): Promise<Stage> {
    this.faults.check('putStage');
    const key = stageKey(stage.rolloutId, stage.index);
    const stored = this.stages.get(key);
    if (stored) return this.stageOut(copy(stored));
    this.stages.set(key, copy(stage));
    this.writes.push(`putStage:${key}`);
    return stage;
  }

  async restartStage(fresh: Stage, at: number): Promise<Stage> {
    this.faults.check('restartStage');
    const key = stageKey(fresh.rolloutId, fresh.index);
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const read = this.stages.get(key);
      if (!read) throw new Error(`stage ${fresh.index} of ${fresh.rolloutId} was not recorded`);
      if (read.jobId === fresh.jobId) return this.stageOut(copy(read));
      if (read.status !== 'HALTED')
        throw new Error(`stage ${fresh.index} of ${fresh.rolloutId} is ${String(read.status)}, not HALTED`);
      const seen = moving(read, this.health);
      const previous = typeof read.attempt === 'number' ? read.attempt : 0;
      const archive = `${key}#${pad(previous)}`;
      await this.raced('restartStage');
      const now = this.stages.get(key);
      // Both conditions, then both writes: a transaction applies all of it or nothing.
      if (this.attempts.has(archive) || !now || moving(now, this.health) !== seen) continue;
      const healthItem = flatHealth(this.health, fresh.rolloutId, fresh.index);
      this.attempts.set(archive, { ...copy(now), ...healthItem, archivedAt: at });
      this.stages.set(key, copy(fresh));
      this.health.stages.delete(`${fresh.rolloutId}#${fresh.index}`);
      this.writes.push(`restartStage:${key}`);
      return fresh;
    }
    throw new RolloutStoreBusyError(`stage ${fresh.index} of ${fresh.rolloutId} kept changing`);
  }

  async getStage(id: string, index: number): Promise<Stage | undefined> {
    this.faults.check('getStage');
    const item = this.stages.get(stageKey(id, index));
    return item ? this.stageOut(copy(item)) : undefined;
  }

  async getRolloutAndStage(id: string, index: number) {
    this.faults.check('getRolloutAndStage');
    const rolloutItem = this.rollouts.get(id);
    const stageItem = this.stages.get(stageKey(id, index));
    const rollout = rolloutItem && toRollout(copy(rolloutItem));
    const stage = stageItem && this.stageOut(copy(stageItem));
    return { ...(rollout ? { rollout } : {}), ...(stage ? { stage } : {}) };
  }

  async setStageStatus(id: string, index: number, status: Stage['status'], jobId?: string) {
    this.faults.check('setStageStatus');
    return this.updateStage(id, index, (s) => jobId === undefined || s.jobId === jobId, { status });
  }

  async markWatching(id: string, index: number, at: number) {
    this.faults.check('markWatching');
    return this.updateStage(id, index, (s) => s.watchingSince === undefined, { watchingSince: at });
  }

  async putJobSnapshot(
    id: string,
    index: number,
    job: JobSnapshot,
    starts: readonly StartPoint[],
    jobId?: string,
  ) {
    this.faults.check('putJobSnapshot');
    return this.updateStage(
      id,
      index,
      (s) =>
        (s.job === undefined || (s.job as JobSnapshot).at < job.at) &&
        (jobId === undefined || s.jobId === jobId),
      { job, starts },
    );
  }

  /** Like the adapter's UpdateItem on a missing stage with no condition on it, this one needs the stage. */
  async recordOutcome(id: string, index: number, previous: string | undefined, decision: StoredDecision) {
    this.faults.check('recordOutcome');
    return this.updateStage(id, index, (s) => s.lastOutcome === previous, {
      lastOutcome: decision.outcome,
      lastDecision: decision,
    });
  }

  private updateStage(id: string, index: number, condition: (stage: Item) => boolean, set: Item): boolean {
    const key = stageKey(id, index);
    const item = this.stages.get(key);
    if (!item || !condition(item)) return false;
    this.stages.set(key, { ...item, ...copy(set) });
    this.writes.push(`updateStage:${key}:${Object.keys(set).join(',')}`);
    return true;
  }

  // --- approvals ---

  async putApproval(approval: Approval): Promise<void> {
    this.faults.check('putApproval');
    const key = approvalKey(approval.rolloutId, approval.stageIndex, approval.kind, approval.attempt);
    const stored = this.approvals.get(key);
    if (stored && stored.status !== 'PENDING')
      throw awsError('ConditionalCheckFailedException', 'The conditional request failed');
    const { expiresAt, ...rest } = approval;
    this.approvals.set(key, { ...copy(rest), approvalExpiresAt: expiresAt });
    this.writes.push(`putApproval:${key}`);
  }

  async getApproval(id: string, index: number, kind: ApprovalKind, attempt = 0) {
    this.faults.check('getApproval');
    const item = this.approvals.get(approvalKey(id, index, kind, attempt));
    return item ? toApproval(copy(item)) : undefined;
  }

  async decideApproval(id: string, index: number, kind: ApprovalKind, d: Decided, attempt = 0) {
    this.faults.check('decideApproval');
    const key = approvalKey(id, index, kind, attempt);
    const item = this.approvals.get(key);
    if (item?.status !== 'PENDING') return false;
    this.approvals.set(key, {
      ...item,
      status: d.status,
      decidedAt: d.at,
      decidedBy: d.by ?? 'state-machine',
      decidedByIdentity: d.byIdentity ?? 'state-machine',
      comment: d.comment ?? '',
    });
    this.writes.push(`decideApproval:${key}:${d.status}`);
    return true;
  }

  // --- task tokens ---

  async storeToken(id: string, slot: TokenSlot, token: string): Promise<void> {
    this.faults.check('storeToken');
    this.tokens.set(slotKey(id, slot), token);
    this.writes.push(`storeToken:${slotKey(id, slot)}`);
  }

  async claimToken(id: string, slot: TokenSlot): Promise<string | undefined> {
    this.faults.check('claimToken');
    const key = slotKey(id, slot);
    const token = this.tokens.get(key);
    if (token !== undefined) this.writes.push(`claimToken:${key}`);
    this.tokens.delete(key);
    return token;
  }

  async discardTokens(id: string, stageIndex: number): Promise<void> {
    this.faults.check('discardTokens');
    const slots: TokenSlot[] = [
      { kind: 'gate', stageIndex },
      { kind: 'resume' },
      ...APPROVAL_KINDS.map((approval) => ({ kind: 'approval', stageIndex, approval }) as const),
    ];
    for (const slot of slots) this.tokens.delete(slotKey(id, slot));
  }

  /** The token parked in a slot, if any (a look, not a claim). */
  tokenIn(id: string, slot: TokenSlot): string | undefined {
    return this.tokens.get(slotKey(id, slot));
  }

  // --- the rollback ---

  async getRollback(id: string): Promise<Rollback | undefined> {
    this.faults.check('getRollback');
    const item = this.rollbacks.get(id);
    return item ? toRollback(copy(item)) : undefined;
  }

  async createRollback(rollback: Rollback): Promise<Rollback> {
    this.faults.check('createRollback');
    const id = rollback.rolloutId;
    const attempt = rollback.attempt ?? 0;
    const stored = this.rollbacks.get(id);
    const earlier = typeof stored?.attempt === 'number' ? stored.attempt : 0;
    if (attempt > 0 && stored && earlier < attempt) {
      const archive = `${id}#${pad(earlier)}`;
      if (!this.earlierRollbacks.has(archive)) this.earlierRollbacks.set(archive, copy(stored));
    }
    const replaces = !stored || (attempt > 0 && (stored.attempt === undefined || earlier < attempt));
    if (!replaces) return toRollback(copy(stored));
    this.rollbacks.set(id, copy(rollback));
    this.writes.push(`createRollback:${id}:${attempt}`);
    return rollback;
  }

  async advanceFill(id: string, fromPage: number, p: FillProgress) {
    this.faults.check('advanceFill');
    return this.updateRollback(
      id,
      (r) => r.state === 'FILLING' && (r.fill as { page: number }).page === fromPage,
      (r) => ({
        fill: p.to,
        notAddedSample: p.notAddedSample,
        added: Number(r.added ?? 0) + p.added,
        excluded: Number(r.excluded ?? 0) + p.excluded,
        notAdded: Number(r.notAdded ?? 0) + p.notAdded,
      }),
    );
  }

  async markRollbackJobCreated(id: string, at: number) {
    this.faults.check('markRollbackJobCreated');
    return this.updateRollback(
      id,
      (r) => r.state === 'FILLING',
      () => ({ state: 'RUNNING', jobCreatedAt: at }),
    );
  }

  async putRollbackJob(id: string, job: JobSnapshot) {
    this.faults.check('putRollbackJob');
    return this.updateRollback(
      id,
      (r) => r.job === undefined || (r.job as JobSnapshot).at < job.at,
      () => ({ job }),
    );
  }

  async markRollbackAttention(id: string, at: number) {
    this.faults.check('markRollbackAttention');
    return this.updateRollback(
      id,
      (r) => r.attentionAt === undefined,
      () => ({ attentionAt: at }),
    );
  }

  async markRollbackAttentionNotified(id: string) {
    this.faults.check('markRollbackAttentionNotified');
    return this.updateRollback(
      id,
      (r) => r.attentionAt !== undefined,
      () => ({ attentionNotified: true }),
    );
  }

  async endRollback(id: string, state: 'COMPLETED' | 'FAILED', at: number, error?: string) {
    this.faults.check('endRollback');
    return this.updateRollback(
      id,
      (r) => r.state === 'FILLING' || r.state === 'RUNNING',
      () => ({ state, completedAt: at, ...(error === undefined ? {} : { error }) }),
    );
  }

  private updateRollback(id: string, condition: (r: Item) => boolean, set: (r: Item) => Item): boolean {
    const item = this.rollbacks.get(id);
    if (!item || !condition(item)) return false;
    const changes = copy(set(item));
    this.rollbacks.set(id, { ...item, ...changes });
    this.writes.push(`updateRollback:${id}:${Object.keys(changes).join(',')}`);
    return true;
  }

  // --- the tracker's counters ---

  /** The adapter's transaction: the execution item (newest wins) and the stage's counters, together. */
  readonly counters: ExecutionCounters = async (
    rolloutId: string,
    stageIndex: number,
    e: ExecutionTerminal,
    options: CounterOptions = {},
  ): Promise<ApplyResult> => {
    this.faults.check('counters');
    const markKey = `${e.jobId}#${e.thingName}`;
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const current = this.executionMarks.get(markKey);
      if (current && current.eventId === e.eventId && current.at === e.at) return 'duplicate';
      if (!supersedes(e, current)) return 'stale';
      const delta = counterDelta(current?.outcome, e.outcome);
      await this.raced('counters');
      const key = stageKey(rolloutId, stageIndex);
      const stage = this.stages.get(key);
      if (!stage || stage.jobId !== e.jobId) return 'unknown-stage';
      const now = this.executionMarks.get(markKey);
      if (now?.at !== current?.at || now?.eventId !== current?.eventId) continue;
      this.executionMarks.set(markKey, { at: e.at, eventId: e.eventId, outcome: e.outcome });
      const counts: Item = { ...stage };
      for (const [field, n] of Object.entries(delta)) counts[field] = Number(counts[field] ?? 0) + n;
      this.stages.set(key, counts);
      if (options.successBuckets && delta.succeeded !== 0)
        this.addSuccess(rolloutId, stageIndex, delta.succeeded, e.at, current?.at);
      this.writes.push(`counters:${e.jobId}#${e.thingName}`);
      return 'applied';
    }
    throw new RolloutStoreBusyError(`execution ${e.jobId}/${e.thingName} kept changing`);
  };

  private addSuccess(rolloutId: string, stageIndex: number, n: number, at: number, previousAt?: number) {
    const bucket = successBucket(n > 0 ? at : (previousAt ?? at));
    const key = `${rolloutId}#${stageIndex}`;
    const item = this.health.stages.get(key) ?? {};
    const buckets = { ...(item.okBuckets ?? {}) };
    buckets[bucket] = (buckets[bucket] ?? 0) + n;
    this.health.stages.set(key, { ...item, okBuckets: buckets });
  }
}

/** RolloutGuard over a stored rollout item, as the adapter's ConditionExpression reads it. */
function holds(item: Item, guard: RolloutGuard): boolean {
  if (guard.status !== undefined && item.status !== guard.status) return false;
  if (guard.abortRequested === false && item.abortRequested !== false) return false;
  if (guard.completeRequested === false && item.completeRequested !== undefined) return false;
  if (guard.digest !== undefined && item.digest !== guard.digest) return false;
  if (guard.executionArn !== undefined && item.executionArn !== guard.executionArn) return false;
  if (
    guard.writtenBy !== undefined &&
    item.executionArn !== undefined &&
    item.executionArn !== guard.writtenBy
  )
    return false;
  return true;
}

/** A stage's health fields as the item holds them (`suspects_<reason>`, `ok_<minute>`), for an archive. */
function flatHealth(health: FakeHealthStore, rolloutId: string, index: number): Item {
  const item = health.stageItem(rolloutId, index);
  return {
    ...Object.fromEntries(Object.entries(item.suspects ?? {}).map(([r, n]) => [`suspects_${r}`, n])),
    ...Object.fromEntries(Object.entries(item.okBuckets ?? {}).map(([b, n]) => [`ok_${b}`, n])),
    ...(item.okMatured === undefined ? {} : { okMatured: item.okMatured }),
    ...(item.health === undefined ? {} : { health: item.health }),
  };
}
