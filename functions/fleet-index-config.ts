import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { raiseIndexing } from '../shared/domain/fleet-index/indexing-config';
import { wrapHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { customResourceDeps } from './wiring/custom-resources';

const PHYSICAL_ID = 'fleet-autopilot-fleet-indexing';
const { settings, respond } = customResourceDeps();

/**
 * CloudFormation custom resource that turns on the fleet indexing the project needs (registry and
 * shadows, connectivity, the `$package` named shadow, thing groups), read first so that it only ever
 * raises the account's configuration (shared/domain/fleet-index/indexing-config.ts). Delete is a
 * deliberate no-op: indexing is account-wide, may predate this stack, and other stacks' dynamic
 * groups depend on it.
 */
async function apply(event: CloudFormationCustomResourceEvent): Promise<Record<string, string>> {
  if (event.RequestType === 'Delete') return { Enabled: '' };
  const change = raiseIndexing(await settings.readIndexing());
  if (change.update) await settings.writeIndexing(change.update);
  logger.info('Fleet indexing ensured', { enabledNow: change.enabled });
  return { Enabled: change.enabled.join(', ') };
}

export const handler = wrapHandler(async (event: CloudFormationCustomResourceEvent) => {
  try {
    await respond(event, PHYSICAL_ID, 'SUCCESS', await apply(event));
  } catch (error) {
    logger.error('Fleet indexing configuration failed', { error });
    await respond(event, PHYSICAL_ID, 'FAILED', {}, (error as Error).message.slice(0, 500));
  }
});
