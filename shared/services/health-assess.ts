import {
  packageTargets,
  packageVersionEvidence,
  packageVersionFailure,
} from '../domain/rollout/health-package';
import { PRESENCE_GRACE_MS, presenceVerdict } from '../domain/rollout/health-presence';
import { selfCheckFailure } from '../domain/rollout/health-self-check';
import type { Rollout, Stage } from '../domain/rollout/model';
import { foldableBuckets, type StageHealth } from '../domain/rollout/stage-health';
import type { ExecutionReader, HealthStore, PackageReader, Suspect, SuspectVerdict } from './health-ports';

export type AssessDeps = { health: HealthStore; executions: ExecutionReader; packages: PackageReader };

/** Suspects confirmed per Reconcile: the rest stay unjudged (not counted as successes) until the next. */
export const MAX_CONFIRMATIONS = 100;
/** With suspects left unjudged, Reconcile comes back this soon (not at the gate's own recheck, the deadline). */
export const UNJUDGED_RECHECK_MS = 1_000;
const EXAMPLES = 5;

type Judged = { verdict: SuspectVerdict; evidence: string; nextCheckAt?: number; startedAt?: number };

/**
 * Judges the stage's open suspects on the sources of truth: the execution as AWS IoT reports it now
 * (DescribeJobExecution: still SUCCEEDED, and its statusDetails for a self-check), the device's
 * presence history at the end of its window, and its `$package` shadow once the success has settled
 * (GetThingShadow). Verdicts are final and stored; the count is stored on the stage, where the gate
 * reads it.
 */
export async function assessHealth(
  deps: AssessDeps,
  rollout: Rollout,
  stage: Stage,
  now: number,
): Promise<StageHealth | undefined> {
  const planned = rollout.plan.stages[stage.index];
  if (!planned?.health) return undefined;
  const suspects = await deps.health.suspects(stage.rolloutId, stage.index, stage.attempt ?? 0);
  const open = suspects.filter((s) => s.verdict === undefined);
  const presence = await deps.health.presenceOf(
    open.filter((s) => s.reason === 'reconnect').map((s) => s.thingName),
  );
  const targets = packageTargets(planned.job.destinationPackageVersions);
  const shadows = await readShadows(
    deps,
    open.filter((s) => s.reason === 'package' && now >= s.succeededAt + s.windowMs),
  );
  const judged = new Map<Suspect, Judged>();
  let confirmations = 0;
  let unjudged = 0;
  let nextCheckAt: number | undefined;
  for (const s of open) {
    const onPresence =
      s.reason === 'reconnect'
        ? presenceVerdict(presence.get(s.thingName) ?? [], s.succeededAt, s.windowMs, now)
        : undefined;
    if (onPresence?.verdict === 'pending') {
      const end = s.succeededAt + s.windowMs + PRESENCE_GRACE_MS;
      nextCheckAt = Math.min(nextCheckAt ?? end, end);
      continue;
    }
    // AWS IoT writes the shadow after the success, and the device may too: judge it once both landed.
    if (s.reason === 'package' && now < s.succeededAt + s.windowMs) {
      const settled = s.succeededAt + s.windowMs;
      nextCheckAt = Math.min(nextCheckAt ?? settled, settled);
      continue;
    }
    if (onPresence?.verdict === 'healthy') {
      judged.set(s, { verdict: 'healthy', evidence: reconnectEvidence(onPresence.reconnectedAt) });
      continue;
    }
    // A shadow that reports the target versions is the usual case: one read, no confirmation needed.
    const failure =
      s.reason === 'package' && shadows.has(s.thingName)
        ? packageVersionFailure(targets, shadows.get(s.thingName))
        : undefined;
    if (s.reason === 'package' && shadows.has(s.thingName) && failure === undefined) {
      judged.set(s, { verdict: 'healthy', evidence: packageVersionEvidence(targets) });
      continue;
    }
    if (s.reason === 'package' && !shadows.has(s.thingName)) {
      unjudged++;
      continue;
    }
    if (confirmations >= MAX_CONFIRMATIONS) {
      unjudged++;
      continue;
    }
    confirmations++;
    judged.set(
      s,
      s.reason === 'package'
        ? await confirmPackage(deps, failure ?? '', s)
        : await confirm(deps, planned.health.selfCheck, s, onPresence?.disconnectedAt),
    );
  }
  if (unjudged > 0)
    nextCheckAt = Math.min(nextCheckAt ?? Number.POSITIVE_INFINITY, now + UNJUDGED_RECHECK_MS);
  for (const [s, j] of judged) await deps.health.judgeSuspect(s, j.verdict, now, j.evidence, j.startedAt);
  const all = suspects.map((s) => {
    const j = judged.get(s);
    return j
      ? {
          ...s,
          verdict: j.verdict,
          evidence: j.evidence,
          ...(j.startedAt === undefined ? {} : { startedAt: j.startedAt }),
        }
      : s;
  });
  const unhealthy = all.filter((s) => s.verdict === 'unhealthy');
  const things = new Set(unhealthy.map((s) => s.thingName));
  const starts = unhealthyStarts(unhealthy);
  const dismissedSelfChecks = all.filter((s) => s.reason === 'selfCheck' && s.verdict === 'healthy').length;
  const health: StageHealth = {
    unhealthy: things.size,
    unjudged,
    checkedAt: now,
    ...(nextCheckAt === undefined ? {} : { nextCheckAt }),
    ...(dismissedSelfChecks > 0 ? { dismissedSelfChecks } : {}),
    ...(starts.length > 0 ? { unhealthyStarts: starts } : {}),
    examples: unhealthy
      .slice(0, EXAMPLES)
      .map((s) => ({ thingName: s.thingName, reason: s.reason, evidence: s.evidence ?? '' })),
  };
  await deps.health.setStageHealth(stage.rolloutId, stage.index, health);
  await deps.health.foldSuccessBuckets(stage.rolloutId, stage.index, foldableBuckets(planned, stage, now));
  return health;
}

/** Each unhealthy device's execution start, once per device, oldest first, at most MAX_STARTS. */
export const MAX_STARTS = 1000;
function unhealthyStarts(unhealthy: readonly Suspect[]): number[] {
  const byThing = new Map<string, number>();
  for (const s of unhealthy)
    if (s.startedAt !== undefined)
      byThing.set(s.thingName, Math.min(byThing.get(s.thingName) ?? s.startedAt, s.startedAt));
  return [...byThing.values()].sort((a, b) => a - b).slice(0, MAX_STARTS);
}

const iso = (t: number) => new Date(t).toISOString();
const reconnectEvidence = (at: number | undefined) =>
  at === undefined ? 'online through its window' : `reconnected at ${iso(at)}`;

/** Shadow reads per look, and how many run at once (GetThingShadow is a data-plane call). */
export const MAX_SHADOW_READS = 2000;
const SHADOW_READS_AT_ONCE = 25;

/** The `$package` shadows of settled package suspects, up to MAX_SHADOW_READS; the rest wait. */
async function readShadows(deps: AssessDeps, ready: readonly Suspect[]) {
  const things = [...new Set(ready.map((s) => s.thingName))].slice(0, MAX_SHADOW_READS);
  const shadows = new Map<string, Awaited<ReturnType<AssessDeps['packages']['packageShadow']>>>();
  for (let i = 0; i < things.length; i += SHADOW_READS_AT_ONCE) {
    const chunk = things.slice(i, i + SHADOW_READS_AT_ONCE);
    const read = await Promise.all(chunk.map((t) => deps.packages.packageShadow(t)));
    for (const [j, t] of chunk.entries()) shadows.set(t, read[j]);
  }
  return shadows;
}

const startOf = (e: { startedAt?: number }) => (e.startedAt === undefined ? {} : { startedAt: e.startedAt });

/**
 * The `$package` shadow first: a device that reports the target versions needs nothing more. One that
 * does not is confirmed on its execution, which the job counts itself if it is no longer SUCCEEDED.
 */
async function confirmPackage(deps: AssessDeps, failure: string, s: Suspect): Promise<Judged> {
  const execution = await deps.executions.describeExecution(s.jobId, s.thingName);
  if (execution?.status !== 'SUCCEEDED')
    return { verdict: 'healthy', evidence: `execution is ${execution?.status ?? 'gone'}: the job counts it` };
  return { verdict: 'unhealthy', evidence: failure, ...startOf(execution) };
}

/** A success the job no longer shows (retried, then failed) is counted by the job: not a health failure. */
async function confirm(
  deps: AssessDeps,
  selfCheck: NonNullable<Rollout['plan']['stages'][number]['health']>['selfCheck'],
  s: Suspect,
  disconnectedAt: number | undefined,
): Promise<Judged> {
  const execution = await deps.executions.describeExecution(s.jobId, s.thingName);
  if (execution?.status !== 'SUCCEEDED') {
    return { verdict: 'healthy', evidence: `execution is ${execution?.status ?? 'gone'}: the job counts it` };
  }
  if (s.reason === 'selfCheck') {
    const failure = selfCheck ? selfCheckFailure(selfCheck, execution.statusDetails) : undefined;
    return failure
      ? { verdict: 'unhealthy', evidence: `self-check: ${failure}`, ...startOf(execution) }
      : { verdict: 'healthy', evidence: 'self-check passes on the execution AWS IoT reports' };
  }
  const minutes = s.windowMs / 60_000;
  return {
    ...startOf(execution),
    verdict: 'unhealthy',
    evidence: `disconnected at ${iso(disconnectedAt ?? s.succeededAt)} and not back within ${minutes} min of its success at ${iso(s.succeededAt)}`,
  };
}
