import type { AuditWriter } from '../../shared/adapters/audit-store';
import type { GroupOwnership, GroupPort } from '../../shared/adapters/iot-groups';
import { isStale, type ThingState, type ThingStateStore } from '../../shared/adapters/thing-state-store';
import { type AuditRecord, buildAuditRecord } from '../../shared/audit/audit-record';

type Group = { parent: string | undefined; managed: boolean };

/** In-memory AWS IoT groups with AWS's membership rules: 10 groups, one group per hierarchy. */
export class FakeGroups implements GroupPort {
  readonly groups = new Map<string, Group>();
  readonly members = new Map<string, Set<string>>();
  readonly calls: string[] = [];

  ensureGroup(name: string, parent: string | undefined): Promise<GroupOwnership> {
    this.calls.push(`ensure:${name}`);
    const existing = this.groups.get(name);
    if (!existing) {
      if (parent && !this.groups.has(parent))
        return Promise.reject(named('ResourceNotFoundException', parent));
      this.groups.set(name, { parent, managed: true });
      return Promise.resolve('managed');
    }
    return Promise.resolve(existing.managed && existing.parent === parent ? 'managed' : 'unmanaged');
  }

  root(group: string): string {
    let at = group;
    for (let parent = this.groups.get(at)?.parent; parent; parent = this.groups.get(at)?.parent) at = parent;
    return at;
  }

  async addThing(group: string, thing: string): Promise<void> {
    this.calls.push(`add:${group}`);
    const set = this.members.get(thing) ?? new Set<string>();
    if (set.has(group)) return;
    if (set.size >= 10) throw named('InvalidRequestException', 'thing is already in 10 groups');
    if ([...set].some((g) => this.root(g) === this.root(group)))
      throw named('InvalidRequestException', 'same hierarchy');
    set.add(group);
    this.members.set(thing, set);
  }

  async removeThing(group: string, thing: string): Promise<void> {
    this.calls.push(`remove:${group}`);
    this.members.get(thing)?.delete(group);
  }

  async listGroupsForThing(thing: string): Promise<string[]> {
    return [...(this.members.get(thing) ?? [])];
  }

  of(thing: string): string[] {
    return [...(this.members.get(thing) ?? [])].sort();
  }
}

/** The DynamoDB state store's semantics, in memory (leases are exercised in the handler test). */
export class FakeState implements ThingStateStore {
  readonly states = new Map<string, ThingState>();
  async claim(request: Parameters<ThingStateStore['claim']>[0]) {
    const state = this.states.get(request.thingName);
    if (state && isStale(state, request)) return { kind: 'stale' as const, state };
    return { kind: 'claimed' as const, previous: state };
  }
  async commit(c: Parameters<ThingStateStore['commit']>[0]) {
    this.states.set(c.thingName, {
      thingId: c.thingId,
      appliedVersion: c.version,
      appliedAt: c.at,
      groups: c.groups,
      deleted: c.deleted,
    });
  }
}

/** Append-only audit log keyed like the real table, so duplicates collapse the same way. */
export function fakeAudit(): { write: AuditWriter; records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  const write: AuditWriter = async (input) => {
    const record = buildAuditRecord(input, 30);
    if (records.some((r) => r.pk === record.pk && r.sk === record.sk))
      return { written: false, id: record.id };
    records.push(record);
    return { written: true, id: record.id };
  };
  return { write, records };
}

function named(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}
