import {
  DescribeEventConfigurationsCommand,
  type EventType,
  GetIndexingConfigurationCommand,
  type IoTClient,
  UpdateEventConfigurationsCommand,
  UpdateIndexingConfigurationCommand,
} from '@aws-sdk/client-iot';
import type { EventConfigurations } from '../domain/event-configurations';
import type { IndexingConfiguration } from '../domain/fleet-index/indexing-config';

/**
 * The account-wide AWS IoT settings the deployment's custom resources raise: fleet indexing
 * (Get/UpdateIndexingConfiguration) and the registry and job event messages
 * (Describe/UpdateEventConfigurations).
 */
export function iotAccountSettings(client: IoTClient) {
  return {
    readIndexing: async (): Promise<IndexingConfiguration> =>
      (await client.send(new GetIndexingConfigurationCommand({}))) as IndexingConfiguration,
    writeIndexing: async (update: IndexingConfiguration): Promise<void> => {
      await client.send(new UpdateIndexingConfigurationCommand(update as never));
    },
    readEventConfigurations: async (): Promise<EventConfigurations> =>
      (await client.send(new DescribeEventConfigurationsCommand({}))).eventConfigurations ?? {},
    enableEvents: async (types: readonly string[]): Promise<void> => {
      await client.send(
        new UpdateEventConfigurationsCommand({
          eventConfigurations: Object.fromEntries(types.map((t) => [t as EventType, { Enabled: true }])),
        }),
      );
    },
  };
}
