import { type IndexedThing, matchesQuery } from '../fleet-index/query-match';
import { parseFleetQuery } from '../fleet-index/query-parse';
import type { CompiledRules } from '../grouping/compile-rules';
import { MAX_GROUPS_PER_THING } from '../grouping/compile-rules';
import { evaluateRules, targetsOf } from '../grouping/evaluate';
import { planMembership } from '../grouping/plan';
import type { ThingSpec } from './things-csv';

/** What AWS holds for a thing now: the groups the automation manages, and every direct membership. */
export type CurrentThing = { exists: boolean; managed: string[]; memberships: string[] };
/**
 * A running CONTINUOUS job and the thing groups it targets (names); `dynamic` lists those of its groups
 * that are dynamic, with their query.
 */
export type ContinuousJob = { jobId: string; groups: string[]; dynamic?: { group: string; query: string }[] };

/** What the fleet index holds now about a thing the preview cannot change (connectivity, shadows). */
export type IndexedState = Pick<IndexedThing, 'connectivity' | 'shadow' | 'namedShadows'>;

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
  indexed: ReadonlyMap<string, IndexedState> = new Map(),
): ThingPreview[] {
  const queries = new Map(
    jobs.flatMap((j) => j.dynamic ?? []).map((d) => [d.group, parseFleetQuery(d.query)] as const),
  );
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
    // A dynamic target group's query, on the thing as it will be: its CSV registry data and groups,
    // with what the index holds now for what the CSV cannot change (connectivity, shadows).
    const doc: IndexedThing = {
      thingName: thing.thingName,
      ...(thing.thingType ? { thingTypeName: thing.thingType } : {}),
      attributes: thing.attributes,
      thingGroupNames: [...after],
      ...indexed.get(thing.thingName),
    };
    for (const j of jobs) {
      for (const d of j.dynamic ?? []) {
        const query = queries.get(d.group);
        if (!query || now.memberships.includes(d.group) || pulled.some((p) => p.jobId === j.jobId)) continue;
        if (matchesQuery(query, doc)) pulled.push({ jobId: j.jobId, via: `${d.group} (query)` });
        // A thing that is not online yet matches once it connects, if its connectivity is what is missing.
        else if (
          !doc.connectivity?.connected &&
          matchesQuery(query, { ...doc, connectivity: { connected: true, timestamp: 0 } })
        )
          pulled.push({ jobId: j.jobId, via: `${d.group} (query, once connected)` });
      }
    }
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
