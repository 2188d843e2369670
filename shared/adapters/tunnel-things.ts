import { DescribeThingCommand, type IoTClient, ListThingGroupsForThingCommand } from '@aws-sdk/client-iot';
import type { ThingDirectory } from '../services/tunnel-ports';

/** DescribeThing, then its direct memberships (ListThingGroupsForThing). */
export function iotThingDirectory(client: IoTClient): ThingDirectory {
  return async (thingName) => {
    try {
      await client.send(new DescribeThingCommand({ thingName }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return { exists: false, groups: [] };
      throw error;
    }
    // Direct memberships, as ListThingGroupsForThing returns them.
    const groups: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListThingGroupsForThingCommand({ thingName, nextToken, maxResults: 25 }),
      );
      for (const g of page.thingGroups ?? []) if (g.groupName) groups.push(g.groupName);
      nextToken = page.nextToken;
    } while (nextToken);
    return { exists: true, groups };
  };
}
