import { setTimeout as sleep } from 'node:timers/promises';
import {
  AddThingToThingGroupCommand,
  CreateThingGroupCommand,
  DescribeThingGroupCommand,
  type IoTClient,
  ListThingGroupsForThingCommand,
  RemoveThingFromThingGroupCommand,
} from '@aws-sdk/client-iot';
import type { Clock } from '../clock';
import { isManagedBy, MANAGED_BY } from '../domain/managed-by';
import { createPacer } from '../domain/pacing';
import type { GroupOwnership, GroupPort } from '../services/grouping-ports';

/**
 * AWS IoT adapter. CreateThingGroup answers 200 for an identical existing group, so a container
 * asks once per group and caches the answer: group creation is amortized over the burst.
 * Membership changes are paced at `membershipTps` (this container's share of the account quota).
 */
export function iotGroupPort(client: IoTClient, membershipTps: number, clock: Clock): GroupPort {
  const pace = createPacer(membershipTps);
  const paced = async <T>(call: () => Promise<T>): Promise<T> => {
    const wait = pace(clock.now());
    if (wait > 0) await sleep(wait);
    return call();
  };
  const ownership = new Map<string, Promise<GroupOwnership>>();
  const ensure = async (name: string, parent: string | undefined): Promise<GroupOwnership> => {
    try {
      await client.send(
        new CreateThingGroupCommand({
          thingGroupName: name,
          parentGroupName: parent,
          thingGroupProperties: { attributePayload: { attributes: { [MANAGED_BY.key]: MANAGED_BY.value } } },
          // The tag is what IAM checks: the role may only change memberships of groups tagged so.
          tags: [{ Key: MANAGED_BY.key, Value: MANAGED_BY.value }],
        }),
      );
      return 'managed';
    } catch (error) {
      if ((error as Error).name !== 'ResourceAlreadyExistsException') throw error;
      const existing = await client.send(new DescribeThingGroupCommand({ thingGroupName: name }));
      const attributes = existing.thingGroupProperties?.attributePayload?.attributes ?? {};
      const sameParent = (existing.thingGroupMetadata?.parentGroupName ?? undefined) === parent;
      return isManagedBy(attributes) && sameParent ? 'managed' : 'unmanaged';
    }
  };
  const ours = new Map<string, Promise<boolean>>();
  const isOurs = async (name: string): Promise<boolean> => {
    const group = await client.send(new DescribeThingGroupCommand({ thingGroupName: name }));
    return isManagedBy(group.thingGroupProperties?.attributePayload?.attributes ?? {});
  };
  return {
    async managedOf(names) {
      const verdicts = await Promise.all(
        names.map((name) => {
          let answer = ours.get(name);
          if (!answer) {
            answer = isOurs(name);
            ours.set(name, answer);
            answer.catch(() => ours.delete(name));
          }
          return answer;
        }),
      );
      return names.filter((_, i) => verdicts[i]);
    },
    ensureGroup(name, parent) {
      const key = `${parent ?? ''}/${name}`;
      let answer = ownership.get(key);
      if (!answer) {
        answer = ensure(name, parent);
        ownership.set(key, answer);
        answer.catch(() => ownership.delete(key));
      }
      return answer;
    },
    async addThing(group, thingName) {
      await paced(() => client.send(new AddThingToThingGroupCommand({ thingGroupName: group, thingName })));
    },
    async removeThing(group, thingName) {
      await paced(() =>
        client.send(new RemoveThingFromThingGroupCommand({ thingGroupName: group, thingName })),
      );
    },
    async listGroupsForThing(thingName) {
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new ListThingGroupsForThingCommand({ thingName, nextToken, maxResults: 25 }),
        );
        for (const g of page.thingGroups ?? []) if (g.groupName) names.push(g.groupName);
        nextToken = page.nextToken;
      } while (nextToken);
      return names;
    },
  };
}
