import type { JobExecutionStatus } from '@aws-sdk/client-iot';
import {
  IotThrottledError,
  RollbackGroupConflictError,
  TargetGroupNotFoundError,
} from '../../shared/domain/rollout/errors';
import type { CreateJobRequest } from '../../shared/domain/rollout/job-request';
import type { JobSnapshot } from '../../shared/domain/rollout/job-snapshot';
import type { RollbackJobRequest } from '../../shared/domain/rollout/rollback';
import type { RolloutJobs } from '../../shared/services/rollout-iot-ports';
import type { Membership, RollbackIot, SucceededPage } from '../../shared/services/rollout-rollback-port';
import { awsError, Faults, throttled } from './faults';

/** AWS IoT's job execution statuses (the SDK's own union). */
export type ExecutionStatus = JobExecutionStatus;
type Execution = { status: ExecutionStatus; startedAt?: number };
/** A thing group; a dynamic one (fleet indexing) has its query, backfill status and tags. */
export type Group = {
  managed: boolean;
  parent?: string;
  members: Set<string>;
  query?: string;
  status?: string;
  tags?: { Key: string; Value: string }[];
};
export type FakeJob = {
  request: CreateJobRequest | RollbackJobRequest;
  status: 'IN_PROGRESS' | 'CANCELED' | 'COMPLETED';
  reasonCode?: string;
  comment?: string;
  executions: Map<string, Execution>;
};

const PAGE = 250;
/** "A thing can be added to a maximum of 10 thing groups" (AddThingToThingGroup). */
const MAX_GROUPS_PER_THING = 10;
const ACTIVE: readonly ExecutionStatus[] = ['QUEUED', 'IN_PROGRESS'];
const groupOf = (arn: string) => arn.slice(arn.indexOf(':thinggroup/') + ':thinggroup/'.length);

/**
 * One account's AWS IoT as the rollout adapters see it (shared/adapters/rollout-jobs.ts,
 * rollback-iot.ts): thing groups and their members, jobs and their executions. AWS's rules: CreateJob
 * with an existing id is ResourceAlreadyExists (`exists`); a job's executions start QUEUED for the
 * things its groups hold; CancelJob cancels QUEUED executions (IN_PROGRESS ones only with force) and
 * cannot cancel a COMPLETED or CANCELED job; a SNAPSHOT job whose executions all ended is COMPLETED; a
 * thing is in at most 10 groups. Throttling is injectable per method, as the adapters surface it.
 */
export class FakeIot implements RolloutJobs, RollbackIot {
  readonly groups = new Map<string, Group>();
  readonly things = new Set<string>();
  readonly jobs = new Map<string, FakeJob>();
  readonly faults = new Faults();
  /** Every call that changed AWS, in order (`createJob:<id>`, `cancelJob:<id>`, `addThing:<g>/<t>`…). */
  readonly calls: string[] = [];
  readonly cancels: { jobId: string; force: boolean; comment: string; reasonCode: string }[] = [];
  /** Each DescribeJob, as `<jobId>@<at>`. */
  readonly reads: string[] = [];

  /** A thing group (made by someone else unless `managed`), its things registered. */
  addGroup(
    name: string,
    things: readonly string[] = [],
    options: { managed?: boolean; parent?: string } = {},
  ) {
    for (const t of things) this.things.add(t);
    this.groups.set(name, {
      managed: options.managed ?? false,
      parent: options.parent,
      members: new Set(things),
    });
  }

  /** After `after` calls, the next `times` calls of `method` are throttled, with the error its adapter throws. */
  throttle(method: keyof RolloutJobs | keyof RollbackIot, times = 1, after = 0) {
    const rollbackOnly = ['ensureGroup', 'addThing', 'succeededThings'].includes(method);
    const error = rollbackOnly ? throttled() : new IotThrottledError('AWS IoT throttled: Rate exceeded');
    this.faults.inject(method, error, times, after);
  }

  private job(jobId: string): FakeJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    return job;
  }

  /** Executions reach these statuses, in thing order (more than the job has: late joiners are added). */
  progress(
    jobId: string,
    counts: Partial<Record<ExecutionStatus, number>>,
    startedAt?: (n: number) => number,
  ) {
    const job = this.job(jobId);
    const things = [...job.executions.keys()];
    let n = 0;
    for (const [status, count] of Object.entries(counts) as [ExecutionStatus, number][]) {
      for (let i = 0; i < count; i++, n++) {
        const thing = things[n] ?? `late-${jobId}-${n}`;
        job.executions.set(thing, { status, ...(startedAt ? { startedAt: startedAt(n) } : {}) });
      }
    }
    this.settle(job);
  }

  /** One execution reports `status` (started at `startedAt`). */
  report(jobId: string, thing: string, status: ExecutionStatus, startedAt?: number) {
    const job = this.job(jobId);
    job.executions.set(thing, { status, ...(startedAt === undefined ? {} : { startedAt }) });
    this.settle(job);
  }

  /** Someone else cancels or deletes the job (AWS's abortConfig, an operator). */
  stopOutside(jobId: string, how: 'cancel' | 'delete', reasonCode = 'OPERATOR') {
    if (how === 'delete') this.jobs.delete(jobId);
    else Object.assign(this.job(jobId), { status: 'CANCELED', reasonCode, comment: 'cancelled outside' });
  }

  private settle(job: FakeJob) {
    const snapshot = job.request.targetSelection === 'SNAPSHOT';
    const running = [...job.executions.values()].some((e) => ACTIVE.includes(e.status));
    if (snapshot && job.status === 'IN_PROGRESS' && !running && job.executions.size > 0)
      job.status = 'COMPLETED';
  }

  /** Things in the group and its sub-groups (undefined when the group does not exist). */
  private members(name: string): Set<string> | undefined {
    const group = this.groups.get(name);
    if (!group) return undefined;
    const all = new Set(group.members);
    for (const [child, g] of this.groups)
      if (g.parent === name) for (const t of this.members(child) ?? []) all.add(t);
    return all;
  }

  // --- RolloutJobs ---

  async createJob(request: CreateJobRequest | RollbackJobRequest): Promise<'created' | 'exists'> {
    this.faults.check('createJob');
    if (this.jobs.has(request.jobId)) return 'exists';
    const executions = new Map<string, Execution>();
    for (const arn of request.targets)
      for (const thing of this.members(groupOf(arn)) ?? []) executions.set(thing, { status: 'QUEUED' });
    this.jobs.set(request.jobId, { request: structuredClone(request), status: 'IN_PROGRESS', executions });
    this.calls.push(`createJob:${request.jobId}`);
    return 'created';
  }

  async cancelJob(jobId: string, force: boolean, comment: string, reasonCode = 'ROLLOUT_HALTED') {
    this.faults.check('cancelJob');
    const job = this.jobs.get(jobId);
    if (job?.status !== 'IN_PROGRESS') return 'not-cancellable' as const;
    Object.assign(job, { status: 'CANCELED', reasonCode, comment: comment.slice(0, 2028) });
    for (const e of job.executions.values())
      if (e.status === 'QUEUED' || (force && e.status === 'IN_PROGRESS')) e.status = 'CANCELED';
    this.cancels.push({ jobId, force, comment, reasonCode });
    this.calls.push(`cancelJob:${jobId}`);
    return 'cancelled' as const;
  }

  async describeJob(jobId: string, at: number): Promise<JobSnapshot | undefined> {
    this.faults.check('describeJob');
    this.reads.push(`${jobId}@${at}`);
    const job = this.jobs.get(jobId);
    if (!job) return undefined;
    const count = (status: ExecutionStatus) =>
      [...job.executions.values()].filter((e) => e.status === status).length;
    return {
      at,
      status: job.status,
      targetsOpen: job.request.targetSelection === 'CONTINUOUS',
      ...(job.reasonCode ? { reasonCode: job.reasonCode } : {}),
      ...(job.comment ? { comment: job.comment.slice(0, 512) } : {}),
      queued: count('QUEUED'),
      inProgress: count('IN_PROGRESS'),
      succeeded: count('SUCCEEDED'),
      failed: count('FAILED'),
      rejected: count('REJECTED'),
      timedOut: count('TIMED_OUT'),
      canceled: count('CANCELED'),
      removed: count('REMOVED'),
    };
  }

  async groupExists(name: string): Promise<boolean> {
    this.faults.check('groupExists');
    return this.groups.has(name);
  }

  async thingsInGroup(name: string): Promise<string[]> {
    this.faults.check('thingsInGroup');
    const members = this.members(name);
    if (!members) throw new TargetGroupNotFoundError(`thing group ${name} does not exist`, [name]);
    return [...members];
  }

  async failureStarts(jobId: string, statuses: readonly string[], maxPages = 8): Promise<number[]> {
    this.faults.check('failureStarts');
    const executions = [...(this.jobs.get(jobId)?.executions.values() ?? [])];
    return statuses.flatMap((status) =>
      executions
        .filter((e) => e.status === status && e.startedAt !== undefined)
        .slice(0, maxPages * PAGE)
        .map((e) => e.startedAt as number),
    );
  }

  async countTargets(groups: string[]): Promise<number> {
    this.faults.check('countTargets');
    const things = new Set<string>();
    for (const group of groups) for (const thing of await this.thingsInGroup(group)) things.add(thing);
    return things.size;
  }

  // --- RollbackIot ---

  async ensureGroup(groupName: string, _rolloutId: string): Promise<'created' | 'exists'> {
    this.faults.check('ensureGroup');
    const existing = this.groups.get(groupName);
    if (!existing) {
      this.groups.set(groupName, { managed: true, members: new Set() });
      this.calls.push(`ensureGroup:${groupName}`);
      return 'created';
    }
    if (!existing.managed || existing.parent)
      throw new RollbackGroupConflictError(
        `thing group ${groupName} exists and was not created by fleet-autopilot`,
      );
    return 'exists';
  }

  async addThing(groupName: string, thingName: string): Promise<Membership> {
    this.faults.check('addThing');
    const group = this.groups.get(groupName);
    if (!group) throw awsError('ResourceNotFoundException', `thing group ${groupName} not found`);
    if (!this.things.has(thingName)) return 'missing';
    const memberships = [...this.groups.values()].filter((g) => g.members.has(thingName)).length;
    if (!group.members.has(thingName) && memberships >= MAX_GROUPS_PER_THING) return 'refused';
    group.members.add(thingName);
    this.calls.push(`addThing:${groupName}/${thingName}`);
    return 'added';
  }

  async succeededThings(jobId: string, nextToken?: string): Promise<SucceededPage> {
    this.faults.check('succeededThings');
    const job = this.jobs.get(jobId);
    if (!job) return { things: [] };
    const all = [...job.executions].filter(([, e]) => e.status === 'SUCCEEDED').map(([t]) => t);
    const start = Number(nextToken ?? 0);
    const end = start + PAGE;
    return { things: all.slice(start, end), ...(end < all.length ? { nextToken: String(end) } : {}) };
  }

  /** The things in a group now (not its sub-groups). */
  membersOf(groupName: string): string[] {
    return [...(this.groups.get(groupName)?.members ?? [])].sort();
  }
}
