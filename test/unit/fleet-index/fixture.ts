import type { IndexedThing } from '../../../shared/domain/fleet-index/query-match';

/**
 * A fleet built so that every documented example query (AWS IoT Developer Guide, "Example thing
 * queries") selects some things and leaves out near misses. mything1 and mything2 are the two things
 * of the guide's own SearchIndex response example ("Managing thing indexing").
 */
export const FLEET: IndexedThing[] = [
  {
    thingName: 'mything1',
    thingGroupNames: ['mygroup1'],
    attributes: { attribute1: 'abc' },
    connectivity: { connected: false, timestamp: 1556649874716 },
  },
  {
    thingName: 'mything2',
    thingTypeName: 'MyThingType',
    thingGroupNames: ['mygroup1', 'mygroup2'],
    attributes: { model: '1.2', country: 'usa' },
    shadow: {
      desired: { location: 'new york', myvalues: [3, 4, 5] },
      reported: { location: 'new york', myvalues: [1, 2, 3], stats: { battery: 78 } },
      hasDelta: true,
    },
    connectivity: { connected: true, timestamp: 1556649855046 },
  },
  { thingName: 'myThingName', thingTypeName: 'aa', attributes: { myAttribute: '75' } },
  { thingName: 'aba', attributes: { myAttribute: '80' } },
  { thingName: 'abc', attributes: { myAttribute: '81' } },
  { thingName: 'abcd', attributes: { myAttribute: '70' } },
  { thingName: 'ab', attributes: { myAttribute: 'iot' } },
  { thingName: 'serial-d', attributes: { serialNumber: 'abcd', myAttribute: 'init' } },
  { thingName: 'serial-f', attributes: { serialNumber: 'abcf', myAttribute: 'ion' } },
  { thingName: 'serial-g', attributes: { serialNumber: 'abcg' } },
  { thingName: 'combo-yes', attributes: { attr1: 'abc', attr2: '4', attr3: '10' } },
  { thingName: 'combo-attr3', attributes: { attr1: 'abc', attr2: '4', attr3: '11' } },
  { thingName: 'combo-attr2', attributes: { attr1: 'abc', attr2: '5', attr3: '1' } },
  {
    thingName: 'battery-v2',
    attributes: { model: 'v2' },
    shadow: { reported: { stats: { battery: 80 } }, desired: { stats: { battery: 90 } }, hasDelta: true },
  },
  {
    thingName: 'battery-legacy',
    attributes: { model: 'legacy', rev: 'v3' },
    shadow: { reported: { stats: { battery: 95 }, location: 'dock' }, hasDelta: false },
  },
  {
    thingName: 'battery-low',
    attributes: { model: 'v3' },
    shadow: { reported: { stats: { battery: 70 }, location: 'yard' }, hasDelta: false },
  },
  {
    thingName: 'connected-late',
    connectivity: { connected: true, timestamp: 1557700000000 },
  },
  {
    thingName: 'disconnected-in-window',
    connectivity: {
      connected: false,
      timestamp: 1557651600000,
      disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
    },
  },
  { thingName: 'tv-lcd' },
  { thingName: 'tv-plasma' },
  {
    thingName: 'pkg-24',
    attributes: { model: 'th200' },
    namedShadows: { $package: { reported: { firmware: { version: '2.4.1' } } } },
    connectivity: { connected: true, timestamp: 1 },
  },
  {
    thingName: 'pkg-25',
    attributes: { model: 'th200' },
    namedShadows: { $package: { reported: { firmware: { version: '2.5.0' } } } },
    connectivity: { connected: true, timestamp: 1 },
  },
];

export const names = (docs: readonly IndexedThing[]) => docs.map((d) => d.thingName).sort();
