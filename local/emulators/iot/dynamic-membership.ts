import { matchesQuery } from '../../../shared/domain/fleet-index/query-match';
import { publishMembership } from './events';
import { onMembershipChanged } from './executions';
import { thingDocument } from './fleet-index';
import type { IotContext, ThingGroupRecord, ThingRecord } from './model';

/** AddThingToThingGroup doc: a thing can be in at most 10 groups, dynamic ones included. */
export const MAX_GROUPS_PER_THING = 10;
/** Membership can feed back (a query on thingGroupNames); passes stop once nothing changes. */
const MAX_PASSES = 5;

export const dynamicGroups = (ctx: IotContext): ThingGroupRecord[] =>
  [...ctx.state.groups.values()]
    .filter((g) => g.dynamic)
    .sort((a, b) => a.createdAt - b.createdAt || a.thingGroupId.localeCompare(b.thingGroupId));

function joinGroup(ctx: IotContext, thing: ThingRecord, group: ThingGroupRecord): void {
  thing.groups.push(group.thingGroupName);
  group.things.push(thing.thingName);
  publishMembership(ctx, group, thing, 'added');
}

export function leaveGroup(ctx: IotContext, thing: ThingRecord, group: ThingGroupRecord): void {
  thing.groups = thing.groups.filter((g) => g !== group.thingGroupName);
  group.things = group.things.filter((t) => t !== thing.thingName);
  publishMembership(ctx, group, thing, 'removed');
}

/** The most recently created dynamic group the thing is in (the one a full thing gives up first). */
export function newestDynamicOf(ctx: IotContext, thing: ThingRecord): ThingGroupRecord | undefined {
  return thing.groups
    .map((g) => ctx.state.groups.get(g))
    .filter((g): g is ThingGroupRecord => g?.dynamic !== undefined)
    .sort((a, b) => b.createdAt - a.createdAt)[0];
}

/**
 * Dynamic thing groups guide, "Successful commands can log errors": a thing already in 10 groups joins
 * an eligible dynamic group only if that group is older than the newest dynamic group it is in, which
 * it then leaves; otherwise it stays out (AWS logs AddThingToDynamicThingGroupsFailed).
 */
function tryJoin(ctx: IotContext, thing: ThingRecord, group: ThingGroupRecord): boolean {
  if (thing.groups.length < MAX_GROUPS_PER_THING) {
    joinGroup(ctx, thing, group);
    return true;
  }
  const newest = newestDynamicOf(ctx, thing);
  if (!newest || newest.createdAt <= group.createdAt) return false;
  leaveGroup(ctx, thing, newest);
  joinGroup(ctx, thing, group);
  return true;
}

/**
 * Brings a thing's dynamic memberships in line with its index document (registry, shadows,
 * connectivity, static groups) and tells continuous jobs about the change. Emits the same membership
 * events as static groups.
 */
export function refreshThing(ctx: IotContext, thingName: string): void {
  const thing = ctx.state.things.get(thingName);
  if (!thing) return;
  let changedAny = false;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changed = false;
    const doc = thingDocument(ctx, thing);
    for (const group of dynamicGroups(ctx)) {
      const query = group.dynamic?.query;
      const should = doc !== undefined && query !== undefined && matchesQuery(query, doc);
      const isIn = thing.groups.includes(group.thingGroupName);
      if (should && !isIn) changed = tryJoin(ctx, thing, group) || changed;
      else if (!should && isIn) {
        leaveGroup(ctx, thing, group);
        changed = true;
      }
    }
    changedAny ||= changed;
    if (!changed) break;
  }
  if (changedAny) onMembershipChanged(ctx, thingName);
}

/** Every thing against every dynamic group: after an indexing change or a group's (new) query. */
export function refreshAllDynamicGroups(ctx: IotContext): void {
  if (!dynamicGroups(ctx).length) return;
  for (const name of [...ctx.state.things.keys()]) refreshThing(ctx, name);
}
