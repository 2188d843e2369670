/**
 * The part of the AWS IoT SQL (2016-03-23) the project's rules use:
 * `SELECT *|expr [AS alias], ... FROM 'topic/filter' [WHERE cond]`, where expr is `*`, an attribute
 * path, `topic(n)` or `timestamp()`, and cond combines `expr = 'literal'` / `<>` with AND / OR.
 */
export type CompiledRule = {
  filter: string;
  select(message: Record<string, unknown>, topic: string, now: number): Record<string, unknown> | undefined;
};

type Expr =
  | { kind: 'star' }
  | { kind: 'topic'; index: number }
  | { kind: 'timestamp' }
  | { kind: 'path'; path: string[] };
type Cond =
  | { op: 'and' | 'or'; left: Cond; right: Cond }
  | { op: '=' | '<>'; expr: Expr; literal: string | number };

const SQL = /^\s*SELECT\s+(.+?)\s+FROM\s+'([^']+)'(?:\s+WHERE\s+(.+))?\s*$/is;

export function compileIotSql(sql: string): CompiledRule {
  const match = SQL.exec(sql);
  if (!match) throw new Error(`Unsupported IoT SQL: ${sql}`);
  const [, selectList = '', filter = '', where] = match;
  const fields = splitTopLevel(selectList).map(parseField);
  const condition = where ? parseCondition(where) : undefined;
  return {
    filter,
    select(message, topic, now) {
      if (!topicMatches(filter, topic)) return undefined;
      if (condition && !evaluate(condition, message, topic, now)) return undefined;
      const out: Record<string, unknown> = {};
      for (const field of fields) {
        if (field.expr.kind === 'star') Object.assign(out, message);
        else out[field.alias] = value(field.expr, message, topic, now);
      }
      return out;
    },
  };
}

/** MQTT topic filters: `+` one level, `#` the rest. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

function parseField(text: string): { expr: Expr; alias: string } {
  const m = /^(.+?)(?:\s+AS\s+([A-Za-z_][A-Za-z0-9_]*))?$/is.exec(text.trim());
  const expr = parseExpr((m?.[1] ?? text).trim());
  const alias = m?.[2] ?? (expr.kind === 'path' ? (expr.path.at(-1) ?? '') : expr.kind);
  return { expr, alias };
}

function parseExpr(text: string): Expr {
  if (text === '*') return { kind: 'star' };
  const topic = /^topic\((\d+)\)$/i.exec(text);
  if (topic) return { kind: 'topic', index: Number(topic[1]) };
  if (/^timestamp\(\)$/i.test(text)) return { kind: 'timestamp' };
  if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(text)) return { kind: 'path', path: text.split('.') };
  throw new Error(`Unsupported IoT SQL expression: ${text}`);
}

function parseCondition(text: string): Cond {
  const or = splitKeyword(text, 'OR');
  if (or.length > 1) return or.map(parseCondition).reduce((left, right) => ({ op: 'or', left, right }));
  const and = splitKeyword(text, 'AND');
  if (and.length > 1) return and.map(parseCondition).reduce((left, right) => ({ op: 'and', left, right }));
  const trimmed = text.trim();
  if (trimmed.startsWith('(') && trimmed.endsWith(')')) return parseCondition(trimmed.slice(1, -1));
  const m = /^(.+?)\s*(=|<>)\s*(?:'([^']*)'|(-?\d+(?:\.\d+)?))$/.exec(trimmed);
  if (!m) throw new Error(`Unsupported IoT SQL condition: ${text}`);
  return { op: m[2] as '=' | '<>', expr: parseExpr((m[1] ?? '').trim()), literal: m[3] ?? Number(m[4]) };
}

function evaluate(c: Cond, message: Record<string, unknown>, topic: string, now: number): boolean {
  if (c.op === 'and') return evaluate(c.left, message, topic, now) && evaluate(c.right, message, topic, now);
  if (c.op === 'or') return evaluate(c.left, message, topic, now) || evaluate(c.right, message, topic, now);
  if (!('expr' in c)) return false;
  const equal = value(c.expr, message, topic, now) === c.literal;
  return c.op === '=' ? equal : !equal;
}

function value(expr: Expr, message: Record<string, unknown>, topic: string, now: number): unknown {
  if (expr.kind === 'topic') return topic.split('/')[expr.index - 1];
  if (expr.kind === 'timestamp') return now;
  if (expr.kind === 'star') return message;
  let at: unknown = message;
  for (const key of expr.path)
    at = at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return at;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function splitKeyword(text: string, keyword: 'AND' | 'OR'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  const upper = text.toUpperCase();
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    const boundary = i === 0 || /\s/.test(text[i - 1] ?? '');
    if (depth === 0 && boundary && upper.startsWith(`${keyword} `, i)) {
      parts.push(text.slice(start, i));
      start = i + keyword.length;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}
