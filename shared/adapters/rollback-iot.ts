import { setTimeout as sleep } from 'node:timers/promises';
import {
  AddThingToThingGroupCommand,
  CreateJobCommand,
  type CreateJobCommandInput,
  CreateThingGroupCommand,
  DescribeThingGroupCommand,
  type IoTClient,
  ListJobExecutionsForJobCommand,
} from '@aws-sdk/client-iot';
import type { Clock } from '../clock';
import { createPacer } from '../domain/pacing';
import { RollbackGroupConflictError } from '../domain/rollout/errors';
import { ROLLBACK_GROUP_TAGS } from '../domain/rollout/rollback';
import type { RollbackIot } from '../services/rollout-rollback-port';
import { MANAGED_BY_KEY, MANAGED_BY_VALUE } from './iot-groups';
import { iotRolloutJobs } from './rollout-jobs';

const named = (error: unknown) => (error as Error).name;
/** `arn:aws:iot:<region>:<account>:thing/<name>` → `<name>`. */
const thingOf = (arn: string | undefined) => arn?.slice(arn.indexOf(':thing/') + ':thing/'.length);

/**
 * AWS IoT for a rollback. Memberships are paced at `membershipTps` (AddThingToThingGroup: 100 TPS per
 * account, shared with assign-groups: "AWS IoT Core endpoints and quotas").
 */
export function iotRollbackPort(client: IoTClient, membershipTps: number, clock: Clock): RollbackIot {
  const pace = createPacer(membershipTps);
  const jobs = iotRolloutJobs(client);
  return {
    async ensureGroup(groupName, rolloutId) {
      try {
        // AWS answers 200 for an identical existing group (CreateThingGroup API reference).
        await client.send(
          new CreateThingGroupCommand({
            thingGroupName: groupName,
            thingGroupProperties: {
              thingGroupDescription: `fleet-autopilot: devices rolled back by rollout ${rolloutId}`,
              attributePayload: { attributes: { [MANAGED_BY_KEY]: MANAGED_BY_VALUE } },
            },
            // What IAM checks: the role may add things only to groups carrying this tag.
            tags: ROLLBACK_GROUP_TAGS,
          }),
        );
        return 'created';
      } catch (error) {
        if (named(error) !== 'ResourceAlreadyExistsException') throw error;
        const existing = await client.send(new DescribeThingGroupCommand({ thingGroupName: groupName }));
        const attributes = existing.thingGroupProperties?.attributePayload?.attributes ?? {};
        if (attributes[MANAGED_BY_KEY] !== MANAGED_BY_VALUE || existing.thingGroupMetadata?.parentGroupName)
          throw new RollbackGroupConflictError(
            `thing group ${groupName} exists and was not created by fleet-autopilot: the rollback leaves it alone`,
          );
        return 'exists';
      }
    },

    async groupExists(groupName) {
      try {
        await client.send(new DescribeThingGroupCommand({ thingGroupName: groupName }));
        return true;
      } catch (error) {
        if (named(error) === 'ResourceNotFoundException') return false;
        throw error;
      }
    },

    async addThing(groupName, thingName) {
      const wait = pace(clock.now());
      if (wait > 0) await sleep(wait);
      try {
        await client.send(new AddThingToThingGroupCommand({ thingGroupName: groupName, thingName }));
        return 'added';
      } catch (error) {
        // The thing was deleted since it took the update; a missing group is not the thing's fault.
        if (named(error) === 'ResourceNotFoundException') {
          await client.send(new DescribeThingGroupCommand({ thingGroupName: groupName }));
          return 'missing';
        }
        // "A thing can be added to a maximum of 10 thing groups" (AddThingToThingGroup).
        if (named(error) === 'InvalidRequestException') return 'refused';
        throw error;
      }
    },

    async succeededThings(jobId, nextToken) {
      try {
        const page = await client.send(
          new ListJobExecutionsForJobCommand({ jobId, status: 'SUCCEEDED', maxResults: 250, nextToken }),
        );
        const things = (page.executionSummaries ?? []).flatMap((e) => thingOf(e.thingArn) ?? []);
        return { things, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
      } catch (error) {
        if (named(error) === 'ResourceNotFoundException') return { things: [] };
        throw error;
      }
    },

    async createJob(request) {
      try {
        await client.send(new CreateJobCommand(request as CreateJobCommandInput));
        return 'created';
      } catch (error) {
        if (named(error) === 'ResourceAlreadyExistsException') return 'exists';
        throw error;
      }
    },

    describeJob: jobs.describeJob,
  };
}
