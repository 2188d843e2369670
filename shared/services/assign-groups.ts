import { eventTimeMs, type ThingEvent } from '../domain/events/registry-event';
import { type CompiledRules, rulesCanJoin } from '../domain/grouping/compile-rules';
import { evaluateRules, type GroupTarget, type RuleOutcome, targetsOf } from '../domain/grouping/evaluate';
import { planMembership } from '../domain/grouping/plan';
import type { ThingState } from '../domain/grouping/thing-state';
import type { AuditWriter } from './effect-ports';
import type { ClaimRequest, GroupPort, ThingStateStore } from './grouping-ports';

export type AssignDeps = {
  rules: CompiledRules;
  groups: GroupPort;
  state: ThingStateStore;
  audit: AuditWriter;
  /** Who decides, for the audit trail, e.g. `function:assign-groups`. */
  actor: string;
};

export type AssignResult =
  | { status: 'stale' | 'forgotten' | 'unchanged' }
  | { status: 'applied'; added: string[]; removed: string[] }
  | { status: 'skipped-limits'; reason: string };

/** AWS answers these when a thing is in 10 groups already, or already in another group of the hierarchy. */
const MEMBERSHIP_LIMIT_ERRORS = new Set(['InvalidRequestException', 'LimitExceededException']);

/**
 * Puts a thing in the groups its attributes call for and takes it out of managed groups it no
 * longer matches. Idempotent: a duplicate or older event is stale and changes nothing; a retry
 * after a failure or a crash repeats idempotent IoT calls and writes the same audit record once.
 */
export async function assignGroups(
  event: ThingEvent,
  deps: AssignDeps,
  /** How long this attempt may run (the invocation's remaining time). */
  attemptMs?: number,
): Promise<AssignResult> {
  const at = eventTimeMs(event.timestamp);
  const request = {
    thingName: event.thingName,
    thingId: event.thingId,
    version: event.versionNumber,
    at,
    eventId: event.eventId,
    deletion: event.operation === 'DELETED',
    ...(attemptMs === undefined ? {} : { attemptMs }),
  };
  const claim = await deps.state.claim(request);
  if (claim.kind === 'stale') return { status: 'stale' };
  try {
    return await apply(event, deps, request, claim.previous, claim.interrupted);
  } catch (error) {
    // The lease stays with this event (no other one applies on top of what it did), idle so that its
    // retry takes it at once; if marking it fails as well, the retry waits for the attempt's time.
    await deps.state.idle(request).catch(() => undefined);
    throw error;
  }
}

async function apply(
  event: ThingEvent,
  deps: AssignDeps,
  request: ClaimRequest,
  claimed: ThingState | undefined,
  interrupted: boolean,
): Promise<AssignResult> {
  const at = request.at;
  if (event.operation === 'DELETED') {
    // AWS drops a deleted thing's memberships itself; remember the incarnation so late events lose.
    await deps.state.commit({ ...request, groups: [], deleted: true });
    return { status: 'forgotten' };
  }
  const recorded = claimed && !claimed.deleted && claimed.thingId === event.thingId ? claimed.groups : [];
  // An attempt that never committed may have added or removed groups: start from the memberships as
  // they are, not as last recorded.
  const held = interrupted ? await heldGroups(event.thingName, recorded, deps) : undefined;
  const previous = held ?? recorded;
  const outcomes = evaluateRules(deps.rules, {
    thingName: event.thingName,
    thingType: event.thingTypeName ?? undefined,
    attributes: event.attributes ?? {},
  });
  const { usable, refused } = await ensureGroups(targetsOf(outcomes), deps.groups);
  const plan = planMembership(previous, usable);
  const added: string[] = [];
  const removed: string[] = [];
  try {
    for (const group of plan.remove) {
      await deps.groups.removeThing(group, event.thingName);
      removed.push(group);
    }
    for (const target of plan.add) {
      await deps.groups.addThing(target.group, event.thingName);
      added.push(target.group);
    }
  } catch (error) {
    if (!MEMBERSHIP_LIMIT_ERRORS.has((error as Error).name)) throw error;
    return refuseOnLimits(event, deps, {
      at,
      request,
      previous,
      recorded,
      added,
      removed,
      outcomes,
      error: error as Error,
    });
  }
  const groups = [...previous.filter((g) => !removed.includes(g)), ...added];
  if (held) {
    // The audit says what this attempt did and what changed since the last record, which an earlier
    // attempt may have done without recording it.
    for (const g of groups) if (!recorded.includes(g) && !added.includes(g)) added.push(g);
    for (const g of recorded) if (!groups.includes(g) && !removed.includes(g)) removed.push(g);
  }
  const notApplied = outcomes.filter((o) => o.outcome === 'not-applied');
  if (added.length + removed.length + notApplied.length + refused.length > 0) {
    await deps.audit({
      subject: { type: 'thing', id: event.thingName },
      action: 'thing.groups.assigned',
      outcome: added.length + removed.length > 0 ? 'applied' : 'skipped',
      actor: deps.actor,
      cause: { type: 'iot-event', id: event.eventId },
      at,
      details: {
        added,
        removed,
        groups,
        versionNumber: event.versionNumber,
        operation: event.operation,
        rules: summarize(outcomes),
        refused,
      },
    });
  }
  await deps.state.commit({ ...request, groups, deleted: false });
  return added.length + removed.length > 0 ? { status: 'applied', added, removed } : { status: 'unchanged' };
}

/**
 * The groups an attempt that never committed may have left the thing in: the recorded ones it is still
 * in, and the automation's groups its rules could have added (so a manual group, a rollout's rollback
 * group or a query group is never taken as the grouping's). Each candidate is described once per
 * container.
 */
async function heldGroups(thingName: string, recorded: string[], deps: AssignDeps): Promise<string[]> {
  const actual = await deps.groups.listGroupsForThing(thingName);
  const candidates = actual.filter((g) => !recorded.includes(g) && rulesCanJoin(deps.rules, g));
  const ours = new Set(await deps.groups.managedOf(candidates));
  return actual.filter((g) => recorded.includes(g) || ours.has(g));
}

/** Creates each target's chain parent-first; a group someone else owns is never touched. */
async function ensureGroups(targets: GroupTarget[], port: GroupPort) {
  const usable: GroupTarget[] = [];
  const refused: { rule: string; group: string; reason: string }[] = [];
  for (const target of targets) {
    let parent: string | undefined;
    let owner: string | undefined;
    for (const name of [...target.parents, target.group]) {
      if ((await port.ensureGroup(name, parent)) === 'unmanaged') {
        owner = name;
        break;
      }
      parent = name;
    }
    if (owner)
      refused.push({
        rule: target.rule,
        group: target.group,
        reason: `group ${owner} exists and is not managed by fleet-autopilot`,
      });
    else usable.push(target);
  }
  return { usable, refused };
}

type LimitContext = {
  at: number;
  request: ClaimRequest;
  /** What this attempt started from (the memberships as they were), and what was last recorded. */
  previous: string[];
  recorded: string[];
  added: string[];
  removed: string[];
  outcomes: RuleOutcome[];
  error: Error;
};

/** Manual memberships block the change: undo this attempt so nothing is half-applied, and say why. */
async function refuseOnLimits(event: ThingEvent, deps: AssignDeps, ctx: LimitContext): Promise<AssignResult> {
  for (const group of ctx.added) await deps.groups.removeThing(group, event.thingName);
  for (const group of ctx.removed) await deps.groups.addThing(group, event.thingName);
  const memberships = await deps.groups.listGroupsForThing(event.thingName);
  const reason = `AWS refused the membership (${ctx.error.name}: ${ctx.error.message}); the thing is in ${memberships.length} groups: ${memberships.join(', ')}`;
  await deps.audit({
    subject: { type: 'thing', id: event.thingName },
    action: 'thing.groups.assigned',
    outcome: 'skipped',
    actor: deps.actor,
    cause: { type: 'iot-event', id: event.eventId },
    at: ctx.at,
    details: {
      reason,
      memberships,
      groups: ctx.previous,
      // An earlier attempt that never committed may have left the thing elsewhere than recorded.
      ...(ctx.previous === ctx.recorded
        ? {}
        : {
            sinceRecord: {
              added: ctx.previous.filter((g) => !ctx.recorded.includes(g)),
              removed: ctx.recorded.filter((g) => !ctx.previous.includes(g)),
            },
          }),
      versionNumber: event.versionNumber,
      rules: summarize(ctx.outcomes),
    },
  });
  await deps.state.commit({ ...ctx.request, groups: ctx.previous, deleted: false });
  return { status: 'skipped-limits', reason };
}

function summarize(outcomes: RuleOutcome[]) {
  return outcomes.map((o) =>
    o.outcome === 'applied' ? { rule: o.rule, outcome: o.outcome, group: o.group } : o,
  );
}
