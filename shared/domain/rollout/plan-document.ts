/**
 * The inline job document is stored in DynamoDB (as part of the rollout item) and sent to AWS IoT.
 * DynamoDB allows 32 levels of nesting in an item and numbers of at most 38 digits (and the
 * document client refuses integers beyond 2^53), so a document that breaks those limits is refused
 * here, as a plan error, instead of failing later as a storage error.
 */
const MAX_DOCUMENT_DEPTH = 16;

/** Problems with the document, each naming its path; checked iteratively so deep input cannot overflow the stack. */
export function documentIssues(document: Record<string, unknown>): string[] {
  const issues: string[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value: document, path: 'document', depth: 1 },
  ];
  while (stack.length > 0 && issues.length < 10) {
    const { value, path, depth } = stack.pop() as (typeof stack)[number];
    if (typeof value === 'number' && !storableNumber(value)) {
      issues.push(`${path}: ${value} cannot be stored (finite, integers within ±2^53, at most 38 digits)`);
    } else if (value !== null && typeof value === 'object') {
      if (depth > MAX_DOCUMENT_DEPTH) {
        issues.push(`${path}: nested deeper than ${MAX_DOCUMENT_DEPTH} levels`);
        continue;
      }
      for (const [key, child] of Object.entries(value)) {
        stack.push({ value: child, path: `${path}.${key}`.slice(0, 200), depth: depth + 1 });
      }
    } else if (value !== null && !['string', 'boolean', 'number'].includes(typeof value)) {
      issues.push(`${path}: a ${typeof value} is not JSON`);
    }
  }
  return issues;
}

function storableNumber(value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (Number.isInteger(value)) return Number.isSafeInteger(value);
  const magnitude = Math.abs(value);
  return magnitude > 1e-130 && magnitude < 1e125;
}

/**
 * Keys that name JavaScript's object machinery. `__proto__` would silently vanish from a parsed object
 * (or replace its prototype), and `constructor` breaks the DynamoDB marshaller that stores the plan:
 * refused wherever they appear in the document, before anything else reads it.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Reserved keys anywhere in the raw (unvalidated) document, each naming its path. */
export function reservedKeyIssues(document: unknown): string[] {
  const issues: string[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value: document, path: 'document', depth: 1 },
  ];
  while (stack.length > 0 && issues.length < 10) {
    const { value, path, depth } = stack.pop() as (typeof stack)[number];
    if (value === null || typeof value !== 'object' || depth > MAX_DOCUMENT_DEPTH + 1) continue;
    for (const key of Object.keys(value)) {
      const at = `${path}.${key}`.slice(0, 200);
      if (RESERVED_KEYS.has(key)) issues.push(`${at}: "${key}" is a reserved key name`);
      else stack.push({ value: (value as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return issues;
}
