import {
  AddThingToThingGroupCommand,
  CreateJobCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DescribeJobCommand,
  DescribeThingCommand,
} from '@aws-sdk/client-iot';
import { GetPendingJobExecutionsCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_IOT_TPS } from '../../local/emulators/iot';
import { expectAwsError, type Iot, startIot, thingArn } from './iot-harness';

let h: Iot;
afterEach(() => h.close());

describe('quotas', () => {
  it('answers ThrottlingException with HTTP 400 past the DescribeJob quota, and refills with time', async () => {
    h = await startIot({ quotas: true });
    await h.iot.send(new CreateThingCommand({ thingName: 'a' }));
    await h.iot.send(new CreateJobCommand({ jobId: 'j', targets: [thingArn('a')], document: '{}' }));
    expect(DEFAULT_IOT_TPS.DescribeJob).toBe(10);
    for (let i = 0; i < 10; i++) await h.iot.send(new DescribeJobCommand({ jobId: 'j' }));
    // IoT model: ThrottlingException is declared with HTTP 400, not 429.
    await expectAwsError(h.iot.send(new DescribeJobCommand({ jobId: 'j' })), 'ThrottlingException', 400);
    expect(h.limiter.throttled.get('DescribeJob')).toBe(1);
    h.clock.advanceBy(100); // 10 TPS refills one token per 100 ms
    await h.iot.send(new DescribeJobCommand({ jobId: 'j' }));
    await expectAwsError(h.iot.send(new DescribeJobCommand({ jobId: 'j' })), 'ThrottlingException', 400);
  });

  it('throttles AddThingToThingGroup at 100 TPS and does not log rejected calls', async () => {
    h = await startIot({ quotas: true });
    for (let i = 0; i <= 100; i++) {
      if (i % 100 === 0) h.clock.advanceBy(1000); // stay within CreateThing's own 100 TPS
      await h.iot.send(new CreateThingCommand({ thingName: `t${i}` }));
    }
    await h.iot.send(new CreateThingGroupCommand({ thingGroupName: 'g' }));
    for (let i = 0; i < 100; i++) {
      await h.iot.send(new AddThingToThingGroupCommand({ thingName: `t${i}`, thingGroupName: 'g' }));
    }
    await expectAwsError(
      h.iot.send(new AddThingToThingGroupCommand({ thingName: 't100', thingGroupName: 'g' })),
      'ThrottlingException',
      400,
    );
    expect(h.emu.calls.filter((c) => c.operation === 'AddThingToThingGroup')).toHaveLength(100);
    expect(h.emu.state.groups.get('g')?.things).toHaveLength(100);
  });

  it('uses the jobs data-plane model status (429) for its throttling', async () => {
    h = await startIot({ faults: { throttleRate: 1 } });
    await expectAwsError(
      h.jobsData.send(new GetPendingJobExecutionsCommand({ thingName: 'a' })),
      'ThrottlingException',
      429,
    );
  });
});

describe('fault injection', () => {
  it('turns injected throttles and server errors into AWS-shaped errors', async () => {
    h = await startIot({ faults: { throttleRate: 1 } });
    await expectAwsError(h.iot.send(new CreateThingCommand({ thingName: 'a' })), 'ThrottlingException', 400);
    expect(h.faults.injected.throttle).toBe(1);
    expect(h.emu.state.things.size).toBe(0);
    h.faults.configure({ serverErrorRate: 1 });
    await expectAwsError(
      h.iot.send(new DescribeThingCommand({ thingName: 'a' })),
      'ServiceUnavailableException',
      503,
    );
    // AddThingToThingGroup's model declares InternalFailureException (500), not ServiceUnavailable.
    await expectAwsError(
      h.iot.send(new AddThingToThingGroupCommand({ thingName: 'a', thingGroupName: 'g' })),
      'InternalFailureException',
      500,
    );
    h.faults.configure({});
    await h.iot.send(new CreateThingCommand({ thingName: 'a' }));
    expect(h.emu.calls.map((c) => c.operation)).toEqual(['CreateThing']);
  });

  it('answers unknown routes with 404', async () => {
    h = await startIot();
    const res = await fetch(`${h.controlUrl}/no/such/route`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });
});
