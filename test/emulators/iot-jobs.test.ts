import {
  AddThingToThingGroupCommand,
  CreateJobCommand,
  CreateThingGroupCommand,
  ListJobExecutionsForJobCommand,
  RemoveThingFromThingGroupCommand,
} from '@aws-sdk/client-iot';
import {
  GetPendingJobExecutionsCommand,
  StartNextPendingJobExecutionCommand,
} from '@aws-sdk/client-iot-jobs-data-plane';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectAwsError, groupArn, type Iot, jobCalls, startIot, thingArn } from './iot-harness';

let h: Iot;
beforeEach(async () => {
  h = await startIot();
});
afterEach(() => h.close());

const { things, job, device, describeJob: describe_ } = jobCalls(() => h);

describe('CreateJob validation', () => {
  it('enforces jobId, uniqueness, targets and document limits', async () => {
    await things('t1');
    await expectAwsError(job('bad id!', [thingArn('t1')]), 'InvalidRequestException', 400);
    await job('j1', [thingArn('t1')]);
    // CreateJob: a repeated jobId is ResourceAlreadyExistsException (409), not idempotent.
    const dup = await expectAwsError(job('j1', [thingArn('t1')]), 'ResourceAlreadyExistsException', 409);
    expect(dup.resourceId).toBe('j1');
    const many = Array.from({ length: 101 }, () => thingArn('t1'));
    await expectAwsError(job('j2', many), 'LimitExceededException', 410);
    await expectAwsError(job('j3', [thingArn('ghost')]), 'ResourceNotFoundException', 404);
    await expectAwsError(
      h.iot.send(
        new CreateJobCommand({ jobId: 'j4', targets: [thingArn('t1')], document: 'x'.repeat(32769) }),
      ),
      'InvalidRequestException',
      400,
    );
    await expectAwsError(
      h.iot.send(new CreateJobCommand({ jobId: 'j5', targets: [thingArn('t1')] })),
      'InvalidRequestException',
      400,
    );
    await expectAwsError(
      job('j6', [thingArn('t1')], {
        abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL' }] },
      }),
      'InvalidRequestException',
      400,
    );
  });
});

describe('job lifecycle', () => {
  it('expands groups (with child groups) and tracks all 8 counters to COMPLETED', async () => {
    await things('a', 'b', 'c', 'd');
    await h.iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet' }));
    await h.iot.send(new CreateThingGroupCommand({ thingGroupName: 'eu', parentGroupName: 'fleet' }));
    await h.iot.send(new AddThingToThingGroupCommand({ thingName: 'a', thingGroupName: 'fleet' }));
    await h.iot.send(new AddThingToThingGroupCommand({ thingName: 'b', thingGroupName: 'eu' }));
    await job('j', [groupArn('fleet'), thingArn('c')]);
    let j = await describe_('j');
    expect(j?.status).toBe('IN_PROGRESS');
    expect(j?.createdAt).toEqual(new Date(h.clock.now()));
    expect(j?.jobProcessDetails).toMatchObject({ numberOfQueuedThings: 3, numberOfInProgressThings: 0 });

    const started = await h.jobsData.send(new StartNextPendingJobExecutionCommand({ thingName: 'a' }));
    expect(started.execution?.status).toBe('IN_PROGRESS');
    expect(started.execution?.jobDocument).toBe('{"op":"update"}');
    // The jobs data plane speaks epoch milliseconds.
    expect(started.execution?.startedAt).toBe(h.clock.now());
    j = await describe_('j');
    expect(j?.jobProcessDetails).toMatchObject({ numberOfQueuedThings: 2, numberOfInProgressThings: 1 });

    h.clock.advanceBy(1000);
    await device('a', 'j', 'SUCCEEDED');
    await device('b', 'j', 'FAILED');
    await device('c', 'j', 'REJECTED');
    j = await describe_('j');
    expect(j?.status).toBe('COMPLETED');
    expect(j?.completedAt).toEqual(new Date(h.clock.now()));
    expect(j?.jobProcessDetails).toEqual({
      numberOfCanceledThings: 0,
      numberOfSucceededThings: 1,
      numberOfFailedThings: 1,
      numberOfRejectedThings: 1,
      numberOfQueuedThings: 0,
      numberOfInProgressThings: 0,
      numberOfRemovedThings: 0,
      numberOfTimedOutThings: 0,
    });
    // Terminal executions take no further device updates.
    await expectAwsError(device('a', 'j', 'IN_PROGRESS'), 'InvalidStateTransitionException', 409);
  });

  it('rejects a stale expectedVersion from the device', async () => {
    await things('a');
    await job('j', [thingArn('a')]);
    const res = await device('a', 'j', 'IN_PROGRESS', { includeJobExecutionState: true });
    expect(res.executionState?.versionNumber).toBe(2);
    await expectAwsError(
      device('a', 'j', 'SUCCEEDED', { expectedVersion: 1 }),
      'InvalidStateTransitionException',
      409,
    );
    await device('a', 'j', 'SUCCEEDED', { expectedVersion: 2 });
  });

  it('pages ListJobExecutionsForJob and filters by status', async () => {
    await things('a', 'b', 'c');
    await job('j', ['a', 'b', 'c'].map(thingArn));
    await device('b', 'j', 'SUCCEEDED');
    const page1 = await h.iot.send(new ListJobExecutionsForJobCommand({ jobId: 'j', maxResults: 2 }));
    expect(page1.executionSummaries).toHaveLength(2);
    const page2 = await h.iot.send(
      new ListJobExecutionsForJobCommand({ jobId: 'j', maxResults: 2, nextToken: page1.nextToken }),
    );
    expect(page2.executionSummaries?.map((s) => s.thingArn)).toEqual([thingArn('c')]);
    expect(page2.nextToken).toBeUndefined();
    const queued = await h.iot.send(new ListJobExecutionsForJobCommand({ jobId: 'j', status: 'QUEUED' }));
    expect(queued.executionSummaries?.map((s) => s.thingArn)).toEqual([thingArn('a'), thingArn('c')]);
    await expectAwsError(
      h.iot.send(new ListJobExecutionsForJobCommand({ jobId: 'j', maxResults: 251 })),
      'InvalidRequestException',
      400,
    );
  });

  it('gives things that join a CONTINUOUS job target group an execution; leavers are REMOVED', async () => {
    await things('a', 'b');
    await h.iot.send(new CreateThingGroupCommand({ thingGroupName: 'g' }));
    await job('cont', [groupArn('g')], { targetSelection: 'CONTINUOUS' });
    await job('snap', [groupArn('g')]);
    expect((await describe_('snap'))?.status).toBe('COMPLETED');
    await h.iot.send(new AddThingToThingGroupCommand({ thingName: 'a', thingGroupName: 'g' }));
    const pending = await h.jobsData.send(new GetPendingJobExecutionsCommand({ thingName: 'a' }));
    expect(pending.queuedJobs?.map((q) => q.jobId)).toEqual(['cont']);
    await h.iot.send(new RemoveThingFromThingGroupCommand({ thingName: 'a', thingGroupName: 'g' }));
    const j = await describe_('cont');
    expect(j?.status).toBe('IN_PROGRESS');
    expect(j?.jobProcessDetails?.numberOfRemovedThings).toBe(1);
  });
});
