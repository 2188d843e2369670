import { dynamoAuditWriter } from '../../shared/adapters/audit-store';
import { eventBridgePublisher, snsNotifier } from '../../shared/adapters/domain-events';
import { iotFleetIndex } from '../../shared/adapters/fleet-index';
import {
  cloudWatchAlarmReader,
  iotExecutionReader,
  iotPackageReader,
} from '../../shared/adapters/health-aws';
import { dynamoHealthStore } from '../../shared/adapters/health-store';
import { iotRolloutJobs } from '../../shared/adapters/rollout-jobs';
import { dynamoRolloutStore } from '../../shared/adapters/rollout-store';
import { stepFunctionsTasks } from '../../shared/adapters/rollout-tasks';
import { dynamoTransactWriter, executionCounters } from '../../shared/adapters/rollout-transact';
import {
  cloudWatchClient,
  dynamoDbClient,
  eventBridgeClient,
  iotClient,
  iotDataClient,
  sfnClient,
  snsClient,
} from '../../shared/clients';
import { systemClock } from '../../shared/clock';
import { auditConfigSchema, eventBusName, tableName } from '../../shared/config';
import { plannedStages } from '../../shared/services/rollout-planned-stages';
import type { RolloutDeps } from '../../shared/services/rollout-ports';
import type { TrackerDeps } from '../../shared/services/rollout-tracker';
import * as z from '../../shared/zod';

/**
 * The rollout functions' composition: the environment they read and the production adapters behind
 * the rollout services' ports (shared/services/rollout-ports.ts). Only handlers and the other
 * rollout wiring (rollout-steps.ts) import it.
 */

/** Environment every rollout function reads (serverless/functions-rollouts.yml). */
export const rolloutConfigSchema = z.extend(auditConfigSchema, {
  STATE_TABLE_NAME: tableName,
  /** Task tokens: readable only by the rollout functions (resources/rollouts.yml TaskTokensTable). */
  TOKENS_TABLE_NAME: tableName,
  EVENT_BUS_NAME: eventBusName,
  OPERATOR_TOPIC_ARN: z.string().check(z.startsWith('arn:')),
  STATE_MACHINE_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
});
export type RolloutConfig = z.infer<typeof rolloutConfigSchema>;

/** The production adapters behind the rollout services. */
export function rolloutDeps(config: RolloutConfig, actor: string): RolloutDeps {
  const documents = dynamoDbClient();
  return {
    store: dynamoRolloutStore(documents, config.STATE_TABLE_NAME, config.TOKENS_TABLE_NAME),
    jobs: iotRolloutJobs(iotClient()),
    fleetIndex: iotFleetIndex(iotClient()),
    tasks: stepFunctionsTasks(sfnClient(), config.STATE_MACHINE_ARN ?? ''),
    audit: dynamoAuditWriter(documents, config.AUDIT_TABLE_NAME, config.AUDIT_RETENTION_DAYS),
    publish: eventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
    notify: snsNotifier(snsClient(), config.OPERATOR_TOPIC_ARN),
    health: dynamoHealthStore(documents, config.STATE_TABLE_NAME),
    executions: iotExecutionReader(iotClient()),
    alarms: cloudWatchAlarmReader(cloudWatchClient()),
    packages: iotPackageReader(iotDataClient(), iotClient()),
    actor,
  };
}

/** The tracker's ports: its counters take one DynamoDB transaction per terminal execution event. */
export function trackerDeps(config: RolloutConfig, actor: string): TrackerDeps {
  const documents = dynamoDbClient();
  const deps = rolloutDeps(config, actor);
  return {
    ...deps,
    counters: executionCounters(documents, config.STATE_TABLE_NAME, dynamoTransactWriter(documents)),
    planned: plannedStages(deps.store),
    clock: systemClock,
  };
}
