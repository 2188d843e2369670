/**
 * EventBridge event-pattern matching (pure). Covers what rules commonly use: exact values, arrays as OR,
 * nested objects, prefix / suffix (plain and equals-ignore-case), anything-but (value, list, prefix,
 * suffix, equals-ignore-case), numeric ranges, exists, equals-ignore-case, wildcard and $or.
 * Event arrays match when any element matches, as EventBridge does.
 */

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function matchesPattern(pattern: Json, event: Json): boolean {
  return isObj(pattern) && matchObject(pattern, event);
}

function matchObject(pattern: Obj, value: Json): boolean {
  if (Array.isArray(value)) return value.some((v) => matchObject(pattern, v));
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(sub) || !sub.some((alt) => isObj(alt) && matchObject(alt, value))) return false;
      continue;
    }
    const field = isObj(value) ? value[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, field)) return false;
    } else if (isObj(sub)) {
      if (!matchObject(sub, field)) return false;
    } else {
      return false;
    }
  }
  return true;
}

function matchLeaf(matchers: Json[], field: Json): boolean {
  // `exists` looks at leaves only: an object-valued field counts as absent.
  if (field === undefined || isObj(field)) return matchers.some((m) => isObj(m) && m.exists === false);
  const values = Array.isArray(field) ? field : [field];
  return matchers.some((m) => {
    if (isObj(m) && 'exists' in m) return m.exists === true;
    return values.some((v) => matchOne(m, v));
  });
}

function matchOne(m: Json, v: Json): boolean {
  if (!isObj(m)) return equalsScalar(m, v);
  const [op, arg] = Object.entries(m)[0] ?? [];
  switch (op) {
    case 'prefix':
      return typeof v === 'string' && affix(arg, v, (s, p) => s.startsWith(p));
    case 'suffix':
      return typeof v === 'string' && affix(arg, v, (s, p) => s.endsWith(p));
    case 'equals-ignore-case':
      return typeof v === 'string' && typeof arg === 'string' && v.toLowerCase() === arg.toLowerCase();
    case 'wildcard':
      return typeof v === 'string' && typeof arg === 'string' && wildcard(arg).test(v);
    case 'numeric':
      return typeof v === 'number' && Array.isArray(arg) && numeric(arg, v);
    case 'anything-but':
      return anythingBut(arg, v);
    default:
      return false;
  }
}

function equalsScalar(m: Json, v: Json): boolean {
  return m === v;
}

function affix(arg: Json, v: string, test: (s: string, p: string) => boolean): boolean {
  if (typeof arg === 'string') return test(v, arg);
  const ci = isObj(arg) ? arg['equals-ignore-case'] : undefined;
  return typeof ci === 'string' && test(v.toLowerCase(), ci.toLowerCase());
}

function anythingBut(arg: Json, v: Json): boolean {
  if (isObj(arg)) {
    const [op, inner] = Object.entries(arg)[0] ?? [];
    if (typeof v !== 'string') return false;
    if (op === 'prefix' && typeof inner === 'string') return !v.startsWith(inner);
    if (op === 'suffix' && typeof inner === 'string') return !v.endsWith(inner);
    if (op === 'wildcard' && typeof inner === 'string') return !wildcard(inner).test(v);
    if (op === 'equals-ignore-case') {
      const list = Array.isArray(inner) ? inner : [inner];
      return !list.some((x) => typeof x === 'string' && x.toLowerCase() === v.toLowerCase());
    }
    return false;
  }
  const list = Array.isArray(arg) ? arg : [arg];
  return !list.some((x) => equalsScalar(x, v));
}

const COMPARE: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '=': (a, b) => a === b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
};

function numeric(ops: Json[], v: number): boolean {
  for (let i = 0; i + 1 < ops.length; i += 2) {
    const cmp = COMPARE[String(ops[i])];
    const bound = ops[i + 1];
    if (!cmp || typeof bound !== 'number' || !cmp(v, bound)) return false;
  }
  return ops.length > 0 && ops.length % 2 === 0;
}

function wildcard(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'numeric',
  'anything-but',
  'exists',
]);

/** Why EventBridge would reject this pattern (InvalidEventPatternException), or undefined if valid. */
export function patternError(pattern: Json, path = ''): string | undefined {
  if (!isObj(pattern)) return `Event pattern is not valid. Reason: ${path || 'pattern'} must be an object`;
  if (path === '' && Object.keys(pattern).length === 0) return 'Event pattern is not valid. Reason: empty';
  for (const [key, sub] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2)
        return `Event pattern is not valid. Reason: $or needs 2+ patterns`;
      for (const alt of sub) {
        const err = patternError(alt, at);
        if (err) return err;
      }
    } else if (Array.isArray(sub)) {
      if (sub.length === 0)
        return `Event pattern is not valid. Reason: Empty arrays are not allowed at ${at}`;
      for (const m of sub) {
        if (isObj(m)) {
          const keys = Object.keys(m);
          if (keys.length !== 1 || !OPERATORS.has(keys[0] ?? '')) {
            return `Event pattern is not valid. Reason: Unrecognized match type ${keys.join(',')} at ${at}`;
          }
          if (
            'numeric' in m &&
            !(Array.isArray(m.numeric) && m.numeric.length % 2 === 0 && m.numeric.length)
          ) {
            return `Event pattern is not valid. Reason: Bad numeric range at ${at}`;
          }
        } else if (Array.isArray(m)) {
          return `Event pattern is not valid. Reason: Match value must be String, number, true, false, or null at ${at}`;
        }
      }
    } else if (isObj(sub)) {
      const err = patternError(sub, at);
      if (err) return err;
    } else {
      return `Event pattern is not valid. Reason: "${at}" must be an object or an array`;
    }
  }
  return undefined;
}
