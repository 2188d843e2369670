/**
 * Why a stage went the way it did, in sentences a person can act on: what decided, and what would
 * have had to happen for the other outcome (computed with the gate's own functions).
 */
import { failuresToHalt, finishedToPromote, type GatePolicy } from '../../shared/domain/gate';
import { boundsText, type Evidence, isDecided } from './evidence';
import { num, pct, pctApart } from './format';
import { unhealthyWords } from './health-text';
import type { RolloutReport } from './model';

const policyOf = (ev: Evidence): GatePolicy | undefined => {
  if (ev.threshold === undefined || ev.confidence === undefined) return undefined;
  const bake = Math.max(0, ev.bakeSeconds ?? 0);
  return {
    failureThreshold: ev.threshold,
    confidence: ev.confidence,
    minFinished: Math.max(1, Math.round(ev.minFinished ?? 1)),
    bakeSeconds: bake,
    deadlineSeconds: Math.max(bake, ev.deadlineSeconds ?? bake, 1),
    onInconclusive: 'ask',
  };
};

/** What it would have taken: the fewest failures that halt, the fewest finished that promote on evidence. */
const needed = (ev: Evidence): { toHalt?: number; toPromote?: number } => {
  const policy = policyOf(ev);
  if (!policy || ev.finished === undefined || ev.failed === undefined) return {};
  try {
    const targets = ev.targets && ev.targets >= ev.finished ? ev.targets : undefined;
    const toHalt = ev.finished > 0 ? failuresToHalt(policy, ev.finished, targets) : null;
    const toPromote = finishedToPromote(policy, ev.failed, 200_000);
    return {
      ...(toHalt !== null ? { toHalt } : {}),
      ...(toPromote !== null ? { toPromote } : {}),
    };
  } catch {
    return {};
  }
};

const promoteNeed = (ev: Evidence, toPromote: number | undefined, p0: string): string =>
  toPromote === undefined
    ? `the upper bound would have had to fall below ${p0}`
    : `the upper bound would have had to fall below ${p0}, which takes at least ${num(toPromote)} finished with ${num(
        ev.failed,
      )} failed`;

/**
 * Why the stage went this way, in words a person can act on: what decided, and what would have had
 * to happen for the other outcome. Empty while the gate is still collecting evidence.
 */
export const whyText = (ev: Evidence | undefined): string[] => {
  if (!ev || !isDecided(ev) || ev.threshold === undefined) return ev?.explanation ? [ev.explanation] : [];
  const t = ev.threshold;
  const p0 = pct(t);
  const n = ev.finished === undefined ? undefined : num(ev.finished);
  const need = needed(ev);
  const bound = (v: number | undefined): string => (v === undefined ? '' : ` (${pctApart(v, t)[0]})`);
  const vs = (v: number | undefined): string => (v === undefined ? p0 : pctApart(v, t)[1]);
  const out: string[] = [];
  if (ev.outcome === 'HALT') {
    out.push(
      `Halted: the lower bound${bound(ev.lower)} rose above the ${vs(ev.lower)} threshold, so the failure rate is above ${p0} with the stated confidence.`,
    );
    out.push(`To promote instead, ${promoteNeed(ev, need.toPromote, p0)}.`);
  } else if (ev.outcome === 'PROMOTE' && ev.reason === 'STAGE_RATE_BELOW_THRESHOLD') {
    out.push(
      `Promoted by the finite-stage rule: with ${num(ev.failed)} failed of ${n} finished and ${num(ev.pending)} pending, the stage's own rate stays below ${p0} even if every pending execution fails.`,
    );
    if (ev.upper !== undefined && ev.upper >= t)
      out.push(
        `Its ${boundsText(ev)} still reach above ${p0}: the stage is too small to show the rate of a larger fleet is below ${p0}; for that ${promoteNeed(ev, need.toPromote, p0)}.`,
      );
    if (need.toHalt !== undefined)
      out.push(`It would have halted had ${num(need.toHalt)} of those ${n} failed.`);
  } else if (ev.outcome === 'PROMOTE') {
    const min = ev.minFinished !== undefined ? `, minFinished ${num(ev.minFinished)} reached` : '';
    out.push(
      `Promoted: the upper bound${bound(ev.upper)} fell below the ${vs(ev.upper)} threshold with ${num(ev.failed)} failed of ${n} finished${min}${ev.bakeSeconds ? ', bake time passed' : ''}.`,
    );
    if (need.toHalt !== undefined)
      out.push(`It would have halted had ${num(need.toHalt)} of those ${n} failed.`);
  } else if (ev.outcome === 'INCONCLUSIVE_AT_DEADLINE') {
    const when = ev.trigger === 'STAGE_COMPLETE' ? 'once every target had finished' : 'at the stage deadline';
    const plan = ev.action ? `, so the plan's onInconclusive decided: '${ev.action}'` : '';
    out.push(
      `Inconclusive ${when}: ${boundsText(ev) ?? 'the bounds'} still contain the ${p0} threshold${plan}.`,
    );
    const tooSmall = ev.minFinished !== undefined && ev.targets !== undefined && ev.targets < ev.minFinished;
    if (tooSmall) {
      out.push(
        `With ${num(ev.targets)} target${ev.targets === 1 ? '' : 's'} the stage can never reach minFinished ${num(ev.minFinished)}, so it cannot promote by itself; a larger stage or a lower minFinished would let it.`,
      );
    } else {
      const short =
        ev.minFinished !== undefined && ev.finished !== undefined && ev.finished < ev.minFinished
          ? ` and at least ${num(ev.minFinished)} finished (minFinished)`
          : '';
      out.push(`To promote by itself, ${promoteNeed(ev, need.toPromote, p0)}${short}.`);
    }
    if (need.toHalt !== undefined)
      out.push(`To halt, ${num(need.toHalt)} of the ${n} finished would have had to fail.`);
  }
  if (ev.explanation) out.push(`Gate: ${ev.explanation}.`);
  return out;
};

/** The devices the gate counted as failures though AWS IoT's job shows them SUCCEEDED. */
const healthCountedText = (s: RolloutReport['stages'][number]): string[] => {
  const h = s.health;
  if (!h || h.unhealthy === 0) return [];
  const one = h.unhealthy === 1;
  return [
    `The gate counts as failures ${one ? 'the device' : `the ${num(h.unhealthy)} devices`} that reported SUCCEEDED but ${unhealthyWords(h)}: AWS IoT's job shows ${one ? 'it as a success' : 'them as successes'}.`,
  ];
};

/** A halt the job's own executions cannot explain: the health check halted the stage. */
export const healthHaltText = (s: RolloutReport['stages'][number]): string[] => {
  const job = s.jobOutcome;
  if (!s.health || s.health.unhealthy === 0 || !/^HALT/.test(s.decision) || !job) return [];
  // Job failures are final statuses: none at the end means none at the decision either.
  if (job.failed > 0) return [];
  const executions = job.succeeded + job.failed + job.notFinished;
  return [
    `The job alone shows 0 failed of ${num(executions)} executions: the health check halted this stage.`,
  ];
};

/** Why health mattered to a stage, in the HTML report's words. */
export const healthWhyText = (s: RolloutReport['stages'][number]): string[] => [
  ...healthCountedText(s),
  ...healthHaltText(s),
];
