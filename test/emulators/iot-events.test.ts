import {
  AddThingToThingGroupCommand,
  CreateJobCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteThingCommand,
  DescribeEventConfigurationsCommand,
  UpdateEventConfigurationsCommand,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import {
  StartNextPendingJobExecutionCommand,
  UpdateJobExecutionCommand,
} from '@aws-sdk/client-iot-jobs-data-plane';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, expectAwsError, groupArn, type Iot, startIot, thingArn } from './iot-harness';

let h: Iot;
beforeEach(async () => {
  h = await startIot();
});
afterEach(() => h.close());

const enable = (...types: string[]) =>
  h.iot.send(
    new UpdateEventConfigurationsCommand({
      eventConfigurations: Object.fromEntries(types.map((t) => [t, { Enabled: true }])),
    }),
  );

describe('event configurations', () => {
  it('start all disabled and publish nothing until enabled (iot-events.md: off by default)', async () => {
    const cfg = await h.iot.send(new DescribeEventConfigurationsCommand({}));
    expect(Object.values(cfg.eventConfigurations ?? {}).every((c) => c.Enabled === false)).toBe(true);
    expect(Object.keys(cfg.eventConfigurations ?? {})).toContain('JOB_EXECUTION');
    await h.iot.send(new CreateThingCommand({ thingName: 't1' }));
    await h.iot.send(new CreateThingGroupCommand({ thingGroupName: 'g' }));
    await h.iot.send(new AddThingToThingGroupCommand({ thingName: 't1', thingGroupName: 'g' }));
    expect(h.events).toEqual([]);
  });

  it('rejects unknown event types', async () => {
    await expectAwsError(enable('NOT_A_TYPE'), 'InvalidRequestException', 400);
  });
});

describe('registry events', () => {
  it('publishes thing created/updated/deleted with the documented payload', async () => {
    await enable('THING');
    const created = await h.iot.send(
      new CreateThingCommand({ thingName: 't1', attributePayload: { attributes: { ring: 'canary' } } }),
    );
    await h.iot.send(
      new UpdateThingCommand({ thingName: 't1', attributePayload: { attributes: { ring: 'ga' } } }),
    );
    await h.iot.send(new DeleteThingCommand({ thingName: 't1' }));
    expect(h.events.map((e) => e.topic)).toEqual([
      '$aws/events/thing/t1/created',
      '$aws/events/thing/t1/updated',
      '$aws/events/thing/t1/deleted',
    ]);
    expect(h.events[0]?.payload).toEqual({
      eventType: 'THING_EVENT',
      eventId: expect.any(String),
      timestamp: h.clock.now(),
      operation: 'CREATED',
      accountId: ACCOUNT,
      thingId: created.thingId,
      thingName: 't1',
      versionNumber: 1,
      thingTypeName: null,
      attributes: { ring: 'canary' },
    });
    expect(h.events[1]?.payload).toMatchObject({
      operation: 'UPDATED',
      versionNumber: 2,
      attributes: { ring: 'ga' },
    });
    const ids = new Set(h.events.map((e) => e.payload.eventId));
    expect(ids.size).toBe(3);
  });

  it('publishes membership events only once THING_GROUP_MEMBERSHIP is enabled', async () => {
    await enable('THING');
    await h.iot.send(new CreateThingCommand({ thingName: 't1' }));
    await h.iot.send(new CreateThingGroupCommand({ thingGroupName: 'g1' }));
    await h.iot.send(new CreateThingGroupCommand({ thingGroupName: 'g2' }));
    await h.iot.send(new AddThingToThingGroupCommand({ thingName: 't1', thingGroupName: 'g1' }));
    expect(h.events.filter((e) => e.topic.includes('thingGroupMembership'))).toEqual([]);
    await enable('THING_GROUP_MEMBERSHIP');
    await h.iot.send(new AddThingToThingGroupCommand({ thingName: 't1', thingGroupName: 'g2' }));
    const membership = h.events.filter((e) => e.topic.includes('thingGroupMembership'));
    expect(membership).toHaveLength(1);
    expect(membership[0]?.topic).toBe('$aws/events/thingGroupMembership/thingGroup/g2/thing/t1/added');
    expect(membership[0]?.payload).toMatchObject({
      eventType: 'THING_GROUP_MEMBERSHIP_EVENT',
      operation: 'ADDED',
      accountId: ACCOUNT,
      groupArn: groupArn('g2'),
      thingArn: thingArn('t1'),
      membershipId: expect.any(String),
    });
  });
});

describe('job events', () => {
  it('publishes execution terminal events and job completion with counters', async () => {
    await enable('JOB', 'JOB_EXECUTION');
    for (const t of ['a', 'b']) await h.iot.send(new CreateThingCommand({ thingName: t }));
    await h.iot.send(
      new CreateJobCommand({ jobId: 'j1', targets: [thingArn('a'), thingArn('b')], document: '{}' }),
    );
    expect(h.events).toEqual([]);
    await h.jobsData.send(new StartNextPendingJobExecutionCommand({ thingName: 'a' }));
    await h.jobsData.send(
      new UpdateJobExecutionCommand({
        thingName: 'a',
        jobId: 'j1',
        status: 'SUCCEEDED',
        statusDetails: { v: '2' },
      }),
    );
    await h.jobsData.send(new UpdateJobExecutionCommand({ thingName: 'b', jobId: 'j1', status: 'FAILED' }));
    expect(h.events.map((e) => e.topic)).toEqual([
      '$aws/events/jobExecution/j1/succeeded',
      '$aws/events/jobExecution/j1/failed',
      '$aws/events/job/j1/completed',
    ]);
    expect(h.events[0]?.payload).toEqual({
      eventType: 'JOB_EXECUTION',
      eventId: expect.any(String),
      timestamp: Math.floor(h.clock.now() / 1000),
      operation: 'succeeded',
      jobId: 'j1',
      thingArn: thingArn('a'),
      status: 'SUCCEEDED',
      statusDetails: { v: '2' },
    });
    expect(h.events[2]?.payload).toMatchObject({
      eventType: 'JOB',
      operation: 'completed',
      status: 'COMPLETED',
      targetSelection: 'SNAPSHOT',
      completedAt: h.clock.now(),
      jobProcessDetails: { numberOfSucceededThings: 1, numberOfFailedThings: 1, numberOfCanceledThings: 0 },
    });
  });
});
