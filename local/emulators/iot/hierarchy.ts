import { notFound } from './errors';
import type { IotContext, ThingGroupRecord } from './model';

export function requireGroup(ctx: IotContext, name: string): ThingGroupRecord {
  const group = ctx.state.groups.get(name);
  if (!group) throw notFound(`ThingGroup ${name} cannot be found.`);
  return group;
}

/** Groups from the root down to the direct parent (rootToParentThingGroups order). */
export function rootToParent(ctx: IotContext, group: ThingGroupRecord): ThingGroupRecord[] {
  const chain: ThingGroupRecord[] = [];
  let parentName = group.parentGroupName;
  while (parentName !== undefined) {
    const parent = ctx.state.groups.get(parentName);
    if (!parent) break;
    chain.unshift(parent);
    parentName = parent.parentGroupName;
  }
  return chain;
}

export const rootOf = (ctx: IotContext, group: ThingGroupRecord): ThingGroupRecord =>
  rootToParent(ctx, group)[0] ?? group;

/** The group and all its descendants, depth first. */
export function subtree(ctx: IotContext, group: ThingGroupRecord): ThingGroupRecord[] {
  const out = [group];
  for (const child of group.children) {
    const c = ctx.state.groups.get(child);
    if (c) out.push(...subtree(ctx, c));
  }
  return out;
}

/** Things in the group or any child group, deduplicated, in a stable order. */
export function thingsInTree(ctx: IotContext, group: ThingGroupRecord): string[] {
  return [...new Set(subtree(ctx, group).flatMap((g) => g.things))];
}
