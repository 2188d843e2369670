import type { SelfCheckCondition } from './plan-schema';

/**
 * The plan's self-check over a SUCCEEDED execution's statusDetails (docs/rollouts.md, "Health after
 * success"). Its explanation goes into audit records, so it is short and bounded whatever the device sent.
 */

export const MAX_EXPLANATION = 200;
const MAX_SHOWN_VALUE = 40;
const MAX_SHOWN_KEY = 64;

/** `text` cut to at most `max` UTF-16 units with an ellipsis, never splitting a surrogate pair. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

// JSON quoting escapes control characters, so a value cannot forge lines in a log or an audit view.
const quoted = (v: string) => JSON.stringify(clipText(v, MAX_SHOWN_VALUE));

/** A statusDetails value as a number, or undefined: blank text is not 0, whatever Number('') says. */
function numeric(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function failure(key: string, value: string, condition: SelfCheckCondition): string | undefined {
  if ('equals' in condition) {
    return value === condition.equals
      ? undefined
      : `${key} is ${quoted(value)}, expected ${quoted(condition.equals)}`;
  }
  if ('oneOf' in condition) {
    return condition.oneOf.includes(value)
      ? undefined
      : `${key} is ${quoted(value)}, expected one of ${condition.oneOf.map(quoted).join(', ')}`;
  }
  const n = numeric(value);
  if (n === undefined) return `${key} is ${quoted(value)}, not a number`;
  const shown = clipText(value.trim(), MAX_SHOWN_VALUE);
  if ('atMost' in condition) {
    return n <= condition.atMost ? undefined : `${key} is ${shown}, expected at most ${condition.atMost}`;
  }
  return n >= condition.atLeast ? undefined : `${key} is ${shown}, expected at least ${condition.atLeast}`;
}

/**
 * Undefined when every condition of `rule` holds on `details`; otherwise why the first failing key (in
 * sorted order, so the answer does not depend on how the plan was written) fails. A missing key fails:
 * a device that did not run its self-check has not passed it.
 */
export function selfCheckFailure(
  rule: Readonly<Record<string, SelfCheckCondition>>,
  details: Readonly<Record<string, string>> | null | undefined,
): string | undefined {
  for (const key of Object.keys(rule).sort()) {
    const condition = rule[key];
    if (condition === undefined) continue;
    const shownKey = clipText(key, MAX_SHOWN_KEY);
    // Own keys only: `constructor` or `toString` must not be found on Object.prototype.
    const value = details && Object.hasOwn(details, key) ? details[key] : undefined;
    // AWS only stores strings here; anything else in a stored copy is as good as absent.
    if (typeof value !== 'string') return `${shownKey} missing from statusDetails`;
    const why = failure(shownKey, value, condition);
    if (why !== undefined) return clipText(why, MAX_EXPLANATION);
  }
  return undefined;
}
