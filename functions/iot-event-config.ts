import {
  DescribeEventConfigurationsCommand,
  type EventType,
  UpdateEventConfigurationsCommand,
} from '@aws-sdk/client-iot';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { respondToCloudFormation } from '../shared/adapters/cfn-response';
import { iotClient } from '../shared/clients';
import { eventTypesToEnable, REQUIRED_EVENT_TYPES } from '../shared/domain/event-configurations';
import { wrapHandler } from '../shared/handler';
import { logger } from '../shared/observability';

const PHYSICAL_ID = 'fleet-autopilot-iot-event-configurations';

/**
 * CloudFormation custom resource that switches on the AWS IoT registry and job events the
 * project consumes. Delete is a deliberate no-op: the settings are account-wide, may have been on
 * before this stack, and other stages may depend on them.
 */
async function apply(event: CloudFormationCustomResourceEvent): Promise<Record<string, string>> {
  if (event.RequestType === 'Delete') return { Enabled: '' };
  const wanted = (event.ResourceProperties.EventTypes as string[] | undefined) ?? [...REQUIRED_EVENT_TYPES];
  const current = await iotClient().send(new DescribeEventConfigurationsCommand({}));
  const toEnable = eventTypesToEnable(current.eventConfigurations ?? {}, wanted);
  if (toEnable.length > 0) {
    await iotClient().send(
      new UpdateEventConfigurationsCommand({
        eventConfigurations: Object.fromEntries(toEnable.map((t) => [t as EventType, { Enabled: true }])),
      }),
    );
  }
  logger.info('IoT event configurations ensured', { wanted, enabledNow: toEnable });
  return { Enabled: toEnable.join(',') };
}

export const handler = wrapHandler(async (event: CloudFormationCustomResourceEvent) => {
  try {
    await respondToCloudFormation(event, PHYSICAL_ID, 'SUCCESS', await apply(event));
  } catch (error) {
    logger.error('IoT event configuration failed', { error });
    await respondToCloudFormation(event, PHYSICAL_ID, 'FAILED', {}, (error as Error).message.slice(0, 500));
  }
});
