import {
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  ListJobExecutionsForJobCommand,
  UpdateEventConfigurationsCommand,
} from '@aws-sdk/client-iot';
import { StartNextPendingJobExecutionCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectAwsError, type Iot, jobCalls, startIot, thingArn } from './iot-harness';

const MINUTE = 60_000;
let h: Iot;
beforeEach(async () => {
  h = await startIot();
});
afterEach(() => h.close());

const { things, job, device } = jobCalls(() => h);
const execStatus = async (jobId: string, thingName: string) =>
  (await h.iot.send(new DescribeJobExecutionCommand({ jobId, thingName }))).execution?.status;

describe('timeouts on virtual time', () => {
  it('times out IN_PROGRESS executions at inProgressTimeoutInMinutes, via sweep()', async () => {
    await h.iot.send(
      new UpdateEventConfigurationsCommand({ eventConfigurations: { JOB_EXECUTION: { Enabled: true } } }),
    );
    await things('a', 'b');
    await job('j', [thingArn('a'), thingArn('b')], { timeoutConfig: { inProgressTimeoutInMinutes: 5 } });
    h.clock.advanceBy(10 * MINUTE); // the timer starts at IN_PROGRESS, not at queueing
    await h.jobsData.send(new StartNextPendingJobExecutionCommand({ thingName: 'a' }));
    h.clock.advanceBy(5 * MINUTE - 1);
    h.emu.sweep();
    expect(h.emu.state.jobs.get('j')?.executions.get('a')?.status).toBe('IN_PROGRESS');
    h.clock.advanceBy(1);
    h.emu.sweep();
    expect(h.emu.state.jobs.get('j')?.executions.get('a')?.status).toBe('TIMED_OUT');
    expect(h.emu.state.jobs.get('j')?.executions.get('b')?.status).toBe('QUEUED');
    expect(h.events.map((e) => e.topic)).toEqual(['$aws/events/jobExecution/j/timed_out']);
    await expectAwsError(device('a', 'j', 'SUCCEEDED'), 'InvalidStateTransitionException', 409);
    const j = (await h.iot.send(new DescribeJobCommand({ jobId: 'j' }))).job;
    expect(j?.jobProcessDetails?.numberOfTimedOutThings).toBe(1);
  });

  it('applies timeouts lazily on the next request, and honours the step timer', async () => {
    await things('a');
    await job('j', [thingArn('a')], { timeoutConfig: { inProgressTimeoutInMinutes: 60 } });
    const started = await h.jobsData.send(
      new StartNextPendingJobExecutionCommand({ thingName: 'a', stepTimeoutInMinutes: 2 }),
    );
    expect(started.execution?.approximateSecondsBeforeTimedOut).toBe(120);
    h.clock.advanceBy(2 * MINUTE);
    expect(await execStatus('j', 'a')).toBe('TIMED_OUT');
  });
});

describe('retries', () => {
  it('re-queues FAILED up to numberOfRetries and never retries REJECTED', async () => {
    await things('a', 'b');
    await job('j', [thingArn('a'), thingArn('b')], {
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'ALL', numberOfRetries: 1 }] },
    });
    await device('a', 'j', 'FAILED');
    await device('b', 'j', 'REJECTED');
    const list = await h.iot.send(new ListJobExecutionsForJobCommand({ jobId: 'j' }));
    const byThing = Object.fromEntries(
      (list.executionSummaries ?? []).map((s) => [s.thingArn, s.jobExecutionSummary]),
    );
    expect(byThing[thingArn('a')]).toMatchObject({ status: 'QUEUED', retryAttempt: 1 });
    expect(byThing[thingArn('b')]).toMatchObject({ status: 'REJECTED', retryAttempt: 0 });
    await device('a', 'j', 'FAILED');
    const j = (await h.iot.send(new DescribeJobCommand({ jobId: 'j' }))).job;
    expect(j?.status).toBe('COMPLETED');
    expect(j?.jobProcessDetails).toMatchObject({ numberOfFailedThings: 1, numberOfRejectedThings: 1 });
  });
});

describe('rollout rate', () => {
  it('creates at most maximumPerMinute executions per minute of virtual time', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    await things(...names);
    await job('j', names.map(thingArn), { jobExecutionsRolloutConfig: { maximumPerMinute: 2 } });
    const describe_ = async () => (await h.iot.send(new DescribeJobCommand({ jobId: 'j' }))).job;
    let j = await describe_();
    expect(j?.jobProcessDetails?.numberOfQueuedThings).toBe(2);
    expect(j?.isConcurrent).toBe(true);
    expect(j?.jobProcessDetails?.processingTargets).toHaveLength(5);
    h.clock.advanceBy(MINUTE);
    h.emu.sweep();
    expect((await describe_())?.jobProcessDetails?.numberOfQueuedThings).toBe(4);
    h.clock.advanceBy(MINUTE);
    j = await describe_();
    expect(j?.jobProcessDetails?.numberOfQueuedThings).toBe(5);
    expect(j?.isConcurrent).toBe(false);
    expect(j?.jobProcessDetails?.processingTargets).toBeUndefined();
  });

  it('grows an exponential rate after each notified-things threshold', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `t${i}`);
    await things(...names);
    await job('j', names.map(thingArn), {
      jobExecutionsRolloutConfig: {
        exponentialRate: {
          baseRatePerMinute: 2,
          incrementFactor: 2,
          rateIncreaseCriteria: { numberOfNotifiedThings: 2 },
        },
      },
    });
    const queued = () => h.emu.state.jobs.get('j')?.executions.size;
    // Dev guide worked example: the rate steps up by incrementFactor at each threshold of notified things.
    expect(queued()).toBe(2);
    h.clock.advanceBy(MINUTE);
    h.emu.sweep();
    expect(queued()).toBe(6);
    h.clock.advanceBy(MINUTE);
    h.emu.sweep();
    expect(queued()).toBe(10);
  });
});

describe('scheduling', () => {
  it('keeps a job SCHEDULED until startTime', async () => {
    await things('a');
    const start = new Date(h.clock.now() + 60 * MINUTE).toISOString().slice(0, 16);
    await job('j', [thingArn('a')], { schedulingConfig: { startTime: start } });
    expect(h.emu.state.jobs.get('j')?.status).toBe('SCHEDULED');
    expect(h.emu.state.jobs.get('j')?.executions.size).toBe(0);
    h.clock.advanceBy(60 * MINUTE);
    h.emu.sweep();
    expect(h.emu.state.jobs.get('j')?.status).toBe('IN_PROGRESS');
    expect(h.emu.state.jobs.get('j')?.executions.size).toBe(1);
  });
});
