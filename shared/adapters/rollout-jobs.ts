import {
  CancelJobCommand,
  CreateJobCommand,
  type CreateJobCommandInput,
  DescribeJobCommand,
  DescribeThingGroupCommand,
  type IoTClient,
  type Job,
  type JobExecutionStatus,
  ListJobExecutionsForJobCommand,
  ListThingsInThingGroupCommand,
  type ListThingsInThingGroupCommandOutput,
} from '@aws-sdk/client-iot';
import { IotThrottledError, TargetGroupNotFoundError } from '../domain/rollout/errors';
import type { CreateJobRequest } from '../domain/rollout/job-request';
import type { JobSnapshot } from '../domain/rollout/job-snapshot';
import type { RolloutJobs } from '../services/rollout-iot-ports';

/** Throttling that outlived the SDK's adaptive retries becomes the error the state machine retries with backoff. */
async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error as Error).name === 'ThrottlingException') {
      throw new IotThrottledError(`AWS IoT throttled: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

/** The AWS IoT Jobs calls a rollout makes. */
export function iotRolloutJobs(client: IoTClient): RolloutJobs {
  /** Things in the group and its sub-groups; a group that does not exist is a TargetGroupNotFoundError. */
  async function thingsInGroup(thingGroupName: string): Promise<string[]> {
    const things = new Set<string>();
    let nextToken: string | undefined;
    do {
      let page: ListThingsInThingGroupCommandOutput;
      try {
        page = await call(() =>
          client.send(
            new ListThingsInThingGroupCommand({
              thingGroupName,
              recursive: true,
              maxResults: 250,
              nextToken,
            }),
          ),
        );
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
        throw new TargetGroupNotFoundError(`thing group ${thingGroupName} does not exist`, [thingGroupName]);
      }
      for (const thing of page.things ?? []) things.add(thing);
      nextToken = page.nextToken;
    } while (nextToken);
    return [...things];
  }

  return {
    /** CreateJob; ResourceAlreadyExists means a retried start already created it. */
    async createJob(request: CreateJobRequest): Promise<'created' | 'exists'> {
      try {
        await call(() => client.send(new CreateJobCommand(request as CreateJobCommandInput)));
        return 'created';
      } catch (error) {
        if ((error as Error).name === 'ResourceAlreadyExistsException') return 'exists';
        throw error;
      }
    },

    /** CancelJob; a job already finished or cancelled cannot be, which is reported, not thrown. */
    async cancelJob(
      jobId: string,
      force: boolean,
      comment: string,
      reasonCode = 'ROLLOUT_HALTED',
    ): Promise<'cancelled' | 'not-cancellable'> {
      try {
        await call(() =>
          client.send(
            new CancelJobCommand({
              jobId,
              force,
              reasonCode,
              comment: comment.slice(0, 2028),
            }),
          ),
        );
        return 'cancelled';
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'InvalidStateTransitionException' || name === 'ResourceNotFoundException')
          return 'not-cancellable';
        // A COMPLETED job answers InvalidRequestException: look before calling that a failure.
        if (name === 'InvalidRequestException') {
          const { job } = await call(() => client.send(new DescribeJobCommand({ jobId })));
          if (job?.status === 'COMPLETED' || job?.status === 'CANCELED') return 'not-cancellable';
        }
        throw error;
      }
    },

    /** DescribeJob: the job's status and per-status execution counts at `at`; undefined if it does not exist. */
    async describeJob(jobId: string, at: number): Promise<JobSnapshot | undefined> {
      let job: Job | undefined;
      try {
        ({ job } = await call(() => client.send(new DescribeJobCommand({ jobId }))));
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') return undefined;
        throw error;
      }
      if (!job) return undefined;
      const d = job.jobProcessDetails ?? {};
      const n = (v: number | undefined) => v ?? 0;
      return {
        at,
        status: job.status ?? 'IN_PROGRESS',
        // processingTargets lists the targets AWS is still creating executions for (null once done).
        targetsOpen:
          job.targetSelection === 'CONTINUOUS' ||
          job.status === 'SCHEDULED' ||
          (d.processingTargets?.length ?? 0) > 0,
        ...(job.reasonCode ? { reasonCode: job.reasonCode } : {}),
        ...(job.comment ? { comment: job.comment.slice(0, 512) } : {}),
        queued: n(d.numberOfQueuedThings),
        inProgress: n(d.numberOfInProgressThings),
        succeeded: n(d.numberOfSucceededThings),
        failed: n(d.numberOfFailedThings),
        rejected: n(d.numberOfRejectedThings),
        timedOut: n(d.numberOfTimedOutThings),
        canceled: n(d.numberOfCanceledThings),
        removed: n(d.numberOfRemovedThings),
      };
    },

    /** DescribeThingGroup: does the group exist now? (The rollout preflight.) */
    async groupExists(thingGroupName: string): Promise<boolean> {
      try {
        await call(() => client.send(new DescribeThingGroupCommand({ thingGroupName })));
        return true;
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') return false;
        throw error;
      }
    },

    thingsInGroup,

    /**
     * When each execution that reported one of `statuses` started (epoch ms, the API's seconds): the
     * ranks the prefix halt rule needs. At most `maxPages` pages of 250 per status (the failures a
     * stage has before the plain rule halts are far fewer).
     */
    async failureStarts(jobId: string, statuses: readonly string[], maxPages = 8): Promise<number[]> {
      const starts: number[] = [];
      for (const status of statuses) {
        let nextToken: string | undefined;
        for (let page = 0; page < maxPages; page++) {
          const out = await call(() =>
            client.send(
              new ListJobExecutionsForJobCommand({
                jobId,
                status: status as JobExecutionStatus,
                maxResults: 250,
                nextToken,
              }),
            ),
          );
          for (const e of out.executionSummaries ?? []) {
            const at = e.jobExecutionSummary?.startedAt;
            if (at) starts.push(at.getTime());
          }
          nextToken = out.nextToken;
          if (!nextToken) break;
        }
      }
      return starts;
    },

    /** Distinct things in the groups, sub-groups included: the stage's target count for the gate. */
    async countTargets(groups: string[]): Promise<number> {
      const things = new Set<string>();
      for (const group of groups) for (const thing of await thingsInGroup(group)) things.add(thing);
      return things.size;
    },
  };
}
