import { describe, expect, it } from 'vitest';
import { raiseIndexing } from '../../../shared/domain/fleet-index/indexing-config';

describe('raiseIndexing(): turn on what is needed, never turn anything off', () => {
  it('enables everything on an account with indexing off', () => {
    const change = raiseIndexing({});
    expect(change.update).toEqual({
      thingIndexingConfiguration: {
        thingIndexingMode: 'REGISTRY_AND_SHADOW',
        thingConnectivityIndexingMode: 'STATUS',
        namedShadowIndexingMode: 'ON',
        filter: { namedShadowNames: ['$package'] },
      },
      thingGroupIndexingConfiguration: { thingGroupIndexingMode: 'ON' },
    });
    expect(change.enabled).toHaveLength(5);
  });

  it('sends nothing when the account already indexes all of it', () => {
    const change = raiseIndexing({
      thingIndexingConfiguration: {
        thingIndexingMode: 'REGISTRY_AND_SHADOW',
        thingConnectivityIndexingMode: 'STATUS',
        namedShadowIndexingMode: 'ON',
        filter: { namedShadowNames: ['config', '$package'] },
        managedFields: [{ name: 'thingName', type: 'String' }],
      },
      thingGroupIndexingConfiguration: { thingGroupIndexingMode: 'ON' },
    });
    expect(change).toEqual({ enabled: [] });
  });

  it("keeps the account's custom fields, other named shadows, geo filter and Device Defender as they are", () => {
    const change = raiseIndexing({
      thingIndexingConfiguration: {
        thingIndexingMode: 'REGISTRY',
        deviceDefenderIndexingMode: 'VIOLATIONS',
        customFields: [{ name: 'attributes.version', type: 'Number' }],
        managedFields: [{ name: 'thingName', type: 'String' }],
        filter: {
          namedShadowNames: ['config'],
          geoLocations: [{ name: 'shadow.reported.loc', order: 'LatLon' }],
        },
      },
      thingGroupIndexingConfiguration: {
        thingGroupIndexingMode: 'OFF',
        customFields: [{ name: 'attributes.x' }],
      },
    });
    expect(change.update).toEqual({
      thingIndexingConfiguration: {
        thingIndexingMode: 'REGISTRY_AND_SHADOW',
        thingConnectivityIndexingMode: 'STATUS',
        namedShadowIndexingMode: 'ON',
        deviceDefenderIndexingMode: 'VIOLATIONS',
        customFields: [{ name: 'attributes.version', type: 'Number' }],
        filter: {
          namedShadowNames: ['config', '$package'],
          geoLocations: [{ name: 'shadow.reported.loc', order: 'LatLon' }],
        },
      },
      thingGroupIndexingConfiguration: {
        thingGroupIndexingMode: 'ON',
        customFields: [{ name: 'attributes.x' }],
      },
    });
  });

  it('refuses to push the named shadows past the quota rather than drop one', () => {
    const names = Array.from({ length: 10 }, (_, i) => `s${i}`);
    expect(() =>
      raiseIndexing({
        thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY', filter: { namedShadowNames: names } },
      }),
    ).toThrow(/11 named shadows, over the default quota of 10/);
  });
});
