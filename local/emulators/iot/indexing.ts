import { MAX_INDEXED_NAMED_SHADOWS } from '../../../shared/domain/fleet-index/indexing-config';
import { refreshAllDynamicGroups } from './dynamic-membership';
import { invalidRequest } from './errors';
import { optObject, type Request } from './input';
import type { IotContext, Json } from './model';

// Enumerations and managed fields from the API reference (ThingIndexingConfiguration,
// ThingGroupIndexingConfiguration) and the developer guide's "Managing fleet indexing".
const THING_MODES = ['OFF', 'REGISTRY', 'REGISTRY_AND_SHADOW'];
const ON_OFF = ['OFF', 'ON'];
const field = (name: string, type: string) => ({ name, type });
const REGISTRY_FIELDS = [
  field('thingId', 'String'),
  field('thingName', 'String'),
  field('registry.version', 'Number'),
  field('registry.thingTypeName', 'String'),
  field('registry.thingGroupNames', 'String'),
];
const SHADOW_FIELDS = [field('shadow.version', 'Number'), field('shadow.hasDelta', 'Boolean')];
const NAMED_SHADOW_FIELDS = [
  field('shadow.name.*.version', 'Number'),
  field('shadow.name.*.hasDelta', 'Boolean'),
];
const CONNECTIVITY_FIELDS = [
  field('connectivity.timestamp', 'Number'),
  field('connectivity.version', 'Number'),
  field('connectivity.connected', 'Boolean'),
  field('connectivity.disconnectReason', 'String'),
];
const GROUP_FIELDS = [
  field('description', 'String'),
  field('parentGroupNames', 'String'),
  field('thingGroupId', 'String'),
  field('thingGroupName', 'String'),
  field('version', 'Number'),
];

export function getIndexingConfiguration(ctx: IotContext): Json {
  const { thing, group } = ctx.state.indexing;
  const managed =
    thing.thingIndexingMode === 'OFF'
      ? []
      : [
          ...REGISTRY_FIELDS,
          ...(thing.thingIndexingMode === 'REGISTRY_AND_SHADOW' ? SHADOW_FIELDS : []),
          ...(thing.namedShadowIndexingMode === 'ON' ? NAMED_SHADOW_FIELDS : []),
          ...(thing.thingConnectivityIndexingMode === 'STATUS' ? CONNECTIVITY_FIELDS : []),
        ];
  return {
    thingIndexingConfiguration: { ...thing, managedFields: managed },
    thingGroupIndexingConfiguration: {
      ...group,
      managedFields: group.thingGroupIndexingMode === 'ON' ? GROUP_FIELDS : [],
    },
  };
}

function oneOf(obj: Json, key: string, values: string[], fallback?: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !values.includes(v))
    throw invalidRequest(`${key} must be one of ${values.join(', ')}`);
  return v;
}

type CustomField = { name: string; type: string };
function customFields(obj: Json, allowShadow: boolean, allowNamed: boolean): CustomField[] | undefined {
  const raw = obj.customFields;
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw invalidRequest('customFields must be a list');
  return raw.map((f: unknown) => {
    const { name, type } = (f ?? {}) as Json;
    if (typeof name !== 'string' || !['String', 'Number', 'Boolean'].includes(String(type)))
      throw invalidRequest('each custom field needs a name and a type of String, Number or Boolean');
    // "If your indexing configuration contains custom fields that are not indexed by the indexing
    // mode, the update fails" (Managing thing indexing).
    const named = name.startsWith('shadow.name.');
    if ((name.startsWith('shadow.') && !named && !allowShadow) || (named && !allowNamed))
      throw invalidRequest(`Custom field ${name} is not indexed by the indexing mode`);
    return { name, type: String(type) };
  });
}

/** UpdateIndexingConfiguration (POST /indexing/config): validates, applies, rebuilds dynamic groups. */
export function updateIndexingConfiguration(ctx: IotContext, req: Request): Json {
  const thingCfg = optObject(req.body, 'thingIndexingConfiguration');
  const groupCfg = optObject(req.body, 'thingGroupIndexingConfiguration');
  const state = ctx.state.indexing;
  let thing = state.thing;
  if (thingCfg) {
    const mode = oneOf(thingCfg, 'thingIndexingMode', THING_MODES);
    if (mode === undefined) throw invalidRequest('thingIndexingMode is required');
    const connectivity = oneOf(thingCfg, 'thingConnectivityIndexingMode', ['OFF', 'STATUS'], 'OFF');
    const named = oneOf(thingCfg, 'namedShadowIndexingMode', ON_OFF, 'OFF');
    const defender = oneOf(thingCfg, 'deviceDefenderIndexingMode', ['OFF', 'VIOLATIONS'], 'OFF');
    if (named === 'ON' && mode !== 'REGISTRY_AND_SHADOW')
      throw invalidRequest('namedShadowIndexingMode ON requires thingIndexingMode REGISTRY_AND_SHADOW');
    if (mode === 'OFF' && [...ctx.state.groups.values()].some((g) => g.dynamic))
      throw invalidRequest('Thing indexing cannot be turned off while dynamic thing groups exist');
    const filter = optObject(thingCfg, 'filter');
    const names = filter?.namedShadowNames;
    if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string')))
      throw invalidRequest('filter.namedShadowNames must be a list of shadow names');
    if (Array.isArray(names) && names.length > MAX_INDEXED_NAMED_SHADOWS)
      throw invalidRequest(`At most ${MAX_INDEXED_NAMED_SHADOWS} named shadows can be indexed`);
    const fields = customFields(thingCfg, mode === 'REGISTRY_AND_SHADOW', named === 'ON');
    thing = {
      thingIndexingMode: mode,
      thingConnectivityIndexingMode: connectivity ?? 'OFF',
      namedShadowIndexingMode: named ?? 'OFF',
      deviceDefenderIndexingMode: defender ?? 'OFF',
      ...(fields ? { customFields: fields } : {}),
      ...(filter ? { filter: filter as never } : {}),
    };
  }
  let group = state.group;
  if (groupCfg) {
    const mode = oneOf(groupCfg, 'thingGroupIndexingMode', ON_OFF);
    if (mode === undefined) throw invalidRequest('thingGroupIndexingMode is required');
    const fields = customFields(groupCfg, false, false);
    group = { thingGroupIndexingMode: mode, ...(fields ? { customFields: fields } : {}) };
  }
  ctx.state.indexing = { thing, group, updatedAt: ctx.clock.now() };
  refreshAllDynamicGroups(ctx);
  return {};
}
