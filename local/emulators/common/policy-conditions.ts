/**
 * IAM condition operators, as the IAM User Guide's "Condition operators" and "Single-valued vs.
 * multivalued context keys" define them, for the subset the project's policies use: String*, Arn*,
 * Bool, Null, each with `IfExists`, and the ForAnyValue: / ForAllValues: set qualifiers.
 */

/** Context values by lower-cased key (condition keys are case-insensitive; values are not). */
export type ConditionContext = ReadonlyMap<string, readonly string[]>;

export class PolicyError extends Error {
  override name = 'PolicyError';
}

type Matcher = (policyValue: string, contextValue: string) => boolean;

/** `*` matches any run of characters and `?` exactly one, case-sensitively, as StringLike does. */
export function wildcardMatch(pattern: string, text: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const t = ignoreCase ? text.toLowerCase() : text;
  // Iterative glob with backtracking to the last `*`: linear in practice, no regex built from data.
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi += 1;
      ti += 1;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi;
      mark = ti;
      pi += 1;
    } else if (star >= 0) {
      pi = star + 1;
      mark += 1;
      ti = mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi += 1;
  return pi === p.length;
}

/** ArnLike / ArnEquals: each of the six colon-separated parts matched on its own, with wildcards. */
export function arnMatch(pattern: string, arn: string): boolean {
  const split = (value: string) => {
    const parts = value.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const a = split(arn);
  if (!p || !a) return false;
  return p.every((part, i) => wildcardMatch(part, a[i] as string));
}

const BASE: Record<string, { match: Matcher; negated: boolean }> = {
  StringEquals: { match: (p, c) => p === c, negated: false },
  StringNotEquals: { match: (p, c) => p === c, negated: true },
  StringEqualsIgnoreCase: { match: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { match: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: true },
  StringLike: { match: (p, c) => wildcardMatch(p, c), negated: false },
  StringNotLike: { match: (p, c) => wildcardMatch(p, c), negated: true },
  ArnEquals: { match: arnMatch, negated: false },
  ArnLike: { match: arnMatch, negated: false },
  ArnNotEquals: { match: arnMatch, negated: true },
  ArnNotLike: { match: arnMatch, negated: true },
  Bool: { match: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
};

export type CompiledCondition = (context: ConditionContext) => boolean;

/** One `"<operator>": { "<key>": <values> }` entry; every key in it must hold. */
export function compileCondition(operator: string, block: unknown): CompiledCondition {
  if (!block || typeof block !== 'object' || Array.isArray(block))
    throw new PolicyError(`Condition ${operator} must map keys to values`);
  const entries = Object.entries(block).map(([key, raw]) => {
    const values = (Array.isArray(raw) ? raw : [raw]).map((v) => {
      if (typeof v !== 'string' && typeof v !== 'boolean' && typeof v !== 'number')
        throw new PolicyError(`Condition ${operator} ${key}: values must be strings`);
      return String(v);
    });
    return { key: key.toLowerCase(), values };
  });
  const test = compileOperator(operator);
  return (context) => entries.every(({ key, values }) => test(values, context.get(key)));
}

function compileOperator(
  operator: string,
): (values: string[], context: readonly string[] | undefined) => boolean {
  if (operator === 'Null')
    return (values, context) => values.every((v) => (v.toLowerCase() === 'true') === !context?.length);
  const qualifier = /^(ForAnyValue|ForAllValues):/.exec(operator)?.[1];
  const rest = qualifier ? operator.slice(qualifier.length + 1) : operator;
  const ifExists = rest.endsWith('IfExists');
  const base = BASE[ifExists ? rest.slice(0, -'IfExists'.length) : rest];
  if (!base) throw new PolicyError(`Condition operator ${operator} is not supported by the local evaluator`);
  // A context value satisfies the operator: for a negated one, it matches none of the policy values.
  const holds = (values: string[], c: string) => values.some((v) => base.match(v, c)) !== base.negated;
  return (values, context) => {
    if (!context?.length) {
      if (ifExists) return true;
      if (qualifier === 'ForAllValues') return true;
      if (qualifier === 'ForAnyValue') return false;
      return base.negated;
    }
    if (qualifier === 'ForAllValues') return context.every((c) => holds(values, c));
    // Single-valued keys, and ForAnyValue: some value of the request satisfies the operator.
    return context.some((c) => holds(values, c));
  };
}
