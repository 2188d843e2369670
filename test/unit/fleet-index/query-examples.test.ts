import { describe, expect, it } from 'vitest';
import { matchesQuery } from '../../../shared/domain/fleet-index/query-match';
import { parseFleetQuery } from '../../../shared/domain/fleet-index/query-parse';
import { EXAMPLES, FLEET, names } from './fixture';

const search = (query: string) => names(FLEET.filter((doc) => matchesQuery(parseFleetQuery(query), doc)));

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
