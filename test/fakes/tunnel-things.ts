import type { ThingDirectory } from '../../shared/services/tunnel-ports';
import { Faults } from './faults';

/** The IoT registry in memory: things and their direct group memberships (fault `lookup`). */
export class FakeRegistry {
  readonly things = new Map<string, string[]>();
  readonly faults = new Faults();
  readonly lookup: ThingDirectory = async (thingName) => {
    this.faults.check('lookup');
    const groups = this.things.get(thingName);
    return groups ? { exists: true, groups: [...groups] } : { exists: false, groups: [] };
  };
}
