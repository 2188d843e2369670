import type { ThingIndexingSettings } from '../domain/fleet-index/query-fields';
import type { CreateJobRequest } from '../domain/rollout/job-request';
import type { JobSnapshot } from '../domain/rollout/job-snapshot';

/**
 * The AWS IoT calls a rollout's stages make (shared/adapters/rollout-jobs.ts, fleet-index.ts; a
 * rollback's are in rollout-rollback-port.ts). Throttling that outlives the SDK's retries is an
 * IotThrottledError, which the state machine retries with backoff.
 */

/** The registry reads a preflight needs. */
export interface TargetGroups {
  /** DescribeThingGroup: does the group exist now? */
  groupExists(name: string): Promise<boolean>;
  /** Distinct things in the group and its sub-groups; TargetGroupNotFoundError if it is gone. */
  thingsInGroup(name: string): Promise<string[]>;
}

/** The fleet index reads a preflight needs for query stages. */
export interface QueryIndex {
  /** GetIndexingConfiguration's thing part: what the AWS_Things index holds. */
  thingIndexing(): Promise<ThingIndexingSettings>;
  /** Things matching now (GetStatistics). */
  count(query: string): Promise<number>;
}

/** AWS IoT Jobs and the thing groups a stage targets. */
export interface RolloutJobs extends TargetGroups {
  /** CreateJob; a job with this id exists already (a retried start made it) is `exists`, not an error. */
  createJob(request: CreateJobRequest): Promise<'created' | 'exists'>;
  /**
   * CancelJob. A job that is already COMPLETED or CANCELED, or does not exist, cannot be: that is
   * `not-cancellable`, not an error. Without `force`, executions that already started run to their end.
   */
  cancelJob(
    jobId: string,
    force: boolean,
    comment: string,
    reasonCode?: string,
  ): Promise<'cancelled' | 'not-cancellable'>;
  /** DescribeJob: the job's status and per-status counts, read at `at`; undefined when it does not exist. */
  describeJob(jobId: string, at: number): Promise<JobSnapshot | undefined>;
  /** When each execution in one of `statuses` started (epoch ms), from at most `maxPages` pages per status. */
  failureStarts(jobId: string, statuses: readonly string[], maxPages?: number): Promise<number[]>;
  /** Distinct things in the groups and their sub-groups; TargetGroupNotFoundError when one is gone. */
  countTargets(groups: string[]): Promise<number>;
}

/** The fleet index and the dynamic thing groups of query stages. */
export interface RolloutFleetIndex extends QueryIndex {
  /**
   * CreateDynamicThingGroup, idempotent: a group of that name with the same query is this one (a
   * retried step); another query, or a static group, is a QueryGroupConflictError; the account's
   * limit of dynamic groups a DynamicGroupLimitError. Returns the group's status (BUILDING, ACTIVE…).
   */
  ensureDynamicGroup(
    thingGroupName: string,
    queryString: string,
    description: string,
    tags: { Key: string; Value: string }[],
  ): Promise<{ created: boolean; status: string }>;
  /** DeleteDynamicThingGroup; a group already gone is a success. */
  deleteDynamicGroup(thingGroupName: string): Promise<void>;
}
