import { rolloutIdFor } from './ids';
import { MAX_DOCUMENT_BYTES, planDigest, type ResolvedPlan } from './plan';

/** What the account says about one target group: whether it exists and, when counted, its things. */
export type GroupFacts = { exists: boolean; things?: readonly string[] };

type TargetCheck = { group: string; exists: boolean; allowedMissing: boolean };

/** What the account's fleet index says about a stage's query: fields it lacks, things matching now. */
export type QueryFacts = { missing: readonly string[]; matches?: number };

type StagePreview = {
  index: number;
  name: string;
  targets: TargetCheck[];
  /** Distinct things in the stage's groups and their sub-groups now; absent when not counted. */
  things?: number;
  /** Of those, the things no earlier stage reaches. */
  newThings?: number;
  approvalRequired: boolean;
  targetSelection: string;
  /** A query stage: the query, how many things match it now (GetStatistics), and index fields missing. */
  query?: { query: string; matches?: number; missing: readonly string[] };
};

type DocumentPreview =
  | { kind: 'inline'; bytes: number; limit: number }
  | { kind: 'source'; source: string; limit: number };

export type PlanPreview = {
  name: string;
  rolloutId: string;
  document: DocumentPreview;
  stages: StagePreview[];
  /** Distinct things over all stages; absent when not counted. */
  things?: number;
  /** Missing groups the plan does not allow: the start is refused. */
  missing: { stage: string; group: string }[];
  /** Missing groups the stage allows (`allowMissingTargets`): they must exist when that stage starts. */
  allowedMissing: { stage: string; group: string }[];
  /** Fields a stage's query reads that the account's fleet index does not hold: the start is refused. */
  indexIssues: string[];
  warnings: string[];
};

/**
 * The plan against the account: every stage's target groups (found or not, and whether the stage
 * allows that), its things, the job document's size. Pure: the facts come from the caller.
 */
export function previewPlan(
  plan: ResolvedPlan,
  facts: ReadonlyMap<string, GroupFacts>,
  queries: ReadonlyMap<number, QueryFacts> = new Map(),
): PlanPreview {
  const seen = new Set<string>();
  const all = new Set<string>();
  let counted = true;
  const missing: PlanPreview['missing'] = [];
  const allowedMissing: PlanPreview['allowedMissing'] = [];
  const warnings: string[] = [];
  const indexIssues: string[] = [];
  const stages = plan.stages.map((stage): StagePreview => {
    if (stage.job.targetSelection === 'CONTINUOUS' && stage.index < plan.stages.length - 1)
      warnings.push(
        `stage ${stage.name} is CONTINUOUS but not the last: after it promotes its job keeps reaching devices that join, unwatched (only a last continuous stage is watched until completed)`,
      );
    const q = stage.query === undefined ? undefined : queries.get(stage.index);
    for (const issue of q?.missing ?? []) indexIssues.push(`stage ${stage.name}: ${issue}`);
    if (q?.matches === 0)
      warnings.push(
        `stage ${stage.name}: no thing matches its query now${stage.job.targetSelection === 'CONTINUOUS' ? ' (CONTINUOUS: things that match later get the job)' : ''}`,
      );
    const targets = stage.targets.map((group) => ({
      group,
      exists: facts.get(group)?.exists ?? false,
      allowedMissing: stage.allowMissingTargets === true,
    }));
    for (const t of targets.filter((t) => !t.exists))
      (t.allowedMissing ? allowedMissing : missing).push({ stage: stage.name, group: t.group });
    const lists = targets.filter((t) => t.exists).map((t) => facts.get(t.group)?.things);
    const view: StagePreview = {
      index: stage.index,
      name: stage.name,
      targets,
      approvalRequired: stage.approval.required && stage.index < plan.stages.length - 1,
      targetSelection: stage.job.targetSelection,
      ...(stage.query === undefined
        ? {}
        : {
            query: {
              query: stage.query,
              ...(q?.matches === undefined ? {} : { matches: q.matches }),
              missing: q?.missing ?? [],
            },
          }),
    };
    if (lists.some((l) => l === undefined)) {
      counted = false;
      return view;
    }
    const things = new Set(lists.flatMap((l) => l ?? []));
    const fresh = [...things].filter((t) => !seen.has(t));
    for (const t of things) {
      seen.add(t);
      all.add(t);
    }
    if (things.size === 0 && targets.some((t) => t.exists) && stage.query === undefined)
      warnings.push(
        `stage ${stage.name} reaches no things now${stage.job.targetSelection === 'CONTINUOUS' ? ' (CONTINUOUS: things that join later get the job)' : ''}`,
      );
    return { ...view, things: things.size, newThings: fresh.length };
  });
  const document: DocumentPreview = plan.document
    ? {
        kind: 'inline',
        bytes: Buffer.byteLength(JSON.stringify(plan.document), 'utf8'),
        limit: MAX_DOCUMENT_BYTES,
      }
    : { kind: 'source', source: plan.documentSource ?? '', limit: MAX_DOCUMENT_BYTES };
  return {
    name: plan.name,
    rolloutId: rolloutIdFor(plan.name, planDigest(plan)),
    document,
    stages,
    ...(counted ? { things: all.size } : {}),
    missing,
    allowedMissing,
    indexIssues,
    warnings,
  };
}

/** One line per missing group: `stages[2] fleet: ring-fleet`. */
export const missingLines = (list: PlanPreview['missing']) => list.map((m) => `stage ${m.stage}: ${m.group}`);
