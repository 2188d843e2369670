import type { FleetQuery, TermMatch } from './query-ast';

/** A shadow as the index holds it: its sections, and whether desired and reported differ. */
export type IndexedShadow = {
  readonly reported?: Record<string, unknown>;
  readonly desired?: Record<string, unknown>;
  readonly delta?: Record<string, unknown>;
  readonly hasDelta?: boolean;
};

/**
 * A thing as the AWS_Things index holds it (ThingDocument, plus the shadows it parses): only the data
 * sources the indexing configuration includes are present.
 */
export type IndexedThing = {
  readonly thingName: string;
  readonly thingId?: string;
  readonly thingTypeName?: string;
  readonly thingGroupNames?: readonly string[];
  readonly attributes?: Readonly<Record<string, string>>;
  readonly shadow?: IndexedShadow;
  readonly namedShadows?: Readonly<Record<string, IndexedShadow>>;
  readonly connectivity?: {
    readonly connected: boolean;
    readonly timestamp: number;
    readonly disconnectReason?: string;
  };
};

type Scalar = string | number | boolean;

/** Values under a dotted path of an object; arrays contribute each element (`myvalues:2`). */
function atPath(root: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [root];
  for (const key of path) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v && typeof v === 'object' && !Array.isArray(v) && key in v) {
        const child = (v as Record<string, unknown>)[key];
        if (Array.isArray(child)) next.push(...child);
        else if (child !== undefined && child !== null) next.push(child);
      }
    }
    current = next;
  }
  return current;
}

function shadowValues(shadow: IndexedShadow | undefined, rest: readonly string[]): unknown[] {
  if (!shadow) return [];
  const [section, ...path] = rest;
  if (section === 'hasDelta' && path.length === 0) return [shadow.hasDelta ?? false];
  if (section !== 'reported' && section !== 'desired' && section !== 'delta') return [];
  // `shadow.reported:*` asks whether the section exists at all.
  return path.length === 0 ? (shadow[section] ? [shadow[section]] : []) : atPath(shadow[section], path);
}

/**
 * The values a field has in a document; [] when it has none. Unsearchable managed fields
 * (registry.version, shadow.version) and data the index does not hold have none.
 */
function fieldValues(doc: IndexedThing, field: string): unknown[] {
  const one = (v: unknown) => (v === undefined || v === null ? [] : [v]);
  if (field === 'thingName') return [doc.thingName];
  if (field === 'thingId') return one(doc.thingId);
  if (field === 'thingTypeName') return one(doc.thingTypeName);
  if (field === 'thingGroupNames') return [...(doc.thingGroupNames ?? [])];
  if (field.startsWith('attributes.')) return one(doc.attributes?.[field.slice('attributes.'.length)]);
  if (field.startsWith('connectivity.')) {
    const c = doc.connectivity as Record<string, unknown> | undefined;
    return one(c?.[field.slice('connectivity.'.length)]);
  }
  const parts = field.split('.');
  if (parts[0] !== 'shadow') return [];
  if (parts[1] === 'name' && parts[2] !== undefined)
    return shadowValues(doc.namedShadows?.[parts[2]], parts.slice(3));
  return shadowValues(doc.shadow, parts.slice(1));
}

/** Every scalar of the document, for a term without a field ("abc": any registry or shadow field). */
function allScalars(doc: IndexedThing): unknown[] {
  const out: unknown[] = [doc.thingName, ...(doc.thingGroupNames ?? [])];
  if (doc.thingTypeName) out.push(doc.thingTypeName);
  out.push(...Object.values(doc.attributes ?? {}));
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    else if (v !== undefined && v !== null) out.push(v);
  };
  for (const shadow of [doc.shadow, ...Object.values(doc.namedShadows ?? {})]) {
    walk(shadow?.reported);
    walk(shadow?.desired);
  }
  return out;
}

const isScalar = (v: unknown): v is Scalar =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const asNumber = (v: Scalar | string): number | undefined => {
  if (typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return v;
  const t = v.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : undefined;
};

function wildcardRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      source += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'is');
}

function compare(a: Scalar, b: string): number | undefined {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined) return x - y;
  if (typeof a === 'boolean') return undefined;
  const s = String(a).toLowerCase();
  const t = b.toLowerCase();
  return s < t ? -1 : s > t ? 1 : 0;
}

function valueMatches(value: unknown, match: TermMatch, regex: RegExp | undefined): boolean {
  if (match.kind === 'exists') return true;
  if (!isScalar(value)) return false;
  if (match.kind === 'exact') {
    if (typeof value === 'boolean') return String(value) === match.value.toLowerCase();
    const x = asNumber(value);
    const y = asNumber(match.value);
    if (x !== undefined && y !== undefined) return x === y;
    return String(value).toLowerCase() === match.value.toLowerCase();
  }
  if (match.kind === 'wildcard') return regex?.test(String(value)) ?? false;
  const { lower, upper, includeLower, includeUpper } = match;
  if (lower !== undefined) {
    const c = compare(value, lower);
    if (c === undefined || c < 0 || (c === 0 && !includeLower)) return false;
  }
  if (upper !== undefined) {
    const c = compare(value, upper);
    if (c === undefined || c > 0 || (c === 0 && !includeUpper)) return false;
  }
  return true;
}

/** Whether a thing's index document matches the query. Pure. */
export function matchesQuery(query: FleetQuery, doc: IndexedThing): boolean {
  switch (query.kind) {
    case 'and':
      return query.items.every((q) => matchesQuery(q, doc));
    case 'or':
      return query.items.some((q) => matchesQuery(q, doc));
    case 'not':
      return !matchesQuery(query.item, doc);
    case 'term': {
      const { field, match } = query;
      // `*` alone matches every thing.
      if (field === undefined && match.kind === 'exists') return true;
      const values = field === undefined ? allScalars(doc) : fieldValues(doc, field);
      const regex = match.kind === 'wildcard' ? wildcardRegex(match.pattern) : undefined;
      return values.some((v) => valueMatches(v, match, regex));
    }
  }
}
