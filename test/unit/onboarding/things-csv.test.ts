import { describe, expect, it } from 'vitest';
import { csvField, parseCsv } from '../../../shared/domain/onboarding/csv';
import { emptyState, remainingThings, startOffsetMs } from '../../../shared/domain/onboarding/resume';
import { parseThingsCsv } from '../../../shared/domain/onboarding/things-csv';

describe('parseCsv', () => {
  it('reads quoted fields with commas, quotes and newlines, and keeps start lines', () => {
    const { records, problems } = parseCsv('a,b\r\n"x, y","say ""hi"""\n"multi\nline",z\n\n');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 3, fields: ['multi\nline', 'z'] },
    ]);
  });

  it('reports stray and unclosed quotes by line', () => {
    expect(parseCsv('a\nb"c\n"d"e\n"open').problems.map((p) => p.line)).toEqual([2, 3, 4]);
  });

  it('quotes exported fields and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField('=HYPERLINK(1)')).toBe(`"'=HYPERLINK(1)"`);
  });
});

describe('parseThingsCsv', () => {
  it('turns rows into things, dropping empty attributes', () => {
    const { things, problems } = parseThingsCsv(
      'thingName,thingType,attr.site\npump-1,sensor,plant-7\nvalve-1,,\n',
    );
    expect(problems).toEqual([]);
    expect(things).toEqual([
      { line: 2, thingName: 'pump-1', thingType: 'sensor', attributes: { site: 'plant-7' } },
      { line: 3, thingName: 'valve-1', attributes: {} },
    ]);
  });

  it('lists every problem with its line: names, values, arity, duplicates, limits', () => {
    const text = [
      'thingName,attr.a,attr.b,attr.c,attr.d',
      'ok,1,2,3,',
      'x;rm -rf,1,,,',
      'ok2,"a b",,,',
      'ok3,1',
      'ok,1,,,',
      'ok4,1,2,3,4',
    ].join('\n');
    const lines = parseThingsCsv(text).problems.map((p) => `${p.line}: ${p.message}`);
    expect(lines).toEqual([
      expect.stringMatching(/^3: thingName "x;rm -rf"/),
      expect.stringMatching(/^4: attr.a "a b"/),
      expect.stringMatching(/^5: 2 fields, the header has 5/),
      expect.stringMatching(/^6: thingName ok repeats line 2/),
      expect.stringMatching(/^7: 4 attributes; AWS allows 3 without a thing type/),
    ]);
  });

  it('refuses a header without thingName or with unknown columns', () => {
    const messages = parseThingsCsv('name,colour\nx,y\n').problems.map((p) => p.message);
    expect(messages).toEqual([
      expect.stringContaining('thingName column'),
      expect.stringContaining('unknown column "name"'),
      expect.stringContaining('unknown column "colour"'),
    ]);
  });

  it('refuses the attribute key __proto__ instead of silently dropping it', () => {
    const csv = parseThingsCsv('thingName,attr.__proto__,attr.site\npump-1,x,hq\n');
    expect(csv.problems).toEqual([{ line: 1, message: 'attribute key "__proto__" is not supported' }]);
    expect(csv.things).toEqual([]);
  });
});

describe('resume', () => {
  it('skips done and conflicting things and paces starts under the rate', () => {
    const { things } = parseThingsCsv('thingName\na\nb\nc\n');
    const state = {
      ...emptyState('x', 'f.csv'),
      done: ['a'],
      conflicts: [{ thingName: 'c', line: 4, message: '' }],
    };
    expect(remainingThings(things, state).map((t) => t.thingName)).toEqual(['b']);
    expect([0, 1, 50].map((i) => startOffsetMs(i, 50))).toEqual([0, 20, 1000]);
  });
});
