import {
  AddThingToThingGroupCommand,
  CreateDynamicThingGroupCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteDynamicThingGroupCommand,
  DeleteThingGroupCommand,
  DescribeThingGroupCommand,
  ListThingGroupsForThingCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
  UpdateDynamicThingGroupCommand,
  UpdateEventConfigurationsCommand,
  UpdateIndexingConfigurationCommand,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectAwsError, groupArn, type Iot, jobCalls, startIot, thingArn } from './iot-harness';

let t: Iot;
const { job, describeJob } = jobCalls(() => t);
beforeEach(async () => {
  t = await startIot();
  await t.iot.send(
    new UpdateIndexingConfigurationCommand({
      thingIndexingConfiguration: {
        thingIndexingMode: 'REGISTRY_AND_SHADOW',
        thingConnectivityIndexingMode: 'STATUS',
        namedShadowIndexingMode: 'ON',
        filter: { namedShadowNames: ['$package'] },
      },
    }),
  );
  await t.iot.send(
    new UpdateEventConfigurationsCommand({
      eventConfigurations: { THING_GROUP_MEMBERSHIP: { Enabled: true } },
    }),
  );
});
afterEach(() => t.close());

const thing = (thingName: string, attributes: Record<string, string>) =>
  t.iot.send(new CreateThingCommand({ thingName, attributePayload: { attributes } }));
const dynamic = (thingGroupName: string, queryString: string) =>
  t.iot.send(new CreateDynamicThingGroupCommand({ thingGroupName, queryString }));
const members = async (thingGroupName: string) =>
  ((await t.iot.send(new ListThingsInThingGroupCommand({ thingGroupName }))).things ?? []).sort();
const membershipEvents = () =>
  t.events
    .filter((e) => e.topic.startsWith('$aws/events/thingGroupMembership/'))
    .map((e) => e.topic.replace('$aws/events/thingGroupMembership/thingGroup/', ''));

describe('dynamic thing groups: membership follows the index', () => {
  it('backfills at creation and answers with the AWS shapes', async () => {
    await thing('a', { model: 'th200' });
    await thing('b', { model: 'th300' });
    const created = await dynamic('th200', 'attributes.model:th200');
    expect(created).toMatchObject({
      thingGroupName: 'th200',
      thingGroupArn: groupArn('th200'),
      indexName: 'AWS_Things',
      queryString: 'attributes.model:th200',
      queryVersion: '2017-09-30',
    });
    expect(await members('th200')).toEqual(['a']);
    expect(await t.iot.send(new DescribeThingGroupCommand({ thingGroupName: 'th200' }))).toMatchObject({
      status: 'ACTIVE',
      queryString: 'attributes.model:th200',
      indexName: 'AWS_Things',
    });
    expect((await t.iot.send(new ListThingGroupsForThingCommand({ thingName: 'a' }))).thingGroups).toEqual([
      { groupName: 'th200', groupArn: groupArn('th200') },
    ]);
  });

  it('adds and removes things as registry data, connectivity and shadows change, with membership events', async () => {
    await dynamic(
      'q',
      'attributes.model:th200 AND connectivity.connected:true AND shadow.name.$package.reported.fw.version:2.4*',
    );
    await thing('a', { model: 'th200' });
    expect(await members('q')).toEqual([]);
    t.emu.devices.connect('a');
    t.emu.shadows.update(
      'a',
      '$package',
      JSON.stringify({ state: { reported: { fw: { version: '2.4.1' } } } }),
    );
    expect(await members('q')).toEqual(['a']);
    t.emu.shadows.update(
      'a',
      '$package',
      JSON.stringify({ state: { reported: { fw: { version: '2.5.0' } } } }),
    );
    expect(await members('q')).toEqual([]);
    t.emu.shadows.update(
      'a',
      '$package',
      JSON.stringify({ state: { reported: { fw: { version: '2.4.2' } } } }),
    );
    t.emu.devices.disconnect('a');
    expect(await members('q')).toEqual([]);
    t.emu.devices.connect('a');
    await t.iot.send(
      new UpdateThingCommand({ thingName: 'a', attributePayload: { attributes: { model: 'th300' } } }),
    );
    expect(await members('q')).toEqual([]);
    expect(membershipEvents()).toEqual([
      'q/thing/a/added',
      'q/thing/a/removed',
      'q/thing/a/added',
      'q/thing/a/removed',
      'q/thing/a/added',
      'q/thing/a/removed',
    ]);
  });

  it('reads static membership (thingGroupNames) and follows a new query', async () => {
    await t.iot.send(new CreateThingGroupCommand({ thingGroupName: 'site-1' }));
    await thing('a', {});
    await dynamic('in-site', 'thingGroupNames:site-1');
    await t.iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'site-1', thingName: 'a' }));
    expect(await members('in-site')).toEqual(['a']);
    await t.iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'site-1', thingName: 'a' }));
    expect(await members('in-site')).toEqual([]);
    await t.iot.send(
      new UpdateDynamicThingGroupCommand({
        thingGroupName: 'in-site',
        thingGroupProperties: {},
        queryString: 'thingName:a',
      }),
    );
    expect(await members('in-site')).toEqual(['a']);
  });

  it('refuses static membership changes, hierarchies and the static delete for a dynamic group', async () => {
    await thing('a', {});
    await dynamic('dyn', 'thingName:b');
    await expectAwsError(
      t.iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'dyn', thingName: 'a' })),
      'InvalidRequestException',
      400,
    );
    await expectAwsError(
      t.iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'dyn', thingName: 'a' })),
      'InvalidRequestException',
      400,
    );
    await expectAwsError(
      t.iot.send(new CreateThingGroupCommand({ thingGroupName: 'child', parentGroupName: 'dyn' })),
      'InvalidRequestException',
      400,
    );
    await expectAwsError(
      t.iot.send(new DeleteThingGroupCommand({ thingGroupName: 'dyn' })),
      'InvalidRequestException',
      400,
    );
    await expectAwsError(dynamic('dyn', 'thingName:c'), 'ResourceAlreadyExistsException', 409);
    await expectAwsError(dynamic('bad', 'thingName:(a'), 'InvalidQueryException', 400);
    await t.iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'dyn' }));
    await t.iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'dyn' }));
  });

  it('allows 100 dynamic groups per account, then LimitExceededException', async () => {
    for (let i = 0; i < 100; i++) await dynamic(`g${i}`, `thingName:t${i}`);
    await expectAwsError(dynamic('g100', 'thingName:x'), 'LimitExceededException', 410);
  });

  it('needs the index: CreateDynamicThingGroup on an account with indexing OFF is refused', async () => {
    await t.iot.send(
      new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: { thingIndexingMode: 'OFF' } }),
    );
    await expectAwsError(dynamic('dyn', 'thingName:a'), 'ResourceNotFoundException', 404);
    await t.iot.send(
      new UpdateIndexingConfigurationCommand({
        thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY' },
      }),
    );
    await dynamic('dyn', 'thingName:a');
    await expectAwsError(
      t.iot.send(
        new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: { thingIndexingMode: 'OFF' } }),
      ),
      'InvalidRequestException',
      400,
    );
  });
});

describe('dynamic groups at the 10-group limit (dynamic thing groups guide)', () => {
  const fill = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await t.iot.send(new CreateThingGroupCommand({ thingGroupName: `s${i}` }));
      await t.iot.send(new AddThingToThingGroupCommand({ thingGroupName: `s${i}`, thingName: 'a' }));
    }
  };

  it('keeps a full thing out of a newer dynamic group, and lets an older one evict the newest', async () => {
    await thing('a', { k: 'v' });
    await fill(8);
    await dynamic('old', 'attributes.k:x');
    t.clock.advanceBy(1000);
    await dynamic('mid', 'attributes.k:v');
    t.clock.advanceBy(1000);
    await dynamic('late', 'attributes.k:v');
    t.clock.advanceBy(1000);
    await dynamic('newest', 'attributes.k:v');
    expect([await members('mid'), await members('late'), await members('newest')]).toEqual([
      ['a'],
      ['a'],
      [],
    ]);
    // `old` now matches too: it is older than `late`, the newest group the thing is in, which gives way.
    await t.iot.send(
      new UpdateDynamicThingGroupCommand({
        thingGroupName: 'old',
        thingGroupProperties: {},
        queryString: 'attributes.k:v',
      }),
    );
    expect([await members('old'), await members('mid'), await members('late')]).toEqual([['a'], ['a'], []]);
  });

  it('gives a static group priority with overrideDynamicGroups, evicting the newest dynamic group', async () => {
    await thing('a', { k: 'v' });
    await fill(8);
    await dynamic('d1', 'attributes.k:v');
    t.clock.advanceBy(1000);
    await dynamic('d2', 'attributes.k:v');
    await t.iot.send(new CreateThingGroupCommand({ thingGroupName: 'static' }));
    await expectAwsError(
      t.iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'static', thingName: 'a' })),
      'InvalidRequestException',
      400,
    );
    await t.iot.send(
      new AddThingToThingGroupCommand({
        thingGroupName: 'static',
        thingName: 'a',
        overrideDynamicGroups: true,
      }),
    );
    expect([await members('static'), await members('d1'), await members('d2')]).toEqual([['a'], ['a'], []]);
  });
});

describe('continuous jobs over a dynamic group', () => {
  it('gives things that join an execution (and tells the device) and removes a queued one that leaves', async () => {
    const notified: string[] = [];
    t.emu.subscribeDevices((topic) => notified.push(topic));
    await dynamic('q', 'attributes.model:th200 AND connectivity.connected:true');
    await job('j1', [groupArn('q')], {
      targetSelection: 'CONTINUOUS',
      jobExecutionsRolloutConfig: { maximumPerMinute: 1 },
    });
    await thing('late', { model: 'th200' });
    expect((await describeJob('j1'))?.jobProcessDetails?.numberOfQueuedThings).toBe(0);
    t.emu.devices.connect('late');
    expect(t.emu.state.jobs.get('j1')?.executions.get('late')?.status).toBe('QUEUED');
    expect(notified).toEqual(['$aws/things/late/jobs/notify-next']);
    t.emu.devices.disconnect('late');
    expect(t.emu.state.jobs.get('j1')?.executions.get('late')?.status).toBe('REMOVED');
    expect(t.emu.state.jobs.get('j1')?.executions.get('late')?.thingArn).toBe(thingArn('late'));
  });
});
