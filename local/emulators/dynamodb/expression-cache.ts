/**
 * dynalite parses every expression of every request with PEG parsers that backtrack: a tenth of its
 * time in the default scenario, for a few dozen distinct expressions. This keeps each parse by its
 * shape (the expression, the attribute names, which values are given and their types) and rebuilds
 * the result with the request's own values.
 *
 * It holds because a parse depends on the values only through their presence and their types, with
 * two exceptions that are never cached: BETWEEN compares its bounds, and attribute_type checks the
 * type name it is given. Syntax errors are thrown, not kept. The parse's side effect, crossing off
 * the names and values it used (dynalite refuses unused ones afterwards), is replayed on a hit.
 */

type Context = {
  attrNames?: Record<string, string>;
  attrVals?: Record<string, Record<string, unknown>>;
  unusedAttrNames?: Record<string, unknown>;
  unusedAttrVals?: Record<string, unknown>;
};
type Parse = (input: string, options: { context: Context }) => unknown;
type Parser = { parse: Parse };
type Entry = { template: unknown; usedNames: string[]; usedVals: string[] };

/** Where a template holds one of the request's values. */
const VALUE = Symbol('expression value');
type Hole = { [VALUE]: string };

const UNCACHEABLE = /\bBETWEEN\b|attribute_type/i;
const MAX_ENTRIES = 1000;

/** Replaces `parser.parse` with a cached one, once per parser module (`uncached` keeps the original). */
export function cacheParses(parser: Parser & { uncached?: Parse }): void {
  if (parser.uncached) return;
  parser.uncached = parser.parse.bind(parser);
  parser.parse = cachedParse(parser.uncached);
}

/** `parse` with its results kept by shape (at most MAX_ENTRIES, the oldest dropped first). */
export function cachedParse(parse: Parse): Parse {
  const entries = new Map<string, Entry>();
  return (input, options) => {
    const context = options.context;
    if (UNCACHEABLE.test(input)) return parse(input, options);
    const key = shapeOf(input, context);
    const hit = entries.get(key);
    if (hit) {
      crossOff(context, hit);
      return rebuild(hit.template, context.attrVals ?? {});
    }
    // What this expression uses, whatever the request's other expressions crossed off before it.
    const unusedNames = Object.fromEntries(Object.keys(context.attrNames ?? {}).map((n) => [n, true]));
    const unusedVals = Object.fromEntries(Object.keys(context.attrVals ?? {}).map((n) => [n, true]));
    const result = parse(input, {
      ...options,
      context: { ...context, unusedAttrNames: unusedNames, unusedAttrVals: unusedVals },
    });
    const entry: Entry = {
      template: templateOf(result, holesOf(context.attrVals ?? {})),
      usedNames: Object.keys(context.attrNames ?? {}).filter((n) => !(n in unusedNames)),
      usedVals: Object.keys(context.attrVals ?? {}).filter((n) => !(n in unusedVals)),
    };
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
    entries.set(key, entry);
    crossOff(context, entry);
    return result;
  };
}

function crossOff(context: Context, entry: Entry): void {
  for (const name of entry.usedNames) delete context.unusedAttrNames?.[name];
  for (const name of entry.usedVals) delete context.unusedAttrVals?.[name];
}

function shapeOf(input: string, context: Context): string {
  const types = Object.entries(context.attrVals ?? {}).map(([name, value]) => [
    name,
    value && typeof value === 'object' ? Object.keys(value) : typeof value,
  ]);
  return JSON.stringify([input, context.attrNames ?? null, types]);
}

function holesOf(values: Record<string, unknown>): Map<unknown, string> {
  const holes = new Map<unknown, string>();
  for (const [name, value] of Object.entries(values))
    if (value && typeof value === 'object') holes.set(value, name);
  return holes;
}

/** A deep copy of a parse result with each request value replaced by a hole naming it. */
function templateOf(node: unknown, holes: Map<unknown, string>): unknown {
  if (node === null || typeof node !== 'object') return node;
  const name = holes.get(node);
  if (name !== undefined) return { [VALUE]: name } satisfies Hole;
  if (Array.isArray(node)) return node.map((n) => templateOf(n, holes));
  const copy = Object.create(Object.getPrototypeOf(node)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(node)) copy[k] = templateOf(v, holes);
  return copy;
}

/** A fresh parse result from a template: the holes filled with this request's values. */
function rebuild(node: unknown, values: Record<string, unknown>): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (VALUE in node) return values[(node as Hole)[VALUE]];
  if (Array.isArray(node)) return node.map((n) => rebuild(n, values));
  const copy = Object.create(Object.getPrototypeOf(node)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(node)) copy[k] = rebuild(v, values);
  return copy;
}
