import { parseCsv } from './csv';

/** AWS IoT's documented patterns (CreateThing, AttributePayload); anything else is refused up front. */
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const THING_TYPE_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const ATTRIBUTE_KEY = /^[a-zA-Z0-9_.,@/:#-]{1,128}$/;
const ATTRIBUTE_VALUE = /^[a-zA-Z0-9_.,@/:#=[\]-]{0,800}$/;
/** A thing without a thing type may carry 3 attributes; with one, 50. */
const MAX_ATTRIBUTES_UNTYPED = 3;
const MAX_ATTRIBUTES_TYPED = 50;
const MAX_THINGS_PER_FILE = 100_000;

export type ThingSpec = {
  line: number;
  thingName: string;
  thingType?: string;
  attributes: Record<string, string>;
};

type CsvProblem = { line: number; message: string };
export type ThingsCsv = { things: ThingSpec[]; problems: CsvProblem[]; attributeColumns: string[] };

const ATTR_PREFIX = 'attr.';

/**
 * The factory CSV: a header `thingName[,thingType][,attr.<key>...]`, then one thing per line.
 * Empty attribute cells are omitted. Every line is checked; every problem is returned with its
 * line, so a file is either wholly valid or refused before anything is written. Pure.
 */
export function parseThingsCsv(text: string): ThingsCsv {
  const { records, problems } = parseCsv(text);
  const header = records[0];
  if (!header)
    return {
      things: [],
      problems: [...problems, { line: 1, message: 'the file is empty' }],
      attributeColumns: [],
    };
  const columns = header.fields.map((c) => c.trim());
  const headerProblems = checkHeader(columns, header.line);
  if (headerProblems.length > 0)
    return { things: [], problems: [...problems, ...headerProblems], attributeColumns: [] };
  const nameAt = columns.indexOf('thingName');
  const typeAt = columns.indexOf('thingType');
  const attrs = columns.flatMap((c, i) =>
    c.startsWith(ATTR_PREFIX) ? [{ key: c.slice(ATTR_PREFIX.length), i }] : [],
  );
  const things: ThingSpec[] = [];
  const seen = new Map<string, number>();
  const rows = records.slice(1);
  if (rows.length > MAX_THINGS_PER_FILE)
    problems.push({
      line: header.line,
      message: `${rows.length} things; split the file (at most ${MAX_THINGS_PER_FILE})`,
    });
  for (const row of rows) {
    const issues: string[] = [];
    if (row.fields.length !== columns.length)
      issues.push(`${row.fields.length} fields, the header has ${columns.length}`);
    const thingName = (row.fields[nameAt] ?? '').trim();
    if (!THING_NAME.test(thingName))
      issues.push(`thingName ${show(thingName)} must be 1-128 characters of a-z A-Z 0-9 : _ -`);
    const thingType = typeAt >= 0 ? (row.fields[typeAt] ?? '').trim() : '';
    if (thingType && !THING_TYPE_NAME.test(thingType))
      issues.push(`thingType ${show(thingType)} must be 1-128 characters of a-z A-Z 0-9 : _ -`);
    const attributes: Record<string, string> = {};
    for (const { key, i } of attrs) {
      const value = (row.fields[i] ?? '').trim();
      if (value === '') continue;
      if (!ATTRIBUTE_VALUE.test(value))
        issues.push(
          `attr.${key} ${show(value)} must be at most 800 characters of a-z A-Z 0-9 _ . , @ / : # = [ ] -`,
        );
      attributes[key] = value;
    }
    const max = thingType ? MAX_ATTRIBUTES_TYPED : MAX_ATTRIBUTES_UNTYPED;
    if (Object.keys(attributes).length > max)
      issues.push(
        `${Object.keys(attributes).length} attributes; AWS allows ${max} ${thingType ? 'with' : 'without'} a thing type`,
      );
    const first = seen.get(thingName);
    if (first !== undefined && thingName) issues.push(`thingName ${thingName} repeats line ${first}`);
    else seen.set(thingName, row.line);
    for (const message of issues) problems.push({ line: row.line, message });
    if (issues.length === 0)
      things.push({ line: row.line, thingName, ...(thingType ? { thingType } : {}), attributes });
  }
  if (rows.length === 0) problems.push({ line: header.line, message: 'no things after the header' });
  problems.sort((a, b) => a.line - b.line);
  return { things, problems, attributeColumns: attrs.map((a) => a.key) };
}

function checkHeader(columns: string[], line: number): CsvProblem[] {
  const problems: CsvProblem[] = [];
  const add = (message: string) => problems.push({ line, message });
  if (!columns.includes('thingName'))
    add('the header must name a thingName column (e.g. thingName,thingType,attr.region,attr.site)');
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) add(`column ${show(c)} appears twice`);
    seen.add(c);
    if (c === 'thingName' || c === 'thingType') continue;
    if (!c.startsWith(ATTR_PREFIX)) add(`unknown column ${show(c)}: use thingName, thingType or attr.<key>`);
    // AWS accepts the key, but a JavaScript object silently drops it: refuse it rather than lose it.
    else if (c === `${ATTR_PREFIX}__proto__`) add('attribute key "__proto__" is not supported');
    else if (!ATTRIBUTE_KEY.test(c.slice(ATTR_PREFIX.length)))
      add(
        `attribute key ${show(c.slice(ATTR_PREFIX.length))} must be 1-128 characters of a-z A-Z 0-9 _ . , @ / : # -`,
      );
  }
  return problems;
}

/** A value quoted for a message, cut and with control characters made visible. */
function show(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(cut);
}
