import type { GroupTarget } from './evaluate';

export type MembershipPlan = {
  /** Groups to join, parents listed so they can be created first. */
  add: GroupTarget[];
  /** Automation-managed groups the thing no longer matches. */
  remove: string[];
};

/**
 * The change from what the automation applied last time to what the rules want now.
 * Removals come first when applied, since the old and new group may share a hierarchy.
 */
export function planMembership(previous: readonly string[], desired: readonly GroupTarget[]): MembershipPlan {
  const wanted = new Set(desired.map((t) => t.group));
  const had = new Set(previous);
  return {
    add: desired.filter((t) => !had.has(t.group)),
    remove: previous.filter((g) => !wanted.has(g)),
  };
}
