import type { ThingIndexingSettings } from '../../shared/domain/fleet-index/query-fields';
import { DynamicGroupLimitError, QueryGroupConflictError } from '../../shared/domain/rollout/query-errors';
import type { RolloutFleetIndex } from '../../shared/services/rollout-iot-ports';
import { Faults } from './faults';
import type { FakeIot, Group } from './rollout-iot';

/** "Dynamic thing groups per account: 100" (AWS IoT Core endpoints and quotas). */
const MAX_DYNAMIC_GROUPS = 100;
/** Registry and connectivity indexed: every query of the tests can be answered. */
export const FULL_INDEX: ThingIndexingSettings = {
  thingIndexingMode: 'REGISTRY_AND_SHADOW',
  thingConnectivityIndexingMode: 'STATUS',
};

/**
 * The fleet index and dynamic thing groups as shared/adapters/fleet-index.ts sees them, in the same
 * registry as the account's other thing groups (FakeIot). AWS's rules: CreateDynamicThingGroup of an
 * existing name is ResourceAlreadyExists (the same query, whitespace aside, is the same group; another
 * query or a static group a QueryGroupConflictError); at the account's limit a DynamicGroupLimitError;
 * a new group backfills (`newGroupStatus`, AWS: BUILDING) until `activate`; deleting a group that is
 * gone succeeds.
 */
export class FakeFleetIndex implements RolloutFleetIndex {
  /** The things each query matches (what a new group is backfilled with, and GetStatistics counts). */
  readonly matching = new Map<string, string[]>();
  readonly deleted: string[] = [];
  readonly faults = new Faults();
  /** The status a new group starts in. */
  newGroupStatus = 'ACTIVE';

  constructor(
    private readonly iot: FakeIot,
    public indexing: ThingIndexingSettings = FULL_INDEX,
  ) {}

  /** A dynamic group of this name, if any. */
  dynamicGroup(name: string): Group | undefined {
    const group = this.iot.groups.get(name);
    return group?.query === undefined ? undefined : group;
  }

  dynamicGroupCount(): number {
    return [...this.iot.groups.values()].filter((g) => g.query !== undefined).length;
  }

  /** A dynamic group made by someone else. */
  addDynamicGroup(name: string, query: string): void {
    this.iot.groups.set(name, { managed: false, members: new Set(), query, status: 'ACTIVE', tags: [] });
  }

  activate(name: string): void {
    const group = this.dynamicGroup(name);
    if (group) group.status = 'ACTIVE';
  }

  async thingIndexing(): Promise<ThingIndexingSettings> {
    this.faults.check('thingIndexing');
    return structuredClone(this.indexing);
  }

  async count(query: string): Promise<number> {
    this.faults.check('count');
    return this.matching.get(query)?.length ?? 0;
  }

  async ensureDynamicGroup(
    thingGroupName: string,
    queryString: string,
    _description: string,
    tags: { Key: string; Value: string }[],
  ): Promise<{ created: boolean; status: string }> {
    this.faults.check('ensureDynamicGroup');
    const existing = this.iot.groups.get(thingGroupName);
    if (existing) {
      if (existing.query === undefined)
        throw new QueryGroupConflictError(`thing group ${thingGroupName} exists and is not a dynamic group`);
      if (existing.query.trim() !== queryString.trim())
        throw new QueryGroupConflictError(`thing group ${thingGroupName} exists with another query`);
      return { created: false, status: existing.status ?? 'ACTIVE' };
    }
    if (this.dynamicGroupCount() >= MAX_DYNAMIC_GROUPS)
      throw new DynamicGroupLimitError('the account has AWS IoT’s maximum of dynamic thing groups');
    const members = this.matching.get(queryString) ?? [];
    for (const thing of members) this.iot.things.add(thing);
    this.iot.groups.set(thingGroupName, {
      managed: false,
      members: new Set(members),
      query: queryString,
      status: this.newGroupStatus,
      tags: structuredClone(tags),
    });
    return { created: true, status: this.newGroupStatus };
  }

  async deleteDynamicGroup(thingGroupName: string): Promise<void> {
    this.faults.check('deleteDynamicGroup');
    if (this.dynamicGroup(thingGroupName)) this.iot.groups.delete(thingGroupName);
    this.deleted.push(thingGroupName);
  }
}
