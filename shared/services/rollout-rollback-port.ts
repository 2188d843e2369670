import type { JobSnapshot } from '../domain/rollout/job-snapshot';
import type { RollbackJobRequest } from '../domain/rollout/rollback';

/** What AWS answered when a thing was added to the rollback group. */
export type Membership = 'added' | 'missing' | 'refused';

/** One page of the things whose execution of a job SUCCEEDED (ListJobExecutionsForJob). */
export type SucceededPage = { things: string[]; nextToken?: string };

/** The AWS IoT calls a rollback makes (shared/adapters/rollback-iot.ts). */
export interface RollbackIot {
  /**
   * The static rollback group, created tagged managedBy=fleet-autopilot; an identical existing one is
   * fine. A group of that name the automation did not create is a RollbackGroupConflictError.
   */
  ensureGroup(groupName: string, rolloutId: string): Promise<'created' | 'exists'>;
  /** DescribeThingGroup: does a group of this name exist now? */
  groupExists(groupName: string): Promise<boolean>;
  /** Paced under the account's membership quota. `missing`: the thing is gone; `refused`: AWS said no (10 groups). */
  addThing(groupName: string, thingName: string): Promise<Membership>;
  /** Up to 250 things per page; a job that does not exist has none. */
  succeededThings(jobId: string, nextToken?: string): Promise<SucceededPage>;
  /** CreateJob; an existing job with this id is success (`exists`). */
  createJob(request: RollbackJobRequest): Promise<'created' | 'exists'>;
  describeJob(jobId: string, at: number): Promise<JobSnapshot | undefined>;
}
