import { CreateThingGroupCommand, DescribeThingGroupCommand, IoTClient } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { iotGroupPort } from '../../shared/adapters/iot-groups';

// The assign-groups role may change memberships only of groups tagged managedBy=fleet-autopilot
// (serverless/functions-grouping.yml): the adapter must tag every group it creates, or AWS refuses it.
const iot = mockClient(IoTClient);
afterEach(() => iot.reset());

describe('thing groups the automation creates', () => {
  it('carry the managedBy tag IAM checks, besides the managedBy attribute the adapter reads', async () => {
    iot.on(CreateThingGroupCommand).resolves({ thingGroupName: 'site-plant-1' });
    const port = iotGroupPort(new IoTClient({ region: 'us-east-1' }), 50, { now: () => Date.now() });
    expect(await port.ensureGroup('site-plant-1', 'sites')).toBe('managed');
    const [call] = iot.commandCalls(CreateThingGroupCommand);
    expect(call?.args[0].input).toEqual({
      thingGroupName: 'site-plant-1',
      parentGroupName: 'sites',
      thingGroupProperties: { attributePayload: { attributes: { managedBy: 'fleet-autopilot' } } },
      tags: [{ Key: 'managedBy', Value: 'fleet-autopilot' }],
    });
  });

  it('treat an existing group without the managedBy attribute as unmanaged (never moved in or out)', async () => {
    iot
      .on(CreateThingGroupCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ResourceAlreadyExistsException' }));
    iot.on(DescribeThingGroupCommand).resolves({ thingGroupName: 'prod-all', thingGroupProperties: {} });
    const port = iotGroupPort(new IoTClient({ region: 'us-east-1' }), 50, { now: () => Date.now() });
    expect(await port.ensureGroup('prod-all', undefined)).toBe('unmanaged');
  });

  it("tell the automation's groups from others among a thing's memberships, asking once per group", async () => {
    iot.on(DescribeThingGroupCommand).callsFake(({ thingGroupName }) => ({
      thingGroupName,
      thingGroupProperties: thingGroupName.startsWith('model-')
        ? { attributePayload: { attributes: { managedBy: 'fleet-autopilot' } } }
        : { attributePayload: { attributes: { managedBy: 'someone-else' } } },
    }));
    const port = iotGroupPort(new IoTClient({ region: 'us-east-1' }), 50, { now: () => Date.now() });
    expect(await port.managedOf(['prod-all', 'model-th200', 'hand-picked'])).toEqual(['model-th200']);
    expect(await port.managedOf(['model-th200', 'model-x100'])).toEqual(['model-th200', 'model-x100']);
    expect(iot.commandCalls(DescribeThingGroupCommand)).toHaveLength(4);
  });
});
