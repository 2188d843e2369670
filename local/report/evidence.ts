/**
 * Reads a gate decision record, whatever fields it holds, into the numbers the report shows at the
 * decision point, in one line with the rule that decided (why.ts says it in sentences). Known
 * fields get words; a field the gate adds later still shows (see {@link otherFields}).
 */
import { num, pct, pctApart } from './format';
import type { DecisionRecord, RolloutReport } from './model';

export type Evidence = {
  outcome: string;
  reason?: string;
  explanation?: string;
  /** Virtual epoch ms of the decision. */
  at?: number;
  action?: string;
  trigger?: string;
  rule?: string;
  ruleConfidence?: number;
  targets?: number;
  started?: number;
  succeeded?: number;
  failed?: number;
  excluded?: number;
  finished?: number;
  pending?: number;
  rate?: number;
  lower?: number;
  upper?: number;
  threshold?: number;
  confidence?: number;
  minFinished?: number;
  bakeSeconds?: number;
  deadlineSeconds?: number;
  haltLogBoundary?: number;
};

type Fields = Record<string, unknown>;
const NUMERIC = [
  'targets',
  'started',
  'succeeded',
  'failed',
  'excluded',
  'finished',
  'pending',
  'minFinished',
  'bakeSeconds',
  'deadlineSeconds',
  'haltLogBoundary',
  'ruleConfidence',
  'confidence',
] as const;
/** Record field → Evidence field, where the names differ. */
const RENAMED = {
  observedFailureRate: 'rate',
  lowerBound: 'lower',
  upperBound: 'upper',
  failureThreshold: 'threshold',
} as const;
const TEXT = ['reason', 'explanation', 'action', 'trigger', 'rule'] as const;

const finite = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** A field of the record, or of its evidence (a later record may move a field between the two). */
const pick = (rec: DecisionRecord, name: string): unknown => {
  const evidence = (rec.evidence ?? {}) as Fields;
  return rec[name] ?? evidence[name];
};

export const readDecision = (rec: DecisionRecord | undefined): Evidence | undefined => {
  if (!rec || typeof rec.outcome !== 'string') return undefined;
  const ev: Evidence = { outcome: rec.outcome };
  const out = ev as Fields;
  const at = finite(rec.at);
  if (at !== undefined) ev.at = at;
  for (const name of NUMERIC) {
    const v = finite(pick(rec, name));
    if (v !== undefined) out[name] = v;
  }
  for (const [from, to] of Object.entries(RENAMED)) {
    const v = finite(pick(rec, from) ?? pick(rec, to));
    if (v !== undefined) out[to] = v;
  }
  for (const name of TEXT) {
    const v = pick(rec, name);
    if (typeof v === 'string' && v) out[name] = v;
  }
  if (ev.rate === undefined && ev.failed !== undefined && ev.finished) ev.rate = ev.failed / ev.finished;
  return ev;
};

/** Fields of the record this module has no words for: shown as they come, so nothing recorded is hidden. */
export const otherFields = (rec: DecisionRecord | undefined): [string, unknown][] => {
  if (!rec) return [];
  const known = new Set<string>([
    'outcome',
    'at',
    'evidence',
    ...NUMERIC,
    ...TEXT,
    ...Object.keys(RENAMED),
    ...Object.values(RENAMED),
  ]);
  const rest: [string, unknown][] = [];
  for (const [k, v] of Object.entries(rec)) if (!known.has(k)) rest.push([k, v]);
  for (const [k, v] of Object.entries((rec.evidence ?? {}) as Fields)) if (!known.has(k)) rest.push([k, v]);
  return rest;
};

const OPEN = /^(CONTINUE|RUNNING|PENDING|WAITING|NOT_STARTED)$/i;

/** True when the record is a decision that settles the stage (or asks a person), not "keep collecting". */
export const isDecided = (ev: Evidence | undefined): boolean => ev !== undefined && !OPEN.test(ev.outcome);

const counts = (ev: Evidence): string => {
  const parts: string[] = [];
  if (ev.failed !== undefined && ev.finished !== undefined) {
    parts.push(
      `${num(ev.failed)}/${num(ev.finished)} failed${ev.rate !== undefined ? ` (${pct(ev.rate)})` : ''}`,
    );
  }
  if (ev.started !== undefined) parts.push(`${num(ev.started)} started`);
  if (ev.pending !== undefined) parts.push(`${num(ev.pending)} pending`);
  return parts.join(', ');
};

export const boundsText = (ev: Evidence): string | undefined =>
  ev.lower !== undefined && ev.upper !== undefined
    ? `bounds [${pct(ev.lower)}, ${pct(ev.upper)}]`
    : undefined;

/** The bound that decided, compared with the threshold, with enough digits to tell them apart. */
const comparison = (ev: Evidence): string | undefined => {
  const t = ev.threshold;
  if (t === undefined) return boundsText(ev);
  if (ev.outcome === 'HALT' && ev.lower !== undefined) {
    const [l, p0] = pctApart(ev.lower, t);
    return `lower bound ${l} > ${p0} threshold`;
  }
  if (ev.outcome === 'PROMOTE' && ev.reason === 'STAGE_RATE_BELOW_THRESHOLD') {
    const worst = worstCase(ev);
    if (worst !== undefined) {
      const [w, p0] = pctApart(worst, t);
      return `stage rate at most ${w} < ${p0} threshold even if every pending execution fails`;
    }
  }
  if (ev.outcome === 'PROMOTE' && ev.upper !== undefined && ev.upper < t) {
    const [u, p0] = pctApart(ev.upper, t);
    return `upper bound ${u} < ${p0} threshold`;
  }
  const b = boundsText(ev);
  return b ? `${b} vs ${pct(t)} threshold` : `threshold ${pct(t)}`;
};

/** The stage's own final rate if every pending execution failed. */
const worstCase = (ev: Evidence): number | undefined => {
  if (ev.failed === undefined || ev.finished === undefined || ev.pending === undefined) return undefined;
  const all = ev.finished + ev.pending;
  return all > 0 ? (ev.failed + ev.pending) / all : undefined;
};

const haltLevel = (ev: Evidence): string =>
  ev.haltLogBoundary !== undefined && ev.haltLogBoundary > 0
    ? `, at the stage's halt level of ${pct(1 - Math.exp(-ev.haltLogBoundary))} confidence`
    : '';

/** The rule that decided, in words: the record's own rule name when it has one. */
export const ruleText = (ev: Evidence): string => {
  const level = ev.ruleConfidence ?? (ev.outcome === 'PROMOTE' ? ev.confidence : undefined);
  const at = level !== undefined ? ` at ${pct(level)} confidence` : '';
  const chance = level !== undefined ? pct(1 - level) : undefined;
  // The gate's rules (docs/gate.md), with the guarantee each really has.
  if (ev.rule === 'halt-lower-bound')
    return `halt rule: the lower bound, running executions counted as successes, is above the threshold${haltLevel(ev).replace(' confidence', ' per look')}${chance ? `; a stage at or below the threshold halts with probability at most ${chance}` : ''}`;
  if (ev.rule === 'promote-upper-bound')
    return `promote rule: the upper bound, running executions counted as failures, is below the threshold${chance ? `; a stage at or above the threshold promotes with probability at most ${chance}` : ''}`;
  if (ev.rule) return `${ev.rule}${at}`;
  switch (ev.reason) {
    case 'RATE_ABOVE_THRESHOLD':
      return `halt rule: the always-valid lower bound is above the threshold${ev.ruleConfidence !== undefined ? at : haltLevel(ev)}`;
    case 'RATE_BELOW_THRESHOLD':
      return `promote rule: the always-valid upper bound is below the threshold${at}`;
    case 'STAGE_RATE_BELOW_THRESHOLD':
      return "finite-stage rule: the stage's own rate stays below the threshold whatever its pending executions do";
    case 'AWAITING_MIN_FINISHED':
      return 'no rule decided: too few executions finished';
    case 'AWAITING_BAKE':
      return 'no rule decided: the bake time had not passed';
    case 'AWAITING_EVIDENCE':
      return 'no rule decided: the evidence was not conclusive';
    case undefined:
      return 'rule not recorded';
    default:
      return ev.reason.toLowerCase().replaceAll('_', ' ');
  }
};

const OUTCOME_WORDS: Record<string, string> = {
  INCONCLUSIVE_AT_DEADLINE: 'INCONCLUSIVE',
};

/** The parts of {@link evidenceLine}: the outcome word, the numbers that decided, and the rule. */
export const evidenceParts = (ev: Evidence): { head: string; facts: string; rule: string } => ({
  head: OUTCOME_WORDS[ev.outcome] ?? ev.outcome,
  facts: [counts(ev), comparison(ev)].filter(Boolean).join(', '),
  rule: `${ruleText(ev)}${ev.action ? `; plan says '${ev.action}'` : ''}`,
});

/**
 * One line: the outcome, the counts and the bound that decided, and the rule.
 * `HALT: 12/105 failed (11.4%), lower bound 5.3% > 5.0% threshold (halt rule: …)`.
 */
export const evidenceLine = (ev: Evidence): string => {
  const { head, facts, rule } = evidenceParts(ev);
  return `${head}${facts ? `: ${facts}` : ''} (${rule})`;
};

/**
 * The evidence the stage was decided on: the decision record's own numbers; for a report without a
 * record, the last evaluation of the series stands in (labelled as such).
 */
export const stageEvidence = (s: RolloutReport['stages'][number]): { ev?: Evidence; recorded: boolean } => {
  const ev = readDecision(s.decisionRecord);
  if (ev) return { ev, recorded: true };
  const last = s.series.at(-1);
  if (!last) return { recorded: false };
  const outcome = /^HALT/i.test(s.decision) ? 'HALT' : /^PROMOT/i.test(s.decision) ? 'PROMOTE' : s.decision;
  return {
    ev: {
      outcome,
      at: last.at,
      finished: last.finished,
      failed: Math.round(last.failureRate * last.finished),
      rate: last.failureRate,
      lower: last.lower,
      upper: last.upper,
      threshold: last.threshold,
      ...(s.reason ? { reason: s.reason } : {}),
    },
    recorded: false,
  };
};
