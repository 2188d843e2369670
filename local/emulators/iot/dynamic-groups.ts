import { dynamicGroups, refreshAllDynamicGroups } from './dynamic-membership';
import { alreadyExists, invalidRequest, limitExceeded, notFound, versionConflict } from './errors';
import { publishThingGroup } from './events';
import { onMembershipChanged } from './executions';
import { parseIndexQuery, QUERY_VERSION, THINGS_INDEX } from './fleet-index';
import { label, optAttributes, optNumber, optObject, optString, type Request } from './input';
import type { DynamicGroupInfo, IotContext, Json, ThingGroupRecord } from './model';

/** AWS IoT Device Management quotas: 100 dynamic thing groups per account. */
const MAX_DYNAMIC_GROUPS = 100;
const NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

function queryOf(
  ctx: IotContext,
  body: Json,
  required: boolean,
): Omit<DynamicGroupInfo, 'status'> | undefined {
  const queryString = optString(body, 'queryString');
  if (queryString === undefined || queryString === '') {
    if (required) throw invalidRequest('queryString is required');
    return undefined;
  }
  const indexName = optString(body, 'indexName') ?? THINGS_INDEX;
  if (indexName !== THINGS_INDEX)
    throw invalidRequest(`Dynamic thing groups use the ${THINGS_INDEX} index only`);
  const queryVersion = optString(body, 'queryVersion') ?? QUERY_VERSION;
  if (queryVersion !== QUERY_VERSION) throw invalidRequest(`Unsupported query version ${queryVersion}`);
  if (ctx.state.indexing.thing.thingIndexingMode === 'OFF')
    throw notFound(`Index ${THINGS_INDEX} does not exist: enable fleet indexing first`);
  return { queryString, query: parseIndexQuery(queryString), indexName, queryVersion };
}

function properties(body: Json) {
  const props = optObject(body, 'thingGroupProperties');
  const attributes =
    optAttributes(props === undefined ? undefined : optObject(props, 'attributePayload'), 'attributes') ?? {};
  const description = props === undefined ? undefined : optString(props, 'thingGroupDescription');
  return { props, attributes, description };
}

/** CreateDynamicThingGroup (POST /dynamic-thing-groups/{thingGroupName}). */
export function createDynamicThingGroup(ctx: IotContext, req: Request): Json {
  const name = label(req, 'thingGroupName');
  if (!NAME.test(name)) throw invalidRequest(`Invalid thing group name ${name}`);
  const query = queryOf(ctx, req.body, true) as Omit<DynamicGroupInfo, 'status'>;
  const { attributes, description } = properties(req.body);
  const view = (g: ThingGroupRecord) => ({
    thingGroupName: name,
    thingGroupArn: g.thingGroupArn,
    thingGroupId: g.thingGroupId,
    indexName: query.indexName,
    queryString: query.queryString,
    queryVersion: query.queryVersion,
  });
  const existing = ctx.state.groups.get(name);
  if (existing) {
    // Like CreateThingGroup: the same group again is a success; anything else a 409.
    if (existing.dynamic?.queryString === query.queryString && existing.description === description)
      return view(existing);
    throw alreadyExists(`Thing Group ${name} already exists`, existing.thingGroupId, existing.thingGroupArn);
  }
  if (dynamicGroups(ctx).length >= MAX_DYNAMIC_GROUPS)
    throw limitExceeded(`An account can have at most ${MAX_DYNAMIC_GROUPS} dynamic thing groups`);
  const tags = Array.isArray(req.body.tags)
    ? (req.body.tags as { Key: string; Value?: string }[])
    : undefined;
  const group: ThingGroupRecord = {
    thingGroupName: name,
    thingGroupId: ctx.newId(),
    thingGroupArn: ctx.arn(`thinggroup/${name}`),
    attributes,
    version: 1,
    createdAt: ctx.clock.now(),
    children: [],
    things: [],
    // The backfill is immediate here; AWS reports BUILDING until it is done.
    dynamic: { ...query, status: 'ACTIVE' },
    ...(description === undefined ? {} : { description }),
    ...(tags ? { tags } : {}),
  };
  ctx.state.groups.set(name, group);
  publishThingGroup(ctx, group, []);
  refreshAllDynamicGroups(ctx);
  return view(group);
}

function requireDynamic(ctx: IotContext, name: string): ThingGroupRecord {
  const group = ctx.state.groups.get(name);
  if (!group) throw notFound(`ThingGroup ${name} cannot be found.`);
  if (!group.dynamic) throw invalidRequest(`Thing group ${name} is not a dynamic thing group`);
  return group;
}

function checkVersion(group: ThingGroupRecord, body: Json, query: URLSearchParams): void {
  const raw = optNumber(body, 'expectedVersion') ?? query.get('expectedVersion');
  if (raw !== undefined && raw !== null && Number(raw) !== group.version)
    throw versionConflict(
      `The version for thing group ${group.thingGroupName} does not match the expected version.`,
    );
}

/** UpdateDynamicThingGroup (PATCH): properties and, optionally, a new query (membership rebuilt). */
export function updateDynamicThingGroup(ctx: IotContext, req: Request): Json {
  const group = requireDynamic(ctx, label(req, 'thingGroupName'));
  checkVersion(group, req.body, req.query);
  const { props, attributes, description } = properties(req.body);
  if (!props) throw invalidRequest('thingGroupProperties is required');
  const query = queryOf(ctx, req.body, false);
  const merge = optObject(props, 'attributePayload')?.merge === true;
  group.attributes = merge ? { ...group.attributes, ...attributes } : attributes;
  if (description !== undefined) group.description = description;
  if (query && group.dynamic) group.dynamic = { ...query, status: 'ACTIVE' };
  group.version += 1;
  if (query) refreshAllDynamicGroups(ctx);
  return { version: group.version };
}

/** DeleteDynamicThingGroup (DELETE): a group that does not exist is a success, as for DeleteThingGroup. */
export function deleteDynamicThingGroup(ctx: IotContext, req: Request): Json {
  const name = label(req, 'thingGroupName');
  const group = ctx.state.groups.get(name);
  if (!group) return {};
  if (!group.dynamic) throw invalidRequest(`Thing group ${name} is not a dynamic thing group`);
  checkVersion(group, req.body, req.query);
  ctx.state.groups.delete(name);
  for (const thingName of group.things) {
    const thing = ctx.state.things.get(thingName);
    if (!thing) continue;
    thing.groups = thing.groups.filter((g) => g !== name);
    onMembershipChanged(ctx, thingName);
  }
  publishThingGroup(ctx, group, [], 'deleted');
  // A thing that gave this group up for a newer one at the 10-group limit may now join it.
  refreshAllDynamicGroups(ctx);
  return {};
}
