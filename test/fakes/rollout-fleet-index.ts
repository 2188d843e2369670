import type { ThingIndexingSettings } from '../../shared/domain/fleet-index/query-fields';
import { DynamicGroupLimitError, QueryGroupConflictError } from '../../shared/domain/rollout/query-errors';
import type { RolloutFleetIndex } from '../../shared/services/rollout-iot-ports';
import { Faults } from './rollout-faults';

type DynamicGroup = { query: string; status: string; tags: { Key: string; Value: string }[] };

/** "Dynamic thing groups per account: 100" (AWS IoT Core endpoints and quotas). */
const MAX_DYNAMIC_GROUPS = 100;
/** Registry and connectivity indexed: every query of the tests can be answered. */
export const FULL_INDEX: ThingIndexingSettings = {
  thingIndexingMode: 'REGISTRY_AND_SHADOW',
  thingConnectivityIndexingMode: 'STATUS',
};

/**
 * The fleet index and dynamic thing groups as shared/adapters/fleet-index.ts sees them. AWS's rules:
 * CreateDynamicThingGroup of an existing name is ResourceAlreadyExists (the same query, whitespace
 * aside, is the same group; anything else a QueryGroupConflictError); at the account's limit it is a
 * DynamicGroupLimitError; a new group backfills (`BUILDING`) until `activate`; deleting a group that is
 * gone succeeds.
 */
export class FakeFleetIndex implements RolloutFleetIndex {
  readonly dynamicGroups = new Map<string, DynamicGroup>();
  /** Static groups of the same names (made by someone else). */
  readonly staticGroups = new Set<string>();
  readonly counts = new Map<string, number>();
  readonly deleted: string[] = [];
  readonly faults = new Faults();
  /** The status a new group starts in (AWS: BUILDING while it backfills). */
  newGroupStatus = 'ACTIVE';

  constructor(public indexing: ThingIndexingSettings = FULL_INDEX) {}

  activate(name: string): void {
    const group = this.dynamicGroups.get(name);
    if (group) group.status = 'ACTIVE';
  }

  async thingIndexing(): Promise<ThingIndexingSettings> {
    this.faults.check('thingIndexing');
    return structuredClone(this.indexing);
  }

  async count(query: string): Promise<number> {
    this.faults.check('count');
    return this.counts.get(query) ?? 0;
  }

  async ensureDynamicGroup(
    thingGroupName: string,
    queryString: string,
    _description: string,
    tags: { Key: string; Value: string }[],
  ): Promise<{ created: boolean; status: string }> {
    this.faults.check('ensureDynamicGroup');
    const existing = this.dynamicGroups.get(thingGroupName);
    if (this.staticGroups.has(thingGroupName))
      throw new QueryGroupConflictError(`thing group ${thingGroupName} exists and is not a dynamic group`);
    if (existing) {
      if (existing.query.trim() !== queryString.trim())
        throw new QueryGroupConflictError(`thing group ${thingGroupName} exists with another query`);
      return { created: false, status: existing.status };
    }
    if (this.dynamicGroups.size >= MAX_DYNAMIC_GROUPS)
      throw new DynamicGroupLimitError('the account has AWS IoT’s maximum of dynamic thing groups');
    this.dynamicGroups.set(thingGroupName, { query: queryString, status: this.newGroupStatus, tags });
    return { created: true, status: this.newGroupStatus };
  }

  async deleteDynamicGroup(thingGroupName: string): Promise<void> {
    this.faults.check('deleteDynamicGroup');
    this.dynamicGroups.delete(thingGroupName);
    this.deleted.push(thingGroupName);
  }
}
