import {
  AddThingToThingGroupCommand,
  CreateJobCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  DeleteThingGroupCommand,
  DeleteThingTypeCommand,
  DescribeThingGroupCommand,
  ListThingGroupsForThingCommand,
  ListThingsCommand,
  UpdateEventConfigurationsCommand,
} from '@aws-sdk/client-iot';
import { StartCommandExecutionCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectAwsError, type Iot, startIot } from './iot-harness';

let env: Iot;
beforeEach(async () => {
  env = await startIot();
});
afterEach(() => env.close());

describe('CreateThingType', () => {
  it('succeeds again with the same configuration and refuses a different one', async () => {
    const props = { thingTypeDescription: 'pump', searchableAttributes: ['site', 'model'] };
    const first = await env.iot.send(
      new CreateThingTypeCommand({ thingTypeName: 'Pump', thingTypeProperties: props }),
    );
    const again = await env.iot.send(
      new CreateThingTypeCommand({
        thingTypeName: 'Pump',
        thingTypeProperties: { searchableAttributes: ['site', 'model'], thingTypeDescription: 'pump' },
      }),
    );
    expect(again).toMatchObject({ thingTypeArn: first.thingTypeArn, thingTypeId: first.thingTypeId });
    await expectAwsError(
      env.iot.send(
        new CreateThingTypeCommand({
          thingTypeName: 'Pump',
          thingTypeProperties: { thingTypeDescription: 'valve' },
        }),
      ),
      'ResourceAlreadyExistsException',
      409,
    );
  });
});

describe('DeleteThingGroup', () => {
  it('deletes a group, lets its things go and publishes the registry event', async () => {
    await env.iot.send(
      new UpdateEventConfigurationsCommand({ eventConfigurations: { THING_GROUP: { Enabled: true } } }),
    );
    await env.iot.send(new CreateThingGroupCommand({ thingGroupName: 'site-a' }));
    await env.iot.send(new CreateThingCommand({ thingName: 'p1' }));
    await env.iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'site-a', thingName: 'p1' }));
    const { version } = await env.iot.send(new DescribeThingGroupCommand({ thingGroupName: 'site-a' }));
    await expectAwsError(
      env.iot.send(
        new DeleteThingGroupCommand({ thingGroupName: 'site-a', expectedVersion: (version ?? 0) + 1 }),
      ),
      'VersionConflictException',
      409,
    );
    await env.iot.send(new DeleteThingGroupCommand({ thingGroupName: 'site-a', expectedVersion: version }));
    await expectAwsError(
      env.iot.send(new DescribeThingGroupCommand({ thingGroupName: 'site-a' })),
      'ResourceNotFoundException',
      404,
    );
    expect((await env.iot.send(new ListThingGroupsForThingCommand({ thingName: 'p1' }))).thingGroups).toEqual(
      [],
    );
    const deleted = env.events.find((e) => e.topic === '$aws/events/thingGroup/site-a/deleted');
    expect(deleted?.payload).toMatchObject({
      eventType: 'THING_GROUP_EVENT',
      operation: 'DELETED',
      thingGroupName: 'site-a',
    });
  });

  it('succeeds for a group that does not exist and refuses one with child groups', async () => {
    await env.iot.send(new DeleteThingGroupCommand({ thingGroupName: 'never-created' }));
    await env.iot.send(new CreateThingGroupCommand({ thingGroupName: 'root' }));
    await env.iot.send(new CreateThingGroupCommand({ thingGroupName: 'leaf', parentGroupName: 'root' }));
    const e = await expectAwsError(
      env.iot.send(new DeleteThingGroupCommand({ thingGroupName: 'root' })),
      'InvalidRequestException',
      400,
    );
    expect(e.message).toBe(
      'Cannot delete thing group : root when there are still child groups attached to it',
    );
    await env.iot.send(new DeleteThingGroupCommand({ thingGroupName: 'leaf' }));
    await env.iot.send(new DeleteThingGroupCommand({ thingGroupName: 'root' }));
    expect(env.emu.state.groups.size).toBe(0);
  });
});

describe('what the IoT emulator does not emulate', () => {
  it('refuses a parameter AWS has and the emulator does not honour, naming it', async () => {
    const e = await expectAwsError(
      env.iot.send(new CreateThingCommand({ thingName: 'p1', billingGroupName: 'gold' })),
      'InvalidRequestException',
      400,
    );
    expect(e.message).toMatch(/^Parameter billingGroupName of CreateThing is not emulated/);
    expect(env.emu.state.things.has('p1')).toBe(false);
    await env.iot.send(new CreateThingCommand({ thingName: 'p1' }));
    const job = await expectAwsError(
      env.iot.send(
        new CreateJobCommand({
          jobId: 'j1',
          targets: ['arn:aws:iot:us-east-1:123456789012:thing/p1'],
          document: '{}',
          documentParameters: { a: 'b' },
        }),
      ),
      'InvalidRequestException',
      400,
    );
    expect(job.message).toMatch(/documentParameters of CreateJob is not emulated/);
  });

  it('names an operation AWS has and the emulator does not', async () => {
    const e = await expectAwsError(
      env.iot.send(new DeleteThingTypeCommand({ thingTypeName: 'Pump' })),
      'UnknownOperationException',
      404,
    );
    expect(e.message).toMatch(/^Operation DeleteThingType is not emulated/);
    const data = await expectAwsError(
      env.jobsData.send(
        new StartCommandExecutionCommand({
          targetArn: 'arn:aws:iot:us-east-1:123456789012:thing/p1',
          commandArn: 'c',
        }),
      ),
      'UnknownOperationException',
      404,
    );
    expect(data.message).toMatch(/^Operation StartCommandExecution is not emulated/);
  });

  it('honours ListThings usePrefixAttributeValue', async () => {
    for (const [thingName, site] of [
      ['p1', 'north-1'],
      ['p2', 'north-2'],
      ['p3', 'south-1'],
    ] as const) {
      await env.iot.send(new CreateThingCommand({ thingName, attributePayload: { attributes: { site } } }));
    }
    const out = await env.iot.send(
      new ListThingsCommand({
        attributeName: 'site',
        attributeValue: 'north',
        usePrefixAttributeValue: true,
      }),
    );
    expect(out.things?.map((t) => t.thingName)).toEqual(['p1', 'p2']);
  });
});
