import fc from 'fast-check';

/** Every generated corpus uses this seed, so a failure names a case that replays the same way. */
export const SEED = 20_260_101;

/** Values of the wrong type, size or range, for any field of any input. */
export const HOSTILE_VALUES: readonly unknown[] = [
  undefined,
  null,
  true,
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -1e308,
  1e21,
  '',
  ' ',
  '42',
  '-1',
  'NaN',
  'Infinity',
  'x'.repeat(200_000),
  '\u0000\u202e\ud800',
  'élan 🚀 ﷽',
  [],
  Array.from({ length: 10_000 }, (_, i) => i),
  {},
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
  nested(200),
];

/** The same without the two huge values, for text formats whose parsers are slow on them (each has its own case). */
export const SMALL_HOSTILE_VALUES: readonly unknown[] = HOSTILE_VALUES.filter(
  (v) => !(typeof v === 'string' && v.length > 1000) && !(Array.isArray(v) && v.length > 1000),
);

/** Names that try to escape into paths, MQTT topics, ARNs, templates, shells or logs. */
export const INJECTION_NAMES: readonly string[] = [
  '../etc/passwd',
  '..',
  '$aws/things/x/shadow',
  '$aws/events/thing/+/+',
  'a#b',
  'a+b',
  'a/b',
  "a'b",
  'a"b',
  'a`b',
  'a\nb',
  'a\r\nINFO forged log line',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation substitution, on purpose
  '${AWS::AccountId}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless variable, on purpose
  '${self:custom.x}',
  '{{template}}',
  'arn:aws:iam::123456789012:role/admin',
  '__proto__',
  'constructor',
  'toString',
  ' leading-space',
  'x'.repeat(129),
  '',
  'ẞtraße-ÄÖÜ',
  '🚀',
  'a\u0000b',
  '<script>alert(1)</script>',
  "'; DROP TABLE things; --",
  's3://bucket/../../secret',
];

/** `{"a":{"a":...}}` nested `depth` levels. */
export function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** A JSON text nested so deep that recursive code would overflow the stack. */
export function deepJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/**
 * One case per (field, hostile value) plus one per removed field: a valid object broken in
 * exactly one place, so each case exercises one check. `keep` lists fields whose hostile value
 * might still be valid (those cases are left out).
 */
export function mutations<T extends Record<string, unknown>>(
  valid: T,
  values: readonly unknown[] = HOSTILE_VALUES,
  skip: (field: string, value: unknown) => boolean = () => false,
): { label: string; value: Record<string, unknown> }[] {
  const out: { label: string; value: Record<string, unknown> }[] = [];
  for (const field of Object.keys(valid)) {
    const { [field]: _removed, ...without } = valid;
    if (!skip(field, undefined)) out.push({ label: `${field} missing`, value: without });
    values.forEach((v, i) => {
      if (v === undefined || skip(field, v)) return;
      out.push({ label: `${field} = hostile[${i}]`, value: { ...valid, [field]: v } });
    });
  }
  return out;
}

/** Any JSON-like value, including the keys attackers like. */
export const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1e300, '', '__proto__'),
    fc.double(),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom(...INJECTION_NAMES),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'prototype')),
      tie('value'),
      { maxKeys: 4 },
    ),
  ),
})).value;

/** `count` generated variants of `valid`, each with some fields replaced by arbitrary values. */
export function generatedVariants(
  valid: Record<string, unknown>,
  count: number,
  seed = SEED,
): Record<string, unknown>[] {
  const keys = Object.keys(valid);
  const arb = fc
    .tuple(
      fc.subarray(keys, { minLength: 1 }),
      fc.array(anyJson, { minLength: keys.length, maxLength: keys.length }),
    )
    .map(([fields, values]) => {
      const copy: Record<string, unknown> = { ...valid };
      fields.forEach((f, i) => {
        copy[f] = values[i];
      });
      return copy;
    });
  return fc.sample(arb, { seed, numRuns: count });
}

/** True when `Object.prototype` was polluted by anything a test did. */
export function prototypePolluted(): boolean {
  return 'polluted' in Object.prototype || 'polluted' in ({} as Record<string, unknown>);
}
