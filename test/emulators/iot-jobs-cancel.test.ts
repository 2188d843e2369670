import {
  CancelJobCommand,
  CancelJobExecutionCommand,
  DescribeJobExecutionCommand,
  UpdateEventConfigurationsCommand,
} from '@aws-sdk/client-iot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectAwsError, type Iot, jobCalls, startIot, thingArn } from './iot-harness';

let h: Iot;
beforeEach(async () => {
  h = await startIot();
});
afterEach(() => h.close());

const { things, job, device, describeJob: describe_ } = jobCalls(() => h);

describe('cancellation', () => {
  async function threeStates() {
    await things('q', 'p', 's');
    await job('j', ['q', 'p', 's'].map(thingArn));
    await device('p', 'j', 'IN_PROGRESS');
    await device('s', 'j', 'SUCCEEDED');
  }

  it('CancelJob without force cancels only QUEUED executions (API reference)', async () => {
    await threeStates();
    await h.iot.send(
      new CancelJobCommand({ jobId: 'j', reasonCode: 'GATE_FAILED', comment: 'failure rate' }),
    );
    const j = await describe_('j');
    expect(j).toMatchObject({
      status: 'CANCELED',
      forceCanceled: false,
      reasonCode: 'GATE_FAILED',
      comment: 'failure rate',
    });
    expect(j?.jobProcessDetails).toMatchObject({
      numberOfCanceledThings: 1,
      numberOfInProgressThings: 1,
      numberOfSucceededThings: 1,
    });
    // The in-progress device may still finish.
    await device('p', 'j', 'SUCCEEDED');
    expect((await describe_('j'))?.jobProcessDetails?.numberOfSucceededThings).toBe(2);
    expect((await describe_('j'))?.status).toBe('CANCELED');
  });

  it('CancelJob with force also cancels IN_PROGRESS and locks the device out', async () => {
    await threeStates();
    await h.iot.send(new CancelJobCommand({ jobId: 'j', force: true }));
    const j = await describe_('j');
    expect(j).toMatchObject({ status: 'CANCELED', forceCanceled: true });
    expect(j?.jobProcessDetails).toMatchObject({ numberOfCanceledThings: 2, numberOfSucceededThings: 1 });
    const ex = await h.iot.send(new DescribeJobExecutionCommand({ jobId: 'j', thingName: 'p' }));
    expect(ex.execution).toMatchObject({ status: 'CANCELED', forceCanceled: true });
    await expectAwsError(device('p', 'j', 'SUCCEEDED'), 'InvalidStateTransitionException', 409);
  });

  it('CancelJobExecution needs force for IN_PROGRESS and refuses terminal executions', async () => {
    await threeStates();
    const cancel = (thingName: string, force?: boolean) =>
      h.iot.send(new CancelJobExecutionCommand({ jobId: 'j', thingName, ...(force ? { force } : {}) }));
    await expectAwsError(cancel('p'), 'InvalidStateTransitionException', 409);
    await expectAwsError(cancel('s', true), 'InvalidStateTransitionException', 409);
    await cancel('q');
    await cancel('p', true);
    const j = await describe_('j');
    expect(j?.jobProcessDetails?.numberOfCanceledThings).toBe(2);
    expect(j?.status).toBe('COMPLETED');
  });
});

describe('abortConfig', () => {
  it('cancels QUEUED executions once the failure threshold is met, leaving IN_PROGRESS alone', async () => {
    const names = ['t0', 't1', 't2', 't3', 't4', 't5'];
    await things(...names);
    await h.iot.send(
      new UpdateEventConfigurationsCommand({ eventConfigurations: { JOB: { Enabled: true } } }),
    );
    await job('j', names.map(thingArn), {
      abortConfig: {
        criteriaList: [
          { failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 3 },
        ],
      },
    });
    await device('t0', 'j', 'IN_PROGRESS');
    await device('t1', 'j', 'FAILED');
    await device('t2', 'j', 'FAILED');
    // 2 executed: below minNumberOfExecutedThings, so no abort yet.
    expect((await describe_('j'))?.status).toBe('IN_PROGRESS');
    await device('t3', 'j', 'SUCCEEDED');
    const j = await describe_('j');
    expect(j?.status).toBe('CANCELED');
    expect(j?.reasonCode).toMatch(/^[A-Z0-9_]+$/);
    expect(j?.comment).toContain('FAILED');
    expect(j?.jobProcessDetails).toMatchObject({ numberOfCanceledThings: 2, numberOfInProgressThings: 1 });
    expect(h.events.map((e) => e.topic)).toEqual([
      '$aws/events/job/j/cancellation_in_progress',
      '$aws/events/job/j/canceled',
    ]);
  });
});
