import type { CompiledRules } from '../grouping/compile-rules';
import { MAX_GROUPS_PER_THING } from '../grouping/compile-rules';
import { evaluateRules, targetsOf } from '../grouping/evaluate';
import { planMembership } from '../grouping/plan';
import type { ThingSpec } from './things-csv';

/** What AWS holds for a thing now: the groups the automation manages, and every direct membership. */
export type CurrentThing = { exists: boolean; managed: string[]; memberships: string[] };
/** A running CONTINUOUS job and the thing groups it targets (names). */
export type ContinuousJob = { jobId: string; groups: string[] };

export type ThingPreview = {
  line: number;
  thingName: string;
  exists: boolean;
  join: string[];
  leave: string[];
  notApplied: { rule: string; reason: string }[];
  violations: string[];
  /** Running continuous jobs a join would pull this thing into (a job on a group reaches its subgroups). */
  jobs: { jobId: string; via: string }[];
};

/**
 * The dry run of `fleet groups preview`: what the rules engine would do to each thing, against
 * what AWS holds now. Pure: current memberships and jobs are read by the caller.
 */
export function previewThings(
  rules: CompiledRules,
  things: readonly ThingSpec[],
  current: ReadonlyMap<string, CurrentThing>,
  jobs: readonly ContinuousJob[],
): ThingPreview[] {
  return things.map((thing) => {
    const now = current.get(thing.thingName) ?? { exists: false, managed: [], memberships: [] };
    const outcomes = evaluateRules(rules, {
      thingName: thing.thingName,
      thingType: thing.thingType,
      attributes: thing.attributes,
    });
    const targets = targetsOf(outcomes);
    const plan = planMembership(now.managed, targets);
    const unmanaged = now.memberships.filter((g) => !now.managed.includes(g));
    const after = new Set([
      ...unmanaged,
      ...now.managed.filter((g) => !plan.remove.includes(g)),
      ...plan.add.map((t) => t.group),
    ]);
    const violations: string[] = [];
    if (after.size > MAX_GROUPS_PER_THING)
      violations.push(
        `would be in ${after.size} groups, over AWS's ${MAX_GROUPS_PER_THING} (manual memberships: ${unmanaged.join(', ') || 'none'})`,
      );
    for (const t of plan.add) {
      const clash = unmanaged.find((g) => t.parents.includes(g));
      if (clash)
        violations.push(
          `${t.group} is under ${clash}, which the thing is already in directly (one group per hierarchy)`,
        );
    }
    const pulled = plan.add.flatMap((t) => {
      const chain = [...t.parents, t.group];
      return jobs.flatMap((j) => {
        const hit = j.groups.find((g) => chain.includes(g));
        return hit && !j.groups.some((g) => now.memberships.includes(g))
          ? [{ jobId: j.jobId, via: hit }]
          : [];
      });
    });
    return {
      line: thing.line,
      thingName: thing.thingName,
      exists: now.exists,
      join: plan.add.map((t) => t.group),
      leave: plan.remove,
      notApplied: outcomes.flatMap((o) =>
        o.outcome === 'not-applied' ? [{ rule: o.rule, reason: o.reason }] : [],
      ),
      violations,
      jobs: pulled,
    };
  });
}
