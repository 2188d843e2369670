import { NormalizedSchema } from '@smithy/core/schema';

/**
 * AWS's own model of a service, read from the static Smithy schemas that AWS SDK v3 clients export
 * (`PutMetricAlarm$` and so on): operation names, input members, HTTP bindings. The emulators use it
 * to speak every protocol AWS serves for a service and to tell an operation or parameter that AWS has
 * but the emulator does not emulate from one that does not exist.
 */
export interface ModelledOperation {
  name: string;
  input: NormalizedSchema;
  output: NormalizedSchema;
  /** REST bindings: method, URI pattern (`/things/{thingName}`), success status. */
  http?: readonly [string, string, number];
}

export type ServiceModel = ReadonlyMap<string, ModelledOperation>;

/** Every operation schema a client package exports (exports named `<Operation>$`, tag 9). */
export function serviceModel(sdk: Record<string, unknown>): ServiceModel {
  const out = new Map<string, ModelledOperation>();
  for (const [key, value] of Object.entries(sdk)) {
    if (!key.endsWith('$') || !Array.isArray(value) || value[0] !== 9) continue;
    const [, , name, traits, input, output] = value as [9, string, string, unknown, never, never];
    const http = (traits as { http?: [string, string, number] } | undefined)?.http;
    out.set(name, {
      name,
      input: NormalizedSchema.of(input),
      output: NormalizedSchema.of(output),
      ...(Array.isArray(http) ? { http } : {}),
    });
  }
  return out;
}

/** Input member names of an operation, in model order. */
function inputMembers(op: ModelledOperation): string[] {
  return op.input.isStructSchema() ? [...op.input.structIterator()].map(([name]) => name) : [];
}

/** The message every emulator gives when a caller uses something AWS has and the emulator does not. */
export const notEmulatedMessage = (what: string): string =>
  `${what} is not emulated by the local stack (it emulates only what Fleet Autopilot uses)`;

/**
 * Members the caller set that the model knows but the emulator does not honour. Members the model
 * does not know are left alone, as AWS ignores them.
 */
export function unsupportedMembers(
  op: ModelledOperation | undefined,
  present: Iterable<string>,
  honoured: readonly string[],
): string[] {
  if (!op) return [];
  const modelled = new Set(inputMembers(op));
  return [...present].filter((m) => modelled.has(m) && !honoured.includes(m));
}

/** The modelled operation whose REST binding (`http` trait) matches a request, for naming it. */
export function matchModelRoute(model: ServiceModel, method: string, pathname: string): string | undefined {
  const parts = pathname.split('/').filter(Boolean);
  for (const op of model.values()) {
    if (!op.http || op.http[0] !== method) continue;
    const pattern = (op.http[1].split('?')[0] ?? '').split('/').filter(Boolean);
    const greedy = pattern.at(-1)?.endsWith('+}') ?? false;
    if (greedy ? parts.length < pattern.length : parts.length !== pattern.length) continue;
    if (pattern.every((seg, i) => seg.startsWith('{') || seg === parts[i])) return op.name;
  }
  return undefined;
}

/**
 * Members a REST-JSON request sets, by the model's HTTP bindings: query parameters, headers and body
 * keys (path labels are always there and left out).
 */
export function restMembersPresent(
  op: ModelledOperation,
  query: URLSearchParams,
  headers: Record<string, string | string[] | undefined>,
  body: Record<string, unknown>,
): string[] {
  const present: string[] = [];
  if (!op.input.isStructSchema()) return present;
  for (const [name, member] of op.input.structIterator()) {
    const t = member.getMergedTraits();
    if (t.httpLabel) continue;
    const set =
      typeof t.httpQuery === 'string'
        ? query.has(t.httpQuery)
        : typeof t.httpHeader === 'string'
          ? headers[t.httpHeader.toLowerCase()] !== undefined
          : t.httpPayload
            ? false
            : body[name] !== undefined && body[name] !== null;
    if (set) present.push(name);
  }
  return present;
}
