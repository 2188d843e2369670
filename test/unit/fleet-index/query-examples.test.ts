import { describe, expect, it } from 'vitest';
import { matchesQuery } from '../../../shared/domain/fleet-index/query-match';
import { parseFleetQuery } from '../../../shared/domain/fleet-index/query-parse';
import { FLEET, names } from './fixture';

const search = (query: string) => names(FLEET.filter((doc) => matchesQuery(parseFleetQuery(query), doc)));

// The AWS IoT Developer Guide's "Example thing queries" table, one row per example, each with the
// result the guide describes, held to the fixture fleet (near misses included so each can fail).
const EXAMPLES: [query: string, documented: string, expected: string[]][] = [
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

describe('fleet indexing queries: the documented examples', () => {
  it.each(EXAMPLES)('%s (%s)', (query, _documented, expected) => {
    expect(search(query)).toEqual([...expected].sort());
  });

  // Query syntax's `thingName:(tv* AND -plasma)`. Words split on white space only (same page), so a
  // hyphenated name is one word: the exclusion names it whole.
  it('excludes with a hyphen inside a field group', () => {
    expect(search('thingName:(tv* AND -tv-plasma)')).toEqual(['tv-lcd']);
    expect(search('thingName:(tv* AND -plasma)')).toEqual(['tv-lcd', 'tv-plasma']);
  });

  it('treats the default operator as AND', () => {
    expect(search('thingName:mything2 thingTypeName:MyThingType')).toEqual(['mything2']);
    expect(search('thingName:mything1 thingTypeName:MyThingType')).toEqual([]);
  });

  it('searches case-insensitively while field names stay case-sensitive', () => {
    expect(search('thingName:MYTHING1')).toEqual(['mything1']);
    expect(search('thingname:mything1')).toEqual([]);
  });

  it('matches every thing with a bare *', () => {
    expect(search('*')).toEqual(names(FLEET));
  });

  it("reads named shadows, the Software Package Catalog's $package included", () => {
    expect(
      search(
        'attributes.model:th200 AND connectivity.connected:true AND shadow.name.$package.reported.firmware.version:2.4*',
      ),
    ).toEqual(['pkg-24']);
    expect(search('shadow.name.$package.reported.firmware.version:[2.5 TO *]')).toEqual(['pkg-25']);
  });

  it('groups with parentheses and gives OR the lowest precedence', () => {
    expect(search('thingName:aba OR thingName:abc AND attributes.myAttribute:81')).toEqual(['aba', 'abc']);
    expect(search('(thingName:aba OR thingName:abc) AND attributes.myAttribute:81')).toEqual(['abc']);
  });

  it('matches group membership in any of the groups', () => {
    expect(search('thingGroupNames:mygroup2')).toEqual(['mything2']);
    expect(search('thingGroupNames:mygroup1 AND NOT thingGroupNames:mygroup2')).toEqual(['mything1']);
  });

  it('never matches unsearchable managed fields or unknown fields', () => {
    expect(search('shadow.version:*')).toEqual([]);
    expect(search('registry.version:*')).toEqual([]);
    expect(search('thingType:aa')).toEqual([]);
  });
});
