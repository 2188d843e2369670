import { leaveGroup, MAX_GROUPS_PER_THING, newestDynamicOf, refreshThing } from './dynamic-membership';
import { alreadyExists, invalidRequest, versionConflict } from './errors';
import { publishMembership, publishThingGroup } from './events';
import { onMembershipChanged } from './executions';
import { requireGroup, rootOf, rootToParent, subtree, thingsInTree } from './hierarchy';
import {
  label,
  optAttributes,
  optBool,
  optObject,
  optString,
  paginate,
  queryBool,
  type Request,
} from './input';
import { type IotContext, type Json, type ThingGroupRecord, toSeconds } from './model';
import { requireThing } from './things';

// Limits from the AWS IoT thing-groups guide and limits page ("Thing groups"; "AWS IoT Core endpoints and quotas").
const MAX_DEPTH = 7;
const MAX_CHILDREN = 100;
const NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

const sameAttributes = (a: Record<string, string>, b: Record<string, string>): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

export function createThingGroup(ctx: IotContext, req: Request): Json {
  const name = label(req, 'thingGroupName');
  if (!NAME.test(name)) throw invalidRequest(`Invalid thing group name ${name}`);
  const parentGroupName = optString(req.body, 'parentGroupName');
  const props = optObject(req.body, 'thingGroupProperties');
  const attributes =
    optAttributes(props === undefined ? undefined : optObject(props, 'attributePayload'), 'attributes') ?? {};
  const description = props === undefined ? undefined : optString(props, 'thingGroupDescription');
  const tags = tagList(req.body.tags);
  const existing = ctx.state.groups.get(name);
  if (existing?.dynamic)
    throw alreadyExists(
      `Thing Group ${name} already exists as a dynamic thing group`,
      existing.thingGroupId,
      existing.thingGroupArn,
    );
  if (existing) {
    // CreateThingGroup doc: "If the ThingGroup that you create has the exact same attributes as an
    // existing ThingGroup, you will get a 200 success response."
    if (existing.parentGroupName === parentGroupName && sameAttributes(existing.attributes, attributes)) {
      return {
        thingGroupName: name,
        thingGroupArn: existing.thingGroupArn,
        thingGroupId: existing.thingGroupId,
      };
    }
    throw alreadyExists(
      `Thing Group ${name} already exists with different tags or attributes`,
      existing.thingGroupId,
      existing.thingGroupArn,
    );
  }
  let parent: ThingGroupRecord | undefined;
  if (parentGroupName !== undefined) {
    parent = ctx.state.groups.get(parentGroupName);
    // The CreateThingGroup model declares no ResourceNotFoundException: a missing parent is a bad request.
    if (!parent) throw invalidRequest(`Parent thing group ${parentGroupName} does not exist`);
    // Dynamic thing groups guide: "Dynamic thing groups can't be part of a hierarchy."
    if (parent.dynamic)
      throw invalidRequest(`Dynamic thing group ${parentGroupName} cannot have child groups`);
    if (rootToParent(ctx, parent).length + 2 > MAX_DEPTH) {
      throw invalidRequest(`Thing group hierarchy cannot be deeper than ${MAX_DEPTH} levels`);
    }
    if (parent.children.length >= MAX_CHILDREN) {
      throw invalidRequest(`Thing group ${parentGroupName} already has ${MAX_CHILDREN} child groups`);
    }
  }
  const group: ThingGroupRecord = {
    thingGroupName: name,
    thingGroupId: ctx.newId(),
    thingGroupArn: ctx.arn(`thinggroup/${name}`),
    attributes,
    version: 1,
    createdAt: ctx.clock.now(),
    children: [],
    things: [],
    ...(tags ? { tags } : {}),
    ...(parentGroupName === undefined ? {} : { parentGroupName }),
    ...(description === undefined ? {} : { description }),
    ...(tags.length > 0 ? { tags } : {}),
  };
  ctx.state.groups.set(name, group);
  parent?.children.push(name);
  publishThingGroup(ctx, group, rootToParent(ctx, group));
  return { thingGroupName: name, thingGroupArn: group.thingGroupArn, thingGroupId: group.thingGroupId };
}

export function describeThingGroup(ctx: IotContext, req: Request): Json {
  const g = requireGroup(ctx, label(req, 'thingGroupName'));
  const dynamic = g.dynamic
    ? {
        indexName: g.dynamic.indexName,
        queryString: g.dynamic.queryString,
        queryVersion: g.dynamic.queryVersion,
        status: g.dynamic.status,
      }
    : {};
  return {
    ...dynamic,
    thingGroupName: g.thingGroupName,
    thingGroupId: g.thingGroupId,
    thingGroupArn: g.thingGroupArn,
    version: g.version,
    thingGroupProperties: {
      thingGroupDescription: g.description,
      attributePayload: { attributes: { ...g.attributes } },
    },
    thingGroupMetadata: {
      parentGroupName: g.parentGroupName,
      rootToParentThingGroups: rootToParent(ctx, g).map((p) => ({
        groupName: p.thingGroupName,
        groupArn: p.thingGroupArn,
      })),
      creationDate: toSeconds(g.createdAt),
    },
  };
}

/**
 * DeleteThingGroup (API reference; developer guide "Delete a thing group"): a group that does not
 * exist is a success (the operation declares no ResourceNotFoundException); a version mismatch is
 * VersionConflictException; a group with child groups is refused; things in it just leave it.
 */
export function deleteThingGroup(ctx: IotContext, req: Request): Json {
  const name = label(req, 'thingGroupName');
  const group = ctx.state.groups.get(name);
  if (!group) return {};
  if (group.dynamic)
    throw invalidRequest(
      `Thing group ${name} is a dynamic thing group: delete it with DeleteDynamicThingGroup`,
    );
  const expected = req.query.get('expectedVersion');
  if (expected !== null && Number(expected) !== group.version) {
    throw versionConflict(`The version for thing group ${name} does not match the expected version.`);
  }
  if (group.children.length > 0) {
    throw invalidRequest(
      `Cannot delete thing group : ${name} when there are still child groups attached to it`,
    );
  }
  const roots = rootToParent(ctx, group);
  const parent = roots.at(-1);
  if (parent) parent.children = parent.children.filter((c) => c !== name);
  ctx.state.groups.delete(name);
  for (const thingName of group.things) {
    const thing = ctx.state.things.get(thingName);
    if (!thing) continue;
    thing.groups = thing.groups.filter((g) => g !== name);
    onMembershipChanged(ctx, thingName);
    refreshThing(ctx, thingName);
  }
  publishThingGroup(ctx, group, roots, 'deleted');
  return {};
}

export function listThingGroups(ctx: IotContext, req: Request): Json {
  const parent = req.query.get('parentGroup');
  const prefix = req.query.get('namePrefixFilter') ?? '';
  const recursive = req.query.get('recursive') !== 'false';
  let groups = [...ctx.state.groups.values()];
  if (parent !== null) {
    const p = requireGroup(ctx, parent);
    groups = recursive ? subtree(ctx, p).slice(1) : p.children.map((c) => requireGroup(ctx, c));
  } else if (!recursive) {
    groups = groups.filter((g) => g.parentGroupName === undefined);
  }
  const { page, nextToken } = paginate(
    groups.filter((g) => g.thingGroupName.startsWith(prefix)),
    req,
    250,
  );
  return {
    thingGroups: page.map((g) => ({ groupName: g.thingGroupName, groupArn: g.thingGroupArn })),
    nextToken,
  };
}

/** Resolves {thingGroupName|thingGroupArn, thingName|thingArn} from a membership request body. */
function membershipTarget(ctx: IotContext, req: Request) {
  const groupName =
    optString(req.body, 'thingGroupName') ?? optString(req.body, 'thingGroupArn')?.split('/').pop();
  const thingName = optString(req.body, 'thingName') ?? optString(req.body, 'thingArn')?.split('/').pop();
  if (groupName === undefined) throw invalidRequest('thingGroupName or thingGroupArn is required');
  if (thingName === undefined) throw invalidRequest('thingName or thingArn is required');
  return { group: requireGroup(ctx, groupName), thing: requireThing(ctx, thingName) };
}

export function addThingToThingGroup(ctx: IotContext, req: Request): Json {
  const { group, thing } = membershipTarget(ctx, req);
  if (group.dynamic)
    throw invalidRequest(`Thing group ${group.thingGroupName} is dynamic: its query decides its members`);
  if (thing.groups.includes(group.thingGroupName)) return {};
  // AddThingToThingGroup / thing-groups guide: "A thing can be added to a maximum of 10 thing groups."
  // With overrideDynamicGroups the thing leaves its most recently created dynamic group to make room.
  const evict =
    thing.groups.length >= MAX_GROUPS_PER_THING && optBool(req.body, 'overrideDynamicGroups') === true
      ? newestDynamicOf(ctx, thing)
      : undefined;
  if (thing.groups.length >= MAX_GROUPS_PER_THING && !evict) {
    throw invalidRequest(
      `Thing ${thing.thingName} is already in ${MAX_GROUPS_PER_THING} thing groups, the maximum`,
    );
  }
  // Thing-groups guide: "you can't add a thing to more than one group in the same hierarchy"
  // (two groups that share a root); AWS IoT Developer Guide, "Thing groups".
  const root = rootOf(ctx, group);
  const clash = thing.groups.find((g) => {
    const other = ctx.state.groups.get(g);
    return other !== undefined && rootOf(ctx, other) === root;
  });
  if (clash !== undefined) {
    throw invalidRequest(
      `Thing ${thing.thingName} is already in group ${clash} of the same hierarchy (root ${root.thingGroupName}) as ${group.thingGroupName}`,
    );
  }
  if (evict) leaveGroup(ctx, thing, evict);
  thing.groups.push(group.thingGroupName);
  group.things.push(thing.thingName);
  publishMembership(ctx, group, thing, 'added');
  onMembershipChanged(ctx, thing.thingName);
  // thingGroupNames is indexed: a dynamic group's query may read it.
  refreshThing(ctx, thing.thingName);
  return {};
}

export function removeThingFromThingGroup(ctx: IotContext, req: Request): Json {
  const { group, thing } = membershipTarget(ctx, req);
  if (group.dynamic)
    throw invalidRequest(`Thing group ${group.thingGroupName} is dynamic: its query decides its members`);
  if (!thing.groups.includes(group.thingGroupName)) return {};
  thing.groups = thing.groups.filter((g) => g !== group.thingGroupName);
  group.things = group.things.filter((t) => t !== thing.thingName);
  publishMembership(ctx, group, thing, 'removed');
  onMembershipChanged(ctx, thing.thingName);
  refreshThing(ctx, thing.thingName);
  return {};
}

export function listThingGroupsForThing(ctx: IotContext, req: Request): Json {
  const thing = requireThing(ctx, label(req, 'thingName'));
  const groups = thing.groups.map((g) => requireGroup(ctx, g));
  const { page, nextToken } = paginate(groups, req, 250);
  return {
    thingGroups: page.map((g) => ({ groupName: g.thingGroupName, groupArn: g.thingGroupArn })),
    nextToken,
  };
}

export function listThingsInThingGroup(ctx: IotContext, req: Request): Json {
  const group = requireGroup(ctx, label(req, 'thingGroupName'));
  const things = queryBool(req, 'recursive') ? thingsInTree(ctx, group) : [...group.things];
  const { page, nextToken } = paginate(things, req, 250);
  return { things: page, nextToken };
}

/** CreateThingGroup `tags`: a list of {Key, Value} (1–128 / 0–256 characters). */
function tagList(raw: unknown): { Key: string; Value: string }[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidRequest('tags must be a list');
  return raw.map((t) => {
    const { Key, Value } = (t ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key !== 'string' || Key.length < 1 || Key.length > 128)
      throw invalidRequest('tag Key must be 1-128 characters');
    if (Value !== undefined && (typeof Value !== 'string' || Value.length > 256))
      throw invalidRequest('tag Value must be at most 256 characters');
    return { Key, Value: (Value as string | undefined) ?? '' };
  });
}
