import type { CompiledRules } from '../../shared/domain/grouping/compile-rules';
import { evaluateRules, targetsOf } from '../../shared/domain/grouping/evaluate';
import { isManagedBy } from '../../shared/domain/managed-by';

type ThingLike = {
  thingName: string;
  thingTypeName?: string;
  attributes: Record<string, string>;
  groups: string[];
};
type GroupLike = { thingGroupName: string; parentGroupName?: string; attributes: Record<string, string> };

export type Misgrouped = { thingName: string; expected: string[]; actual: string[] };

/**
 * "Every thing ends in the groups its attributes call for": for each thing in the registry, the
 * groups the production rules (shared/domain/grouping) give its FINAL attributes and thing type,
 * against its memberships of automation-managed groups. A target whose group (or a parent on its
 * chain) exists and is not managed is left out, as assign-groups refuses it.
 */
export function misgroupedThings(
  rules: CompiledRules,
  things: Iterable<ThingLike>,
  groups: ReadonlyMap<string, GroupLike>,
): { checked: number; misgrouped: Misgrouped[] } {
  const managed = (name: string) => isManagedBy(groups.get(name)?.attributes);
  const foreign = (name: string) => groups.has(name) && !managed(name);
  const misgrouped: Misgrouped[] = [];
  let checked = 0;
  for (const thing of things) {
    checked += 1;
    const targets = targetsOf(
      evaluateRules(rules, {
        thingName: thing.thingName,
        thingType: thing.thingTypeName,
        attributes: thing.attributes,
      }),
    );
    const expected = targets
      .filter((t) => ![...t.parents, t.group].some(foreign))
      .map((t) => t.group)
      .sort();
    const actual = thing.groups.filter(managed).sort();
    if (expected.join('\n') !== actual.join('\n'))
      misgrouped.push({ thingName: thing.thingName, expected, actual });
  }
  return { checked, misgrouped };
}
