import { sanitizeFragment } from './group-name';

/** A parsed group-name template such as `site-{region}-{site}`. */
type TemplatePart = { literal: string } | { placeholder: string };
export type Template = { source: string; parts: TemplatePart[] };

/** `{thingType}` names the thing type; every other placeholder names an attribute. */
const THING_TYPE_PLACEHOLDER = 'thingType';

const PLACEHOLDER = /\{([A-Za-z0-9_.-]{1,128})\}/g;
const LITERAL_OK = /^[a-zA-Z0-9:_-]*$/;

/** Parses a template; returns a problem string instead of throwing so validation can list them all. */
export function parseTemplate(source: string): Template | string {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const literal = source.slice(last, match.index);
    if (literal) parts.push({ literal });
    parts.push({ placeholder: match[1] as string });
    last = match.index + match[0].length;
  }
  const tail = source.slice(last);
  if (tail) parts.push({ literal: tail });
  const bad = parts.find((p) => 'literal' in p && !LITERAL_OK.test(p.literal));
  if (bad && 'literal' in bad) {
    return `template "${source}" has characters outside [a-zA-Z0-9:_-] or an unclosed placeholder in "${bad.literal}"`;
  }
  if (parts.length === 0) return 'template is empty';
  return { source, parts };
}

export type RenderInput = { attributes: Readonly<Record<string, string>>; thingType?: string | undefined };
export type RenderResult = { ok: true; name: string } | { ok: false; reason: string };

/** Fills a template from a thing's attributes; a missing or unusable value means the rule does not apply. */
export function renderTemplate(template: Template, input: RenderInput, lowerCase: boolean): RenderResult {
  let name = '';
  for (const part of template.parts) {
    if ('literal' in part) {
      name += part.literal;
      continue;
    }
    const key = part.placeholder;
    const raw = key === THING_TYPE_PLACEHOLDER ? input.thingType : attributeOf(input.attributes, key);
    if (raw === undefined || raw === '') return { ok: false, reason: `missing value for {${key}}` };
    const fragment = sanitizeFragment(raw);
    if (fragment === undefined) return { ok: false, reason: `unusable value for {${key}}` };
    name += fragment;
  }
  return { ok: true, name: lowerCase ? name.toLowerCase() : name };
}

/** An attribute's own value: `{constructor}` or `{toString}` must never read Object.prototype. */
export function attributeOf(attributes: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(attributes, key) ? attributes[key] : undefined;
}

/** Placeholders become wildcards: used to decide whether two templates could ever name the same group. */
export type PatternToken = { char: string } | 'any' | 'star';

export function toPattern(template: Template, lowerCase: boolean): PatternToken[] {
  const tokens: PatternToken[] = [];
  for (const part of template.parts) {
    if ('placeholder' in part) {
      tokens.push('any', 'star');
      continue;
    }
    for (const char of lowerCase ? part.literal.toLowerCase() : part.literal) tokens.push({ char });
  }
  return tokens;
}

/** True when some group name matches both patterns (a conservative overlap test between rules). */
export function patternsIntersect(a: PatternToken[], b: PatternToken[]): boolean {
  const memo = new Map<number, boolean>();
  const visit = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    memo.set(key, false);
    const ta = a[i];
    const tb = b[j];
    let result: boolean;
    if (ta === undefined && tb === undefined) result = true;
    else if (ta === 'star') result = visit(i + 1, j) || (tb !== undefined && visit(i, j + 1));
    else if (tb === 'star') result = visit(i, j + 1) || (ta !== undefined && visit(i + 1, j));
    else if (ta === undefined || tb === undefined) result = false;
    else result = tokensCompatible(ta, tb) && visit(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return visit(0, 0);
}

function tokensCompatible(a: PatternToken, b: PatternToken): boolean {
  if (a === 'any' || b === 'any') return true;
  if (a === 'star' || b === 'star') return true;
  return a.char === b.char;
}
