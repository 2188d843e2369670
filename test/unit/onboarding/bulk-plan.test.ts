import { describe, expect, it } from 'vitest';
import { bulkBatches, reportErrors } from '../../../shared/domain/onboarding/bulk-plan';
import type { ThingSpec } from '../../../shared/domain/onboarding/things-csv';

const thing = (
  line: number,
  thingName: string,
  attributes: Record<string, string>,
  thingType?: string,
): ThingSpec => ({
  line,
  thingName,
  attributes,
  ...(thingType ? { thingType } : {}),
});

describe('bulk registration batches', () => {
  const things = [
    thing(2, 'a', { site: 'p7', region: 'eu' }, 'sensor'),
    thing(3, 'b', { region: 'us' }),
    thing(4, 'c', { region: 'eu', site: 'p1' }, 'gateway'),
  ];

  it('groups things by shape, so an empty cell stays an absent attribute, largest batch first', () => {
    const batches = bulkBatches(things);
    expect(batches.map((b) => b.things.map((t) => t.thingName))).toEqual([['a', 'c'], ['b']]);
    const [typed] = batches;
    expect(JSON.parse(typed?.templateBody ?? '{}')).toEqual({
      Parameters: {
        ThingName: { Type: 'String' },
        ThingTypeName: { Type: 'String' },
        a0: { Type: 'String' },
        a1: { Type: 'String' },
      },
      Resources: {
        thing: {
          Type: 'AWS::IoT::Thing',
          Properties: {
            ThingName: { Ref: 'ThingName' },
            ThingTypeName: { Ref: 'ThingTypeName' },
            AttributePayload: { region: { Ref: 'a0' }, site: { Ref: 'a1' } },
          },
        },
      },
    });
    expect(
      typed?.inputBody
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { ThingName: 'a', ThingTypeName: 'sensor', a0: 'eu', a1: 'p7' },
      { ThingName: 'c', ThingTypeName: 'gateway', a0: 'eu', a1: 'p1' },
    ]);
  });

  it('keys a batch by its things, so a rerun over the same remaining things follows the same task', () => {
    expect(bulkBatches(things).map((b) => b.key)).toEqual(bulkBatches([...things]).map((b) => b.key));
    expect(bulkBatches(things.slice(1))[0]?.key).not.toBe(bulkBatches(things)[0]?.key);
  });

  it("maps the ERRORS report's offsets back to the CSV's lines, and keeps a line it cannot read", () => {
    const [typed] = bulkBatches(things);
    if (!typed) throw new Error('no batch');
    const report = [
      JSON.stringify({
        offset: 1,
        errorCode: 'ResourceNotFoundException',
        errorMessage: 'Thing type gateway cannot be found.',
      }),
      'garbled',
      '',
    ].join('\n');
    expect(reportErrors(typed, report)).toEqual([
      { line: 0, thingName: '?', code: 'Unknown', message: 'garbled' },
      {
        line: 4,
        thingName: 'c',
        code: 'ResourceNotFoundException',
        message: 'Thing type gateway cannot be found.',
      },
    ]);
  });
});
