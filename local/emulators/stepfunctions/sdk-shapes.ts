/**
 * Converts between Step Functions' PascalCase SDK-integration payloads and AWS SDK v3 inputs and
 * outputs, guided by the SDK's static Smithy schemas so that only structure member names change
 * (map keys such as thing attributes or document parameters pass through untouched).
 *
 * Static schema forms (from @smithy/core/schema): numbers are simple types, with 64 = list-of and
 * 128 = map-of modifiers; arrays of length >= 5 are [tag, namespace, name, traits, ...] with tag
 * 1 list [.., member], 2 map [.., key, value], 3 / -3 structure or error [.., names, members];
 * arrays of length 2 are member wrappers [schema, traits]; functions are lazy references.
 */
type Schema = unknown;

const LIST = 64;
const MAP = 128;
const TIMESTAMP = new Set([4, 5, 6, 7]);

type Shape =
  | { kind: 'struct'; members: Map<string, Schema> }
  | { kind: 'list'; member: Schema }
  | { kind: 'map'; value: Schema }
  | { kind: 'simple'; type: number };

function shapeOf(schema: Schema): Shape {
  let s = schema;
  while (typeof s === 'function' || (Array.isArray(s) && s.length === 2)) {
    s = typeof s === 'function' ? (s as () => Schema)() : (s as Schema[])[0];
  }
  if (typeof s === 'number') {
    if (s & LIST) return { kind: 'list', member: s & ~LIST };
    if (s & MAP) return { kind: 'map', value: s & ~MAP };
    return { kind: 'simple', type: s };
  }
  if (Array.isArray(s) && s.length >= 5) {
    if (s[0] === 1) return { kind: 'list', member: s[4] };
    if (s[0] === 2) return { kind: 'map', value: s[5] };
    if (s[0] === 0) return shapeOf(s[4]);
    const names = (s[4] ?? []) as string[];
    const members = (s[5] ?? []) as Schema[];
    return { kind: 'struct', members: new Map(names.map((n, i) => [n, members[i]])) };
  }
  return { kind: 'simple', type: 15 };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);
const lowerFirst = (k: string) => k.charAt(0).toLowerCase() + k.slice(1);
const upperFirst = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);

/** Step Functions PascalCase parameters → SDK input (camelCase members, Dates for timestamps). */
export function toSdkInput(value: unknown, schema: Schema): unknown {
  const shape = shapeOf(schema);
  if (shape.kind === 'list' && Array.isArray(value)) return value.map((v) => toSdkInput(v, shape.member));
  if (shape.kind === 'map' && isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toSdkInput(v, shape.value)]));
  }
  if (shape.kind === 'struct' && isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => {
        const member = shape.members.has(key) ? key : lowerFirst(key);
        return [member, toSdkInput(v, shape.members.get(member))];
      }),
    );
  }
  if (
    shape.kind === 'simple' &&
    TIMESTAMP.has(shape.type) &&
    (typeof value === 'string' || typeof value === 'number')
  ) {
    return new Date(typeof value === 'number' ? value * 1000 : value);
  }
  return value;
}

/** SDK output → what Step Functions returns (PascalCase members, no $metadata). */
export function fromSdkOutput(value: unknown, schema: Schema): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  const shape = shapeOf(schema);
  if (Array.isArray(value))
    return value.map((v) => fromSdkOutput(v, shape.kind === 'list' ? shape.member : undefined));
  if (!isObject(value)) return value;
  if (shape.kind === 'map') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromSdkOutput(v, shape.value)]));
  }
  const members = shape.kind === 'struct' ? shape.members : new Map<string, Schema>();
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '$metadata')
      .map(([key, v]) => [upperFirst(key), fromSdkOutput(v, members.get(key))]),
  );
}
