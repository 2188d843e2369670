import {
  AddThingToThingGroupCommand,
  CreateThingGroupCommand,
  DescribeThingGroupCommand,
  IoTClient,
  ListJobExecutionsForJobCommand,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** The adapter sleeps through node:timers/promises: here a sleep moves a virtual clock instead. */
const virtual = vi.hoisted(() => ({ now: 0 }));
vi.mock('node:timers/promises', () => ({
  setTimeout: async (ms: number) => {
    virtual.now += ms;
  },
}));

import { iotRollbackPort } from '../../../shared/adapters/rollback-iot';

const iot = mockClient(IoTClient);
const port = (tps = 20) =>
  iotRollbackPort(new IoTClient({ region: 'us-east-1' }), tps, { now: () => virtual.now });
const error = (name: string) => Object.assign(new Error(name), { name, $fault: 'client' });
afterEach(() => {
  iot.reset();
  virtual.now = 0;
});

describe('the rollback adapter', () => {
  it('paces memberships at its rate (virtual time): 4 adds at 20 TPS are 50 ms apart', async () => {
    const sent: number[] = [];
    iot.on(AddThingToThingGroupCommand).callsFake(() => {
      sent.push(virtual.now);
      return {};
    });
    const rollback = port(20);
    for (const thing of ['a', 'b', 'c', 'd']) expect(await rollback.addThing('g', thing)).toBe('added');
    expect(sent).toEqual([0, 50, 100, 150]);
  });

  it('reports a thing that is gone or that AWS refuses (10 groups), and fails when the group is gone', async () => {
    iot.on(DescribeThingGroupCommand).resolves({ thingGroupName: 'g' });
    iot.on(AddThingToThingGroupCommand, { thingName: 'gone' }).rejects(error('ResourceNotFoundException'));
    iot.on(AddThingToThingGroupCommand, { thingName: 'full' }).rejects(error('InvalidRequestException'));
    const rollback = port(1000);
    expect(await rollback.addThing('g', 'gone')).toBe('missing');
    expect(await rollback.addThing('g', 'full')).toBe('refused');
    iot.on(DescribeThingGroupCommand).rejects(error('ResourceNotFoundException'));
    await expect(rollback.addThing('g', 'gone')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('creates the group tagged managedBy, accepts its own, and refuses one it did not create', async () => {
    iot.on(CreateThingGroupCommand).resolves({});
    const rollback = port();
    expect(await rollback.ensureGroup('fleet-autopilot-rollback-fw-1', 'fw-1')).toBe('created');
    expect(iot.commandCalls(CreateThingGroupCommand)[0]?.args[0].input).toMatchObject({
      thingGroupName: 'fleet-autopilot-rollback-fw-1',
      tags: [{ Key: 'managedBy', Value: 'fleet-autopilot' }],
      thingGroupProperties: { attributePayload: { attributes: { managedBy: 'fleet-autopilot' } } },
    });
    iot.on(CreateThingGroupCommand).rejects(error('ResourceAlreadyExistsException'));
    iot.on(DescribeThingGroupCommand).resolves({
      thingGroupProperties: { attributePayload: { attributes: { managedBy: 'fleet-autopilot' } } },
    });
    expect(await rollback.ensureGroup('fleet-autopilot-rollback-fw-1', 'fw-1')).toBe('exists');
    iot
      .on(DescribeThingGroupCommand)
      .resolves({ thingGroupProperties: { attributePayload: { attributes: {} } } });
    await expect(rollback.ensureGroup('fleet-autopilot-rollback-fw-1', 'fw-1')).rejects.toMatchObject({
      name: 'RollbackGroupConflictError',
    });
  });

  it('tells whether a group exists', async () => {
    iot.on(DescribeThingGroupCommand, { thingGroupName: 'there' }).resolves({ thingGroupName: 'there' });
    iot.on(DescribeThingGroupCommand, { thingGroupName: 'gone' }).rejects(error('ResourceNotFoundException'));
    expect(await port().groupExists('there')).toBe(true);
    expect(await port().groupExists('gone')).toBe(false);
  });

  it('lists the SUCCEEDED executions of a job by thing name, page by page; a job that is gone has none', async () => {
    iot.on(ListJobExecutionsForJobCommand, { nextToken: undefined }).resolves({
      executionSummaries: [
        { thingArn: 'arn:aws:iot:us-east-1:123456789012:thing/pump-1' },
        { thingArn: 'arn:aws:iot:us-east-1:123456789012:thing/pump:2' },
      ],
      nextToken: 'n1',
    });
    iot.on(ListJobExecutionsForJobCommand, { nextToken: 'n1' }).resolves({ executionSummaries: [] });
    const rollback = port();
    expect(await rollback.succeededThings('fw-1-s0')).toEqual({
      things: ['pump-1', 'pump:2'],
      nextToken: 'n1',
    });
    expect(await rollback.succeededThings('fw-1-s0', 'n1')).toEqual({ things: [] });
    expect(iot.commandCalls(ListJobExecutionsForJobCommand)[0]?.args[0].input).toMatchObject({
      jobId: 'fw-1-s0',
      status: 'SUCCEEDED',
      maxResults: 250,
    });
    iot.on(ListJobExecutionsForJobCommand).rejects(error('ResourceNotFoundException'));
    expect(await rollback.succeededThings('fw-1-s9')).toEqual({ things: [] });
  });
});
