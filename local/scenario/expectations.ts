import { z } from 'zod';
import type { Expectation } from './schema';

/**
 * Expectation fields about health and the rollback, for the scenario schema's `expect:` entries (spread
 * into its object): the rollout's stop reason, a stage's devices found unhealthy after success, and the
 * plan's rollback (GET /rollouts/{id} `rollback`).
 */
export const healthExpectationFields = {
  /** The rollout's reason (gate-halt, fleet-alarm, operator-abort...), as GET /rollouts/{id} shows it. */
  reason: z.string().min(1).optional(),
  /** With `stage`: at least this many devices reported SUCCEEDED and were then judged unhealthy. */
  minUnhealthy: z.number().int().min(0).optional(),
  rollback: z
    .strictObject({
      /** NOT_STARTED, FILLING, RUNNING, ATTENTION, COMPLETED or FAILED. */
      state: z.enum(['NOT_STARTED', 'FILLING', 'RUNNING', 'ATTENTION', 'COMPLETED', 'FAILED']).optional(),
      /** At least this many devices put in the rollback group. */
      minDevices: z.number().int().min(0).optional(),
      /** At least this many rolled back (the rollback job's executions SUCCEEDED). */
      minRolledBack: z.number().int().min(0).optional(),
      /** At most this many failed, rejected or timed out. */
      maxFailed: z.number().int().min(0).optional(),
      /** At least this many left out because a health check judged them gone. */
      minExcluded: z.number().int().min(0).optional(),
    })
    .optional(),
};

type HealthExpectation = z.infer<z.ZodObject<typeof healthExpectationFields>>;
/** An `expect:` entry; the health and rollback fields are optional where the schema does not hold them. */
export type CheckedExpectation = Expectation & Partial<HealthExpectation>;

/** What GET /rollouts/{id} shows, as much as the checks read. */
type View = {
  status: string;
  reason?: string | null;
  stages: {
    name: string;
    status: string;
    gate: { lastDecision?: { outcome: string; explanation: string; evidence?: { exposed?: number } } };
    health?: { unhealthy?: number };
  }[];
  rollback?: {
    state: string;
    devices?: number;
    excluded?: number;
    counts?: { succeeded?: number; failed?: number; rejected?: number; timedOut?: number } | null;
  };
};

export type ExpectationResult = { ok: boolean; text: string };

type Check = { seen: string[]; problems: string[] };

/** At least / at most `want`: what was seen, and a problem when it falls short. */
function bound(c: Check, label: string, got: number, want: number | undefined, atMost = false): void {
  if (want === undefined) return;
  c.seen.push(`${label} ${got}`);
  if (atMost ? got > want : got < want)
    c.problems.push(`${label} ${got}, expected ${atMost ? 'at most' : 'at least'} ${want}`);
}

function checkRollback(c: Check, want: NonNullable<HealthExpectation['rollback']>, view: View): void {
  const rb = view.rollback;
  if (!rb) {
    c.problems.push('no rollback (the plan names none)');
    return;
  }
  if (want.state) {
    c.seen.push(`rollback ${rb.state}`);
    if (rb.state !== want.state) c.problems.push(`rollback ${rb.state}, expected ${want.state}`);
  }
  const n = rb.counts ?? {};
  bound(c, 'rollback devices', rb.devices ?? 0, want.minDevices);
  bound(c, 'rolled back', n.succeeded ?? 0, want.minRolledBack);
  bound(c, 'rollback failed', (n.failed ?? 0) + (n.rejected ?? 0) + (n.timedOut ?? 0), want.maxFailed, true);
  bound(c, 'left out as gone', rb.excluded ?? 0, want.minExcluded);
}

/**
 * A scenario's `expect:` entries against the rollouts' final views: each says what it expected, what
 * the run gave, and for a stage the explanation of its last decision.
 */
export function checkExpectations(
  expectations: readonly CheckedExpectation[],
  views: ReadonlyMap<string, View | undefined>,
): ExpectationResult[] {
  return expectations.map((e) => {
    const view = views.get(e.rollout);
    if (!view) return { ok: false, text: `rollout ${e.rollout}: never started` };
    const c: Check = { problems: [], seen: [] };
    const { problems, seen } = c;
    if (e.status) {
      seen.push(view.status);
      if (view.status !== e.status) problems.push(`status ${view.status}, expected ${e.status}`);
    }
    if (e.reason) {
      const reason = view.reason ?? 'none';
      seen.push(`reason ${reason}`);
      if (reason !== e.reason) problems.push(`reason ${reason}, expected ${e.reason}`);
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
        if (e.minUnhealthy !== undefined && !stage.health)
          problems.push(`stage ${e.stage} has no health signals`);
        else bound(c, `${e.stage} unhealthy after success`, stage.health?.unhealthy ?? 0, e.minUnhealthy);
      }
    } else if (e.minUnhealthy !== undefined) problems.push('minUnhealthy needs a stage');
    if (e.rollback) checkRollback(c, e.rollback, view);
    const text =
      problems.length > 0
        ? `rollout ${e.rollout}: ${problems.join('; ')}`
        : `rollout ${e.rollout}: ${seen.join(', ')}`;
    return { ok: problems.length === 0, text: why ? `${text} (${why})` : text };
  });
}
