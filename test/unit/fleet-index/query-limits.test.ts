import { describe, expect, it } from 'vitest';
import { FleetIndexFieldError, InvalidFleetQueryError } from '../../../shared/domain/fleet-index/errors';
import { assertIndexHolds, missingIndexFields } from '../../../shared/domain/fleet-index/query-fields';
import { parseFleetQuery } from '../../../shared/domain/fleet-index/query-parse';

const refusal = (query: string) => {
  try {
    parseFleetQuery(query);
  } catch (error) {
    if (error instanceof InvalidFleetQueryError) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${query}`);
};

describe('fleet indexing query syntax: what AWS refuses (Query syntax page)', () => {
  it('allows at most 12 terms', () => {
    const twelve = Array.from({ length: 12 }, (_, i) => `attributes.a${i}:x`).join(' AND ');
    expect(() => parseFleetQuery(twelve)).not.toThrow();
    expect(refusal(`${twelve} AND thingName:y`)).toMatch(/13 terms; .* at most 12/);
  });

  it('allows one leading-wildcard term, in a query of at most 100 characters', () => {
    expect(() => parseFleetQuery('thingName:*my')).not.toThrow();
    expect(refusal('thingName:*my AND thingGroupNames:*echo')).toMatch(/only one term .* wildcard/);
    expect(refusal(`thingName:*my AND attributes.site:${'x'.repeat(90)}`)).toMatch(/at most 100 characters/);
  });

  it.each(['`', '@', '#', '%', '/', "'", ';', ','])('refuses the unsupported character %s', (c) => {
    expect(refusal(`attributes.site:a${c}b`)).toMatch(/not supported/);
  });

  it('names where a malformed query goes wrong', () => {
    expect(refusal('(thingName:a')).toMatch(/\( is not closed/);
    expect(refusal('thingName:a)')).toMatch(/unbalanced \)/);
    expect(refusal('attributes.x:[1 TO')).toMatch(/range/);
    expect(refusal('attributes.x:[1 2]')).toMatch(/TO in capitals/);
    expect(refusal('thingName:"open')).toMatch(/phrase is not closed/);
    expect(refusal('AND thingName:a')).toMatch(/AND needs a term on each side/);
    expect(refusal('thingName:(attributes.a:b)')).toMatch(/inside a field group/);
    expect(refusal('')).toMatch(/empty/);
  });

  it('keeps an escaped wildcard literal', () => {
    const q = parseFleetQuery('attributes.code:a\\*b');
    expect(q).toEqual({ kind: 'term', field: 'attributes.code', match: { kind: 'exact', value: 'a*b' } });
  });
});

const FULL = {
  thingIndexingMode: 'REGISTRY_AND_SHADOW',
  thingConnectivityIndexingMode: 'STATUS',
  namedShadowIndexingMode: 'ON',
  filter: { namedShadowNames: ['$package'] },
};

describe('which index fields a query needs', () => {
  const query = parseFleetQuery(
    'attributes.model:th200 AND connectivity.connected:true AND shadow.name.$package.reported.fw.version:2.4*',
  );

  it('finds nothing missing when the index holds every data source', () => {
    expect(missingIndexFields(query, FULL)).toEqual([]);
  });

  it('names each field the account does not index and the setting that would', () => {
    expect(missingIndexFields(query, { thingIndexingMode: 'REGISTRY' })).toEqual([
      'connectivity.connected needs connectivity indexing: thingConnectivityIndexingMode STATUS',
      'shadow.name.$package.reported.fw.version needs named shadow indexing: thingIndexingMode REGISTRY_AND_SHADOW and namedShadowIndexingMode ON',
    ]);
    expect(missingIndexFields(query, { ...FULL, filter: { namedShadowNames: ['config'] } })).toEqual([
      'shadow.name.$package.reported.fw.version needs the named shadow $package in the indexing filter (filter.namedShadowNames: config)',
    ]);
    expect(
      missingIndexFields(parseFleetQuery('shadow.reported.x:1'), { thingIndexingMode: 'REGISTRY' }),
    ).toEqual([
      'shadow.reported.x needs shadow indexing: thingIndexingMode REGISTRY_AND_SHADOW (now REGISTRY)',
    ]);
    expect(missingIndexFields(parseFleetQuery('thingName:a'), undefined)).toEqual([
      'thing indexing is OFF: set thingIndexingMode to REGISTRY or REGISTRY_AND_SHADOW',
    ]);
    expect(missingIndexFields(parseFleetQuery('thingType:a'), FULL)[0]).toMatch(
      /not a field of the AWS_Things index/,
    );
  });

  it('throws a typed error listing every issue', () => {
    expect(() => assertIndexHolds(query, { thingIndexingMode: 'REGISTRY' })).toThrow(FleetIndexFieldError);
    try {
      assertIndexHolds(query, { thingIndexingMode: 'REGISTRY' });
    } catch (error) {
      expect((error as FleetIndexFieldError).issues).toHaveLength(2);
    }
  });
});
