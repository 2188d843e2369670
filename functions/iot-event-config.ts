import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { eventTypesToEnable, REQUIRED_EVENT_TYPES } from '../shared/domain/event-configurations';
import { wrapHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { customResourceDeps } from './wiring/custom-resources';

const PHYSICAL_ID = 'fleet-autopilot-iot-event-configurations';
const { settings, respond } = customResourceDeps();

/**
 * CloudFormation custom resource that switches on the AWS IoT registry and job events the
 * project consumes. Delete is a deliberate no-op: the settings are account-wide, may have been on
 * before this stack, and other stages may depend on them.
 */
async function apply(event: CloudFormationCustomResourceEvent): Promise<Record<string, string>> {
  if (event.RequestType === 'Delete') return { Enabled: '' };
  const wanted = (event.ResourceProperties.EventTypes as string[] | undefined) ?? [...REQUIRED_EVENT_TYPES];
  const toEnable = eventTypesToEnable(await settings.readEventConfigurations(), wanted);
  if (toEnable.length > 0) await settings.enableEvents(toEnable);
  logger.info('IoT event configurations ensured', { wanted, enabledNow: toEnable });
  return { Enabled: toEnable.join(',') };
}

export const handler = wrapHandler(async (event: CloudFormationCustomResourceEvent) => {
  try {
    await respond(event, PHYSICAL_ID, 'SUCCESS', await apply(event));
  } catch (error) {
    logger.error('IoT event configuration failed', { error });
    await respond(event, PHYSICAL_ID, 'FAILED', {}, (error as Error).message.slice(0, 500));
  }
});
