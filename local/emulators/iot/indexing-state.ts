import type {
  ThingGroupIndexingConfiguration,
  ThingIndexingConfiguration,
} from '../../../shared/domain/fleet-index/indexing-config';

/** The account's fleet indexing configuration as UpdateIndexingConfiguration last set it. */
export interface IndexingState {
  thing: ThingIndexingConfiguration & { thingIndexingMode: string };
  group: ThingGroupIndexingConfiguration & { thingGroupIndexingMode: string };
  updatedAt: number;
}
