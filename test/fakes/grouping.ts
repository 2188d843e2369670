import { isStale, type ThingState } from '../../shared/domain/grouping/thing-state';
import { ThingBusyError } from '../../shared/errors';
import type {
  ClaimRequest,
  Commit,
  GroupOwnership,
  GroupPort,
  ThingStateStore,
} from '../../shared/services/grouping-ports';
import { awsError, Faults } from './faults';

type Group = { parent: string | undefined; managed: boolean };

/**
 * In-memory AWS IoT thing groups with AWS's membership rules: at most 10 groups per thing, one group
 * per hierarchy, a child only under an existing parent. Inject throttling with `faults` (operations
 * `ensureGroup`, `addThing`, `removeThing`, `listGroupsForThing`).
 */
export class FakeGroups implements GroupPort {
  readonly groups = new Map<string, Group>();
  readonly members = new Map<string, Set<string>>();
  readonly calls: string[] = [];
  readonly faults = new Faults();

  async ensureGroup(name: string, parent: string | undefined): Promise<GroupOwnership> {
    this.faults.check('ensureGroup');
    this.calls.push(`ensure:${name}`);
    const existing = this.groups.get(name);
    if (!existing) {
      if (parent && !this.groups.has(parent)) throw awsError('ResourceNotFoundException', parent);
      this.groups.set(name, { parent, managed: true });
      return 'managed';
    }
    return existing.managed && existing.parent === parent ? 'managed' : 'unmanaged';
  }

  root(group: string): string {
    let at = group;
    for (let parent = this.groups.get(at)?.parent; parent; parent = this.groups.get(at)?.parent) at = parent;
    return at;
  }

  async addThing(group: string, thing: string): Promise<void> {
    this.faults.check('addThing');
    this.calls.push(`add:${group}`);
    const set = this.members.get(thing) ?? new Set<string>();
    if (set.has(group)) return;
    if (set.size >= 10) throw awsError('InvalidRequestException', 'thing is already in 10 groups');
    if ([...set].some((g) => this.root(g) === this.root(group)))
      throw awsError('InvalidRequestException', 'same hierarchy');
    set.add(group);
    this.members.set(thing, set);
  }

  async removeThing(group: string, thing: string): Promise<void> {
    this.faults.check('removeThing');
    this.calls.push(`remove:${group}`);
    this.members.get(thing)?.delete(group);
  }

  async listGroupsForThing(thing: string): Promise<string[]> {
    this.faults.check('listGroupsForThing');
    return [...(this.members.get(thing) ?? [])];
  }

  async managedOf(names: string[]): Promise<string[]> {
    this.faults.check('managedOf');
    return names.filter((name) => this.groups.get(name)?.managed === true);
  }

  of(thing: string): string[] {
    return [...(this.members.get(thing) ?? [])].sort();
  }
}

/**
 * The state table's thing records in memory, with the rules of shared/adapters/thing-state-store.ts:
 * a stale event takes nothing, a live lease makes the thing busy (ThingBusyError) unless it is the
 * same event's and its attempt failed (idle) or ran out of time, a lease no attempt committed makes
 * the next claim `interrupted`, and a commit needs the committing event's lease. `now` is the clock.
 */
export class FakeState implements ThingStateStore {
  readonly states = new Map<string, ThingState>();
  readonly leases = new Map<
    string,
    { eventId: string; until: number; attemptUntil: number; idle?: boolean }
  >();
  readonly faults = new Faults();
  now = 0;

  constructor(readonly leaseMs = 120_000) {}

  async claim(request: ClaimRequest) {
    this.faults.check('claim');
    const state = this.states.get(request.thingName);
    if (state && isStale(state, request)) return { kind: 'stale' as const, state: structuredClone(state) };
    const lease = this.leases.get(request.thingName);
    const own = lease?.eventId === request.eventId && (lease.idle || this.now >= lease.attemptUntil);
    if (lease && lease.until > this.now && !own)
      throw new ThingBusyError(`thing ${request.thingName} is being updated by event ${lease.eventId}`);
    this.leases.set(request.thingName, {
      eventId: request.eventId,
      until: this.now + this.leaseMs,
      attemptUntil: this.now + Math.min(request.attemptMs ?? this.leaseMs, this.leaseMs),
    });
    const interrupted = lease !== undefined;
    return { kind: 'claimed' as const, previous: state && structuredClone(state), interrupted };
  }

  async commit(c: Commit) {
    this.faults.check('commit');
    if (this.leases.get(c.thingName)?.eventId !== c.eventId)
      throw new ThingBusyError(`lease on thing ${c.thingName} was lost`);
    this.states.set(c.thingName, {
      thingId: c.thingId,
      appliedVersion: c.version,
      appliedAt: c.at,
      groups: [...c.groups],
      deleted: c.deleted,
    });
    this.leases.delete(c.thingName);
  }

  async idle(request: ClaimRequest) {
    this.faults.check('idle');
    const lease = this.leases.get(request.thingName);
    if (lease?.eventId === request.eventId) lease.idle = true;
  }
}
