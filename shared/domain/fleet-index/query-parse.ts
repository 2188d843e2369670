import { InvalidFleetQueryError } from './errors';
import type { FleetQuery, FleetTerm, TermMatch } from './query-ast';
import { termsOf } from './query-ast';

/**
 * The fleet indexing query language as the AWS IoT Developer Guide documents it ("Query syntax",
 * "Example thing queries"): terms and "phrases", `field:value`, prefix and infix wildcards (`*`, `?`),
 * ranges `[a TO b]` / `{a TO b}` and `field<5`, `field >= 5`, AND / OR / NOT and the `-` exclusion,
 * grouping and field grouping `thingName:(tv* AND -plasma)`, `\` escapes. The default operator is AND.
 * Precedence: NOT and `-` bind tightest, then AND (explicit or implied), then OR.
 * Limits (same page): at most 12 terms; one leading-wildcard term at most, and then the query is at
 * most 100 characters; no `` ` @ # % / ' ; , `` characters.
 */
const MAX_QUERY_TERMS = 12;
const MAX_LEADING_WILDCARD_QUERY_LENGTH = 100;
const UNSUPPORTED = new Set(['`', '@', '#', '%', '/', "'", ';', ',']);
const BREAK = new Set([' ', '\t', '\n', '\r', '(', ')', '"', '[', ']', '{', '}', ':', '<', '>']);

type Token =
  | { t: 'word'; raw: string; at: number }
  | { t: 'phrase'; raw: string; at: number }
  | { t: 'range'; match: TermMatch; at: number }
  | { t: '(' | ')' | ':' | '-'; at: number }
  | { t: 'cmp'; op: '<' | '>' | '<=' | '>='; at: number };

const fail = (message: string, at?: number): never => {
  throw new InvalidFleetQueryError(at === undefined ? message : `${message} (at character ${at + 1})`, at);
};

/** Reads a run of value characters with `\` escapes kept (so `\*` stays a literal star). */
function readWord(q: string, start: number): { raw: string; end: number } {
  let i = start;
  let raw = '';
  while (i < q.length) {
    const c = q[i] as string;
    if (c === '\\') {
      const next = q[i + 1];
      if (next === undefined) fail('a query cannot end with \\', i);
      raw += `\\${next}`;
      i += 2;
      continue;
    }
    if (BREAK.has(c)) break;
    if (UNSUPPORTED.has(c)) fail(`the character ${c} is not supported in fleet indexing queries`, i);
    raw += c;
    i += 1;
  }
  return { raw, end: i };
}

function readPhrase(q: string, start: number): { raw: string; end: number } {
  let i = start + 1;
  let raw = '';
  while (i < q.length && q[i] !== '"') {
    if (q[i] === '\\' && q[i + 1] !== undefined) {
      raw += `\\${q[i + 1]}`;
      i += 2;
      continue;
    }
    if (UNSUPPORTED.has(q[i] as string))
      fail(`the character ${q[i]} is not supported in fleet indexing queries`, i);
    raw += q[i];
    i += 1;
  }
  if (i >= q.length) fail('a quoted phrase is not closed', start);
  return { raw, end: i + 1 };
}

/** `[a TO b]`, `{a TO b}` and the mixed forms; a bound is a word, a phrase or `*`. */
function readRange(q: string, start: number): { match: TermMatch; end: number } {
  const includeLower = q[start] === '[';
  let i = start + 1;
  const bound = (): string | undefined => {
    while (q[i] === ' ') i += 1;
    if (q[i] === '"') {
      const p = readPhrase(q, i);
      i = p.end;
      return unescapeTerm(p.raw);
    }
    const w = readWord(q, i);
    if (w.raw === '') fail('a range needs two bounds: [a TO b]', i);
    i = w.end;
    return w.raw === '*' ? undefined : unescapeTerm(w.raw);
  };
  const lower = bound();
  while (q[i] === ' ') i += 1;
  if (q.slice(i, i + 2) !== 'TO') fail('a range is written [a TO b] (TO in capitals)', i);
  i += 2;
  const upper = bound();
  while (q[i] === ' ') i += 1;
  const close = q[i];
  if (close !== ']' && close !== '}') fail('a range must end with ] or }', i);
  return {
    match: {
      kind: 'range',
      ...(lower === undefined ? {} : { lower }),
      ...(upper === undefined ? {} : { upper }),
      includeLower,
      includeUpper: close === ']',
    },
    end: i + 1,
  };
}

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i += 1;
    else if (c === '(' || c === ')' || c === ':') out.push({ t: c, at: i++ });
    else if (c === '<' || c === '>') {
      const op = q[i + 1] === '=' ? (`${c}=` as const) : c;
      out.push({ t: 'cmp', op, at: i });
      i += op.length;
    } else if (c === '"') {
      const p = readPhrase(q, i);
      out.push({ t: 'phrase', raw: p.raw, at: i });
      i = p.end;
    } else if (c === '[' || c === '{') {
      const r = readRange(q, i);
      out.push({ t: 'range', match: r.match, at: i });
      i = r.end;
    } else if (c === ']' || c === '}') fail(`unexpected ${c}`, i);
    else if (c === '-' && (q[i + 1] === '(' || q[i + 1] === '"')) out.push({ t: '-', at: i++ });
    else {
      const w = readWord(q, i);
      out.push({ t: 'word', raw: w.raw, at: i });
      i = w.end;
    }
  }
  return out;
}

/** The literal text of a word or phrase: escapes removed. */
function unescapeTerm(raw: string): string {
  return raw.replace(/\\(.)/g, '$1');
}

const hasWildcard = (raw: string) => /(^|[^\\])[*?]/.test(raw);
const isKeyword = (tok: Token | undefined, word: string) => tok?.t === 'word' && tok.raw === word;
const FIELD = /^[A-Za-z_$][A-Za-z0-9_.$-]*$/;

function valueMatch(tok: Token): TermMatch {
  if (tok.t === 'range') return tok.match;
  if (tok.t === 'phrase') return { kind: 'exact', value: unescapeTerm(tok.raw) };
  if (tok.t !== 'word') return fail('expected a value', tok.at);
  if (tok.raw === '*') return { kind: 'exists' };
  return hasWildcard(tok.raw)
    ? { kind: 'wildcard', pattern: tok.raw }
    : { kind: 'exact', value: unescapeTerm(tok.raw) };
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }

  parse(): FleetQuery {
    if (this.tokens.length === 0) fail('the query is empty');
    const query = this.or(undefined);
    const extra = this.peek();
    if (extra) fail(extra.t === ')' ? 'unbalanced )' : 'unexpected input', extra.at);
    return query;
  }

  private or(field: string | undefined): FleetQuery {
    const items = [this.and(field)];
    while (isKeyword(this.peek(), 'OR')) {
      this.i += 1;
      items.push(this.and(field));
    }
    return items.length === 1 ? (items[0] as FleetQuery) : { kind: 'or', items };
  }

  private and(field: string | undefined): FleetQuery {
    const items = [this.unary(field)];
    for (;;) {
      const next = this.peek();
      if (!next || next.t === ')' || isKeyword(next, 'OR')) break;
      if (isKeyword(next, 'AND')) this.i += 1;
      items.push(this.unary(field));
    }
    return items.length === 1 ? (items[0] as FleetQuery) : { kind: 'and', items };
  }

  private unary(field: string | undefined): FleetQuery {
    const tok = this.peek();
    if (!tok) return fail('the query ends where a term was expected');
    if (isKeyword(tok, 'NOT') || tok.t === '-') {
      this.i += 1;
      return { kind: 'not', item: this.unary(field) };
    }
    if (tok.t === 'word' && tok.raw.startsWith('-') && tok.raw.length > 1) {
      // `-plasma`: the hyphen excludes the term that follows it.
      this.tokens[this.i] = { t: 'word', raw: tok.raw.slice(1), at: tok.at + 1 };
      return { kind: 'not', item: this.unary(field) };
    }
    return this.primary(field);
  }

  private primary(field: string | undefined): FleetQuery {
    const tok = this.peek() as Token;
    if (tok.t === '(') {
      this.i += 1;
      const inner = this.or(field);
      if (this.peek()?.t !== ')') fail('a ( is not closed', tok.at);
      this.i += 1;
      return inner;
    }
    if (isKeyword(tok, 'AND') || isKeyword(tok, 'OR'))
      fail(`${(tok as { raw: string }).raw} needs a term on each side`, tok.at);
    const after = this.peek(1);
    if (tok.t === 'word' && (after?.t === ':' || after?.t === 'cmp')) {
      if (field !== undefined) fail('a field cannot be named inside a field group', tok.at);
      if (!FIELD.test(tok.raw)) fail(`${JSON.stringify(tok.raw)} is not a field name`, tok.at);
      this.i += 2;
      return this.fieldValue(tok.raw, after);
    }
    if (tok.t === ':' || tok.t === 'cmp' || tok.t === ')') fail('expected a term', tok.at);
    this.i += 1;
    return term(field, valueMatch(tok));
  }

  private fieldValue(field: string, op: Token): FleetQuery {
    const value = this.peek();
    if (!value) return fail(`${field} has no value`, op.at);
    if (op.t === 'cmp') {
      if (value.t !== 'word' && value.t !== 'phrase') return fail(`${field}${op.op} needs a value`, value.at);
      this.i += 1;
      const bound = unescapeTerm(value.raw);
      const lower = op.op === '>' || op.op === '>=';
      return term(field, {
        kind: 'range',
        ...(lower ? { lower: bound } : { upper: bound }),
        includeLower: op.op === '>=',
        includeUpper: op.op === '<=',
      });
    }
    if (value.t === '(') {
      this.i += 1;
      const inner = this.or(field);
      if (this.peek()?.t !== ')') fail('a ( is not closed', value.at);
      this.i += 1;
      return inner;
    }
    this.i += 1;
    return term(field, valueMatch(value));
  }
}

const term = (field: string | undefined, match: TermMatch): FleetTerm =>
  field === undefined ? { kind: 'term', match } : { kind: 'term', field, match };

const leadingWildcard = (t: FleetTerm) => t.match.kind === 'wildcard' && /^[*?]/.test(t.match.pattern);

/** Parses and checks a query; throws InvalidFleetQueryError with the first problem and where it is. */
export function parseFleetQuery(query: string): FleetQuery {
  const parsed = new Parser(tokenize(query)).parse();
  const terms = termsOf(parsed);
  if (terms.length > MAX_QUERY_TERMS)
    fail(`the query has ${terms.length} terms; fleet indexing allows at most ${MAX_QUERY_TERMS}`);
  const leading = terms.filter(leadingWildcard).length;
  if (leading > 1) fail('only one term of a query may start with a wildcard');
  if (leading === 1 && query.length > MAX_LEADING_WILDCARD_QUERY_LENGTH)
    fail(
      `a query with a leading wildcard is at most ${MAX_LEADING_WILDCARD_QUERY_LENGTH} characters (this one has ${query.length})`,
    );
  return parsed;
}
