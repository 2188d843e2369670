import {
  CreateDynamicThingGroupCommand,
  DeleteDynamicThingGroupCommand,
  DescribeThingGroupCommand,
  GetIndexingConfigurationCommand,
  GetStatisticsCommand,
  type IoTClient,
  SearchIndexCommand,
  type ThingDocument,
} from '@aws-sdk/client-iot';
import { InvalidFleetQueryError } from '../domain/fleet-index/errors';
import type { ThingIndexingSettings } from '../domain/fleet-index/query-fields';
import { IotThrottledError } from '../domain/rollout/errors';
import { DynamicGroupLimitError, QueryGroupConflictError } from '../domain/rollout/query-errors';

const INDEX = 'AWS_Things';

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ThrottlingException')
      throw new IotThrottledError(`AWS IoT throttled: ${(error as Error).message}`, { cause: error });
    if (name === 'InvalidQueryException')
      throw new InvalidFleetQueryError(`AWS IoT refused the query: ${(error as Error).message}`);
    throw error;
  }
}

export type DynamicGroupState = { status: string; queryString: string | undefined; dynamic: boolean };

/** The fleet index and dynamic thing groups, as the rollout and the CLI use them (AWS IoT API). */
export function iotFleetIndex(client: IoTClient) {
  return {
    /** GetIndexingConfiguration's thing part: what the AWS_Things index holds. */
    async thingIndexing(): Promise<ThingIndexingSettings> {
      const out = await call(() => client.send(new GetIndexingConfigurationCommand({})));
      return (out.thingIndexingConfiguration ?? { thingIndexingMode: 'OFF' }) as ThingIndexingSettings;
    },

    /** DescribeThingGroup: undefined when the group does not exist. */
    async describeGroup(thingGroupName: string): Promise<DynamicGroupState | undefined> {
      try {
        const g = await call(() => client.send(new DescribeThingGroupCommand({ thingGroupName })));
        return {
          status: g.status ?? 'ACTIVE',
          queryString: g.queryString,
          dynamic: g.queryString !== undefined,
        };
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    },

    /**
     * CreateDynamicThingGroup, idempotent: a group of that name with the same query is this one (a
     * retried step); with another query, or static, it is a QueryGroupConflictError. Returns its status.
     */
    async ensureDynamicGroup(
      thingGroupName: string,
      queryString: string,
      description: string,
      tags: { Key: string; Value: string }[],
    ): Promise<{ created: boolean; status: string }> {
      try {
        await call(() =>
          client.send(
            new CreateDynamicThingGroupCommand({
              thingGroupName,
              queryString,
              indexName: INDEX,
              thingGroupProperties: { thingGroupDescription: description.slice(0, 2028) },
              tags,
            }),
          ),
        );
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'LimitExceededException')
          throw new DynamicGroupLimitError(
            `the account has AWS IoT's maximum of dynamic thing groups; delete unused ones (aws iot delete-dynamic-thing-group) and retry: ${(error as Error).message}`,
          );
        if (name !== 'ResourceAlreadyExistsException') throw error;
        const existing = await this.describeGroup(thingGroupName);
        // AWS may return the query with a trailing newline (dynamic thing groups guide).
        if (!existing?.dynamic || existing.queryString?.trim() !== queryString.trim())
          throw new QueryGroupConflictError(
            `thing group ${thingGroupName} exists ${existing?.dynamic ? `with another query (${existing.queryString})` : 'and is not a dynamic group'}`,
          );
        return { created: false, status: existing.status };
      }
      const now = await this.describeGroup(thingGroupName);
      return { created: true, status: now?.status ?? 'BUILDING' };
    },

    /** DeleteDynamicThingGroup; a group already gone is a success (AWS answers so too). */
    async deleteDynamicGroup(thingGroupName: string): Promise<void> {
      await call(() => client.send(new DeleteDynamicThingGroupCommand({ thingGroupName })));
    },

    /** GetStatistics: how many things match now (one call, whatever the fleet's size). */
    async count(queryString: string): Promise<number> {
      const out = await call(() => client.send(new GetStatisticsCommand({ indexName: INDEX, queryString })));
      return out.statistics?.count ?? 0;
    },

    /** One SearchIndex page (at most 100 things, AWS's maximum). */
    async search(queryString: string, nextToken?: string, maxResults = 100) {
      const out = await call(() =>
        client.send(new SearchIndexCommand({ indexName: INDEX, queryString, nextToken, maxResults })),
      );
      return { things: out.things ?? ([] as ThingDocument[]), nextToken: out.nextToken };
    },
  };
}

export type FleetIndex = ReturnType<typeof iotFleetIndex>;
