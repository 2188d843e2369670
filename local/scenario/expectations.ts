import type { Expectation } from './schema';

/** What GET /rollouts/{id} shows, as much as the checks read. */
type View = {
  status: string;
  stages: {
    name: string;
    status: string;
    gate: { lastDecision?: { outcome: string; explanation: string; evidence?: { exposed?: number } } };
  }[];
};

export type ExpectationResult = { ok: boolean; text: string };

/**
 * A scenario's `expect:` entries against the rollouts' final views: each says what it expected, what
 * the run gave, and for a stage the explanation of its last decision.
 */
export function checkExpectations(
  expectations: readonly Expectation[],
  views: ReadonlyMap<string, View | undefined>,
): ExpectationResult[] {
  return expectations.map((e) => {
    const view = views.get(e.rollout);
    if (!view) return { ok: false, text: `rollout ${e.rollout}: never started` };
    const problems: string[] = [];
    const seen: string[] = [];
    if (e.status) {
      seen.push(view.status);
      if (view.status !== e.status) problems.push(`status ${view.status}, expected ${e.status}`);
    }
    let why = '';
    if (e.stage) {
      const stage = view.stages.find((s) => s.name === e.stage);
      if (!stage) problems.push(`no stage ${e.stage}`);
      else {
        const outcome = stage.gate.lastDecision?.outcome ?? 'none';
        why = stage.gate.lastDecision?.explanation ?? '';
        if (e.stageStatus) {
          seen.push(`${e.stage} ${stage.status}`);
          if (stage.status !== e.stageStatus)
            problems.push(`stage ${e.stage} ${stage.status}, expected ${e.stageStatus}`);
        }
        if (e.minExposed !== undefined) {
          const exposed = stage.gate.lastDecision?.evidence?.exposed ?? 0;
          seen.push(`${e.stage} exposed ${exposed}`);
          if (exposed < e.minExposed)
            problems.push(`stage ${e.stage} exposed ${exposed}, expected at least ${e.minExposed}`);
        }
        if (e.decision) {
          seen.push(`${e.stage} decided ${outcome}`);
          if (outcome !== e.decision)
            problems.push(`stage ${e.stage} decided ${outcome}, expected ${e.decision}`);
        }
      }
    }
    const text =
      problems.length > 0
        ? `rollout ${e.rollout}: ${problems.join('; ')}`
        : `rollout ${e.rollout}: ${seen.join(', ')}`;
    return { ok: problems.length === 0, text: why ? `${text} (${why})` : text };
  });
}
