import { refreshThing } from './dynamic-membership';
import { alreadyExists, invalidRequest, notFound, versionConflict } from './errors';
import { publishThing } from './events';
import {
  label,
  optAttributes,
  optBool,
  optNumber,
  optObject,
  optString,
  paginate,
  queryBool,
  type Request,
} from './input';
import { type Attributes, type IotContext, type Json, type ThingRecord, toSeconds } from './model';

const NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

export function requireThing(ctx: IotContext, name: string): ThingRecord {
  const thing = ctx.state.things.get(name);
  if (!thing) throw notFound(`Thing ${name} cannot be found.`);
  return thing;
}

function requireType(ctx: IotContext, name: string): void {
  if (!ctx.state.thingTypes.has(name)) throw notFound(`Thing type ${name} cannot be found.`);
}

/** JSON with object keys sorted at every level: equal configurations compare equal. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Json).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

const sameAttributes = (a: Attributes, b: Attributes): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

export function createThing(ctx: IotContext, req: Request): Json {
  const thingName = label(req, 'thingName');
  if (!NAME.test(thingName)) throw invalidRequest(`Invalid thing name ${thingName}`);
  const thingTypeName = optString(req.body, 'thingTypeName');
  if (thingTypeName !== undefined) requireType(ctx, thingTypeName);
  const attributes = optAttributes(optObject(req.body, 'attributePayload'), 'attributes') ?? {};
  const existing = ctx.state.things.get(thingName);
  if (existing) {
    // CreateThing doc: same name and configuration succeeds; a different configuration is a 409.
    if (existing.thingTypeName === thingTypeName && sameAttributes(existing.attributes, attributes)) {
      return { thingName, thingArn: existing.thingArn, thingId: existing.thingId };
    }
    throw alreadyExists(
      `Thing ${thingName} already exists in account with different attributes`,
      existing.thingId,
      existing.thingArn,
    );
  }
  const thing: ThingRecord = {
    thingName,
    thingId: ctx.newId(),
    thingArn: ctx.arn(`thing/${thingName}`),
    attributes,
    version: 1,
    groups: [],
    ...(thingTypeName === undefined ? {} : { thingTypeName }),
  };
  ctx.state.things.set(thingName, thing);
  publishThing(ctx, thing, 'created');
  refreshThing(ctx, thingName);
  return { thingName, thingArn: thing.thingArn, thingId: thing.thingId };
}

export function describeThing(ctx: IotContext, req: Request): Json {
  const thing = requireThing(ctx, label(req, 'thingName'));
  return {
    defaultClientId: thing.thingName,
    thingName: thing.thingName,
    thingId: thing.thingId,
    thingArn: thing.thingArn,
    thingTypeName: thing.thingTypeName,
    attributes: { ...thing.attributes },
    version: thing.version,
  };
}

export function updateThing(ctx: IotContext, req: Request): Json {
  const thing = requireThing(ctx, label(req, 'thingName'));
  const expectedVersion = optNumber(req.body, 'expectedVersion');
  if (expectedVersion !== undefined && expectedVersion !== thing.version) {
    throw versionConflict(`The version for thing ${thing.thingName} does not match the expected version.`);
  }
  const thingTypeName = optString(req.body, 'thingTypeName');
  const removeThingType = optBool(req.body, 'removeThingType') ?? false;
  if (removeThingType && thingTypeName !== undefined) {
    throw invalidRequest('Cannot set thingTypeName and removeThingType at the same time');
  }
  if (thingTypeName !== undefined) requireType(ctx, thingTypeName);
  const payload = optObject(req.body, 'attributePayload');
  const attributes = optAttributes(payload, 'attributes');
  if (attributes !== undefined) {
    // AttributePayload doc: merge=true merges into the stored attributes; an empty value removes one.
    const next: Attributes =
      payload?.merge === true ? { ...thing.attributes, ...attributes } : { ...attributes };
    for (const [k, v] of Object.entries(next)) if (v === '') delete next[k];
    thing.attributes = next;
  }
  if (thingTypeName !== undefined) thing.thingTypeName = thingTypeName;
  if (removeThingType) delete thing.thingTypeName;
  thing.version += 1;
  publishThing(ctx, thing, 'updated');
  refreshThing(ctx, thing.thingName);
  return {};
}

export function deleteThing(ctx: IotContext, req: Request): Json {
  const name = label(req, 'thingName');
  const thing = ctx.state.things.get(name);
  // DeleteThing doc: "Returns successfully with no error if ... you specify a thing that doesn't exist."
  if (!thing) return {};
  const expected = req.query.get('expectedVersion');
  if (expected !== null && Number(expected) !== thing.version) {
    throw versionConflict(`The version for thing ${name} does not match the expected version.`);
  }
  for (const g of thing.groups) {
    const group = ctx.state.groups.get(g);
    if (group) group.things = group.things.filter((t) => t !== name);
  }
  ctx.state.things.delete(name);
  publishThing(ctx, thing, 'deleted');
  return {};
}

export function listThings(ctx: IotContext, req: Request): Json {
  const attributeName = req.query.get('attributeName');
  const attributeValue = req.query.get('attributeValue');
  const thingTypeName = req.query.get('thingTypeName');
  // usePrefixAttributeValue: "returns the thing resources with attribute values that start with the
  // attributeValue provided" (ListThings API reference).
  const prefix = queryBool(req, 'usePrefixAttributeValue');
  const valueMatches = (v: string | undefined) =>
    v !== undefined &&
    attributeValue !== null &&
    (prefix ? v.startsWith(attributeValue) : v === attributeValue);
  const all = [...ctx.state.things.values()].filter(
    (t) =>
      (thingTypeName === null || t.thingTypeName === thingTypeName) &&
      (attributeName === null ||
        (attributeValue === null
          ? attributeName in t.attributes
          : valueMatches(t.attributes[attributeName]))),
  );
  const { page, nextToken } = paginate(all, req, 250);
  return {
    things: page.map((t) => ({
      thingName: t.thingName,
      thingTypeName: t.thingTypeName,
      thingArn: t.thingArn,
      attributes: { ...t.attributes },
      version: t.version,
    })),
    nextToken,
  };
}

export function createThingType(ctx: IotContext, req: Request): Json {
  const thingTypeName = label(req, 'thingTypeName');
  if (!NAME.test(thingTypeName)) throw invalidRequest(`Invalid thing type name ${thingTypeName}`);
  const properties = optObject(req.body, 'thingTypeProperties') ?? {};
  const searchable = properties.searchableAttributes;
  if (searchable !== undefined && (!Array.isArray(searchable) || searchable.length > 3)) {
    throw invalidRequest('searchableAttributes must list at most 3 attribute names');
  }
  const existing = ctx.state.thingTypes.get(thingTypeName);
  if (existing) {
    // CreateThingType doc: "If this call is made multiple times using the same thing type name and
    // configuration, the call will succeed. ... different configuration a ResourceAlreadyExistsException".
    if (canonical(existing.properties) === canonical(properties)) {
      return { thingTypeName, thingTypeArn: existing.thingTypeArn, thingTypeId: existing.thingTypeId };
    }
    throw alreadyExists(
      `Thing type ${thingTypeName} already exists with a different configuration`,
      existing.thingTypeId,
      existing.thingTypeArn,
    );
  }
  const record = {
    thingTypeName,
    thingTypeId: ctx.newId(),
    thingTypeArn: ctx.arn(`thingtype/${thingTypeName}`),
    properties,
    createdAt: ctx.clock.now(),
  };
  ctx.state.thingTypes.set(thingTypeName, record);
  return { thingTypeName, thingTypeArn: record.thingTypeArn, thingTypeId: record.thingTypeId };
}

export function describeThingType(ctx: IotContext, req: Request): Json {
  const name = label(req, 'thingTypeName');
  const t = ctx.state.thingTypes.get(name);
  if (!t) throw notFound(`Thing type ${name} cannot be found.`);
  return {
    thingTypeName: t.thingTypeName,
    thingTypeId: t.thingTypeId,
    thingTypeArn: t.thingTypeArn,
    thingTypeProperties: t.properties,
    thingTypeMetadata: { deprecated: false, creationDate: toSeconds(t.createdAt) },
  };
}
