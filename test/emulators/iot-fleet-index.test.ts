import {
  AddThingToThingGroupCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  DescribeIndexCommand,
  GetIndexingConfigurationCommand,
  GetThingConnectivityDataCommand,
  SearchIndexCommand,
  UpdateIndexingConfigurationCommand,
} from '@aws-sdk/client-iot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLES, FLEET } from '../unit/fleet-index/fixture';
import { expectAwsError, type Iot, startIot } from './iot-harness';

let t: Iot;
// The fixture's connectivity timestamps are from 2019 (the guide's examples) onwards.
beforeEach(async () => {
  t = await startIot({ start: 0 });
});
afterEach(() => t.close());

const FULL_INDEXING = {
  thingIndexingConfiguration: {
    thingIndexingMode: 'REGISTRY_AND_SHADOW' as const,
    thingConnectivityIndexingMode: 'STATUS' as const,
    namedShadowIndexingMode: 'ON' as const,
    filter: { namedShadowNames: ['$package'] },
  },
};

const search = async (queryString: string, maxResults?: number) => {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await t.iot.send(new SearchIndexCommand({ queryString, nextToken, maxResults }));
    names.push(...(page.things ?? []).map((d) => d.thingName ?? ''));
    nextToken = page.nextToken;
  } while (nextToken);
  return names.sort();
};

/** The unit tests' fixture fleet, built through the API: registry, groups, shadows, connectivity. */
async function buildFleet() {
  await t.iot.send(new UpdateIndexingConfigurationCommand(FULL_INDEXING));
  for (const type of new Set(FLEET.flatMap((d) => (d.thingTypeName ? [d.thingTypeName] : []))))
    await t.iot.send(new CreateThingTypeCommand({ thingTypeName: type }));
  for (const group of new Set(FLEET.flatMap((d) => d.thingGroupNames ?? [])))
    await t.iot.send(new CreateThingGroupCommand({ thingGroupName: group }));
  for (const d of FLEET) {
    await t.iot.send(
      new CreateThingCommand({
        thingName: d.thingName,
        thingTypeName: d.thingTypeName,
        attributePayload: { attributes: { ...d.attributes } },
      }),
    );
    for (const g of d.thingGroupNames ?? [])
      await t.iot.send(new AddThingToThingGroupCommand({ thingGroupName: g, thingName: d.thingName }));
    if (d.shadow)
      t.emu.shadows.update(
        d.thingName,
        '',
        JSON.stringify({ state: { reported: d.shadow.reported, desired: d.shadow.desired } }),
      );
    for (const [name, s] of Object.entries(d.namedShadows ?? {}))
      t.emu.shadows.update(d.thingName, name, JSON.stringify({ state: { reported: s.reported } }));
  }
  // Connectivity timestamps come from the clock: connect and disconnect in time order.
  const timed = FLEET.filter((d) => d.connectivity).sort(
    (a, b) => (a.connectivity?.timestamp ?? 0) - (b.connectivity?.timestamp ?? 0),
  );
  for (const d of timed) {
    const c = d.connectivity;
    if (!c) continue;
    t.clock.advanceTo(c.timestamp);
    if (c.connected) t.emu.devices.connect(d.thingName);
    else {
      t.emu.devices.connect(d.thingName);
      t.emu.devices.disconnect(d.thingName, c.disconnectReason);
    }
  }
}

describe('SearchIndex on the IoT emulator: the documented example queries', () => {
  it('answers every example of "Example thing queries" as the pure matcher does (differential)', async () => {
    await buildFleet();
    for (const [query, , expected] of EXAMPLES)
      expect(await search(query), query).toEqual([...expected].sort());
  });

  it('pages by maxResults with nextToken and returns ThingDocuments with the shadow as a JSON string', async () => {
    await buildFleet();
    expect(await search('thingName:*', 3)).toEqual(await search('*'));
    const { things } = await t.iot.send(new SearchIndexCommand({ queryString: 'thingName:mything2' }));
    const doc = things?.[0];
    expect(doc).toMatchObject({
      thingName: 'mything2',
      thingTypeName: 'MyThingType',
      thingGroupNames: ['mygroup1', 'mygroup2'],
      attributes: { model: '1.2', country: 'usa' },
      connectivity: { connected: true, timestamp: 1556649855046 },
    });
    expect(JSON.parse(doc?.shadow ?? '{}')).toMatchObject({
      reported: { location: 'new york', stats: { battery: 78 } },
      delta: { myvalues: [3, 4, 5] },
      hasDelta: true,
    });
  });
});

describe('the index follows the indexing configuration', () => {
  it('has no index while thing indexing is OFF', async () => {
    await expectAwsError(
      t.iot.send(new SearchIndexCommand({ queryString: '*' })),
      'ResourceNotFoundException',
      404,
    );
  });

  it('holds no shadow or connectivity data the configuration leaves out', async () => {
    await t.iot.send(
      new UpdateIndexingConfigurationCommand({
        thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY' },
      }),
    );
    await t.iot.send(
      new CreateThingCommand({ thingName: 'd1', attributePayload: { attributes: { model: 'th200' } } }),
    );
    t.emu.devices.connect('d1');
    t.emu.shadows.update(
      'd1',
      '$package',
      JSON.stringify({ state: { reported: { fw: { version: '2.4.1' } } } }),
    );
    expect(await search('attributes.model:th200')).toEqual(['d1']);
    expect(await search('connectivity.connected:true')).toEqual([]);
    expect(await search('shadow.name.$package.reported.fw.version:2.4.1')).toEqual([]);
    await t.iot.send(new UpdateIndexingConfigurationCommand(FULL_INDEXING));
    expect(
      await search('connectivity.connected:true AND shadow.name.$package.reported.fw.version:2.4.1'),
    ).toEqual(['d1']);
    expect((await t.iot.send(new DescribeIndexCommand({ indexName: 'AWS_Things' }))).schema).toBe(
      'REGISTRY_AND_SHADOW_AND_CONNECTIVITY_STATUS',
    );
  });

  it('reports the configuration with AWS managed fields and refuses what AWS refuses', async () => {
    await t.iot.send(new UpdateIndexingConfigurationCommand(FULL_INDEXING));
    const cfg = await t.iot.send(new GetIndexingConfigurationCommand({}));
    expect(cfg.thingIndexingConfiguration).toMatchObject({
      thingIndexingMode: 'REGISTRY_AND_SHADOW',
      thingConnectivityIndexingMode: 'STATUS',
      namedShadowIndexingMode: 'ON',
      filter: { namedShadowNames: ['$package'] },
    });
    expect(cfg.thingIndexingConfiguration?.managedFields).toEqual(
      expect.arrayContaining([
        { name: 'connectivity.connected', type: 'Boolean' },
        { name: 'thingName', type: 'String' },
      ]),
    );
    await expectAwsError(
      t.iot.send(
        new UpdateIndexingConfigurationCommand({
          thingIndexingConfiguration: {
            thingIndexingMode: 'REGISTRY',
            customFields: [{ name: 'shadow.reported.x', type: 'Number' }],
          },
        }),
      ),
      'InvalidRequestException',
      400,
    );
    await expectAwsError(
      t.iot.send(
        new UpdateIndexingConfigurationCommand({
          thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY', namedShadowIndexingMode: 'ON' },
        }),
      ),
      'InvalidRequestException',
      400,
    );
  });
});

describe('SearchIndex errors', () => {
  beforeEach(() => t.iot.send(new UpdateIndexingConfigurationCommand(FULL_INDEXING)));

  it('answers InvalidQueryException for a query that does not parse or breaks a limit', async () => {
    const e = await expectAwsError(
      t.iot.send(new SearchIndexCommand({ queryString: 'thingName:(a' })),
      'InvalidQueryException',
      400,
    );
    expect(e.message).toMatch(/not closed/);
    await expectAwsError(
      t.iot.send(new SearchIndexCommand({ queryString: 'thingName:*a AND attributes.x:*b' })),
      'InvalidQueryException',
      400,
    );
  });

  it('refuses maxResults over 100 and names what it does not emulate', async () => {
    await expectAwsError(
      t.iot.send(new SearchIndexCommand({ queryString: '*', maxResults: 101 })),
      'InvalidRequestException',
      400,
    );
    const e = await expectAwsError(
      t.iot.send(new SearchIndexCommand({ queryString: 'deviceDefender.violationCount:[1 TO *]' })),
      'InvalidRequestException',
      400,
    );
    expect(e.message).toMatch(/not emulated by the local stack/);
    await expectAwsError(
      t.iot.send(new SearchIndexCommand({ indexName: 'AWS_ThingGroups', queryString: '*' })),
      'InvalidRequestException',
      400,
    );
  });
});

describe('GetThingConnectivityData', () => {
  it('reports the last connect or disconnect with its reason', async () => {
    await t.iot.send(new CreateThingCommand({ thingName: 'd1' }));
    expect(await t.iot.send(new GetThingConnectivityDataCommand({ thingName: 'd1' }))).toMatchObject({
      connected: false,
    });
    t.emu.devices.connect('d1');
    t.clock.advanceBy(5000);
    t.emu.devices.disconnect('d1', 'MQTT_KEEP_ALIVE_TIMEOUT');
    const data = await t.iot.send(new GetThingConnectivityDataCommand({ thingName: 'd1' }));
    expect(data).toMatchObject({
      thingName: 'd1',
      connected: false,
      disconnectReason: 'MQTT_KEEP_ALIVE_TIMEOUT',
    });
    expect(data.timestamp?.getTime()).toBe(t.clock.now());
    expect(t.events.map((e) => e.topic)).toEqual([
      '$aws/events/presence/connected/d1',
      '$aws/events/presence/disconnected/d1',
    ]);
    await expectAwsError(
      t.iot.send(new GetThingConnectivityDataCommand({ thingName: 'nope' })),
      'ResourceNotFoundException',
      404,
    );
  });
});
