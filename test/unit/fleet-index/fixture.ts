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

// The AWS IoT Developer Guide's "Example thing queries" table, one row per example, each with the
// result the guide describes, held to the fixture fleet (near misses included so each can fail).
export const EXAMPLES: [query: string, documented: string, expected: string[]][] = [
  [
    'abc',
    'Queries for "abc" in any registry or shadow field',
    ['abc', 'combo-attr2', 'combo-attr3', 'combo-yes', 'mything1'],
  ],
  ['thingName:myThingName', 'a thing with name "myThingName"', ['myThingName']],
  ['thingName:my*', 'things with names that begin with "my"', ['myThingName', 'mything1', 'mything2']],
  ['thingName:ab?', '"ab" plus one additional character', ['aba', 'abc']],
  ['thingTypeName:aa', 'things that are associated with type aa', ['myThingName']],
  ['attributes.myAttribute:75', 'attribute "myAttribute" that has the value 75', ['myThingName']],
  ['attributes.myAttribute:[75 TO 80]', 'numeric range 75–80, inclusive', ['aba', 'myThingName']],
  ['attributes.myAttribute:{75 TO 80]', 'numeric range >75 and <=80', ['aba']],
  [
    'attributes.serialNumber:["abcd" TO "abcf"]',
    'values "abcd", "abce", or "abcf"',
    ['serial-d', 'serial-f'],
  ],
  [
    'attributes.myAttribute:i*t',
    "'i', followed by any number of characters, followed by 't'",
    ['ab', 'serial-d'],
  ],
  [
    'attributes.attr1:abc AND attributes.attr2<5 NOT attributes.attr3>10',
    'attr1 "abc", attr2 less than 5, attr3 not greater than 10',
    ['combo-yes'],
  ],
  ['shadow.hasDelta:true', 'things whose shadow has a delta element', ['battery-v2', 'mything2']],
  [
    'NOT attributes.model:legacy',
    'the attribute named "model" is not "legacy"',
    names(FLEET).filter((n) => n !== 'battery-legacy'),
  ],
  [
    'shadow.reported.stats.battery:{70 TO 100} (v2 OR v3) NOT attributes.model:legacy',
    'battery between 70 and 100 exclusive, "v2" or "v3" in any field, model not legacy',
    ['battery-v2'],
  ],
  ['shadow.reported.myvalues:2', 'the reported myvalues array contains 2', ['mything2']],
  [
    'shadow.reported.location:* NOT shadow.desired.stats.battery:*',
    'a reported location and no desired battery',
    ['battery-legacy', 'battery-low', 'mything2'],
  ],
  [
    'connectivity.connected:true',
    'all connected devices',
    ['connected-late', 'mything2', 'pkg-24', 'pkg-25'],
  ],
  ['connectivity.connected:false', 'all disconnected devices', ['disconnected-in-window', 'mything1']],
  [
    'connectivity.connected:true AND connectivity.timestamp : [1557651600000 TO 1557867600000]',
    'connected devices with a connect timestamp in the range',
    ['connected-late'],
  ],
  [
    'connectivity.connected:false AND connectivity.timestamp : [1557651600000 TO 1557867600000]',
    'disconnected devices with a disconnect timestamp in the range',
    ['disconnected-in-window'],
  ],
  [
    'connectivity.connected:true AND connectivity.timestamp > 1557651600000',
    'connected devices with a connect timestamp after',
    ['connected-late'],
  ],
  [
    'connectivity.connected:*',
    'all devices with connectivity information present',
    ['connected-late', 'disconnected-in-window', 'mything1', 'mything2', 'pkg-24', 'pkg-25'],
  ],
];
