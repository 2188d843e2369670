import { dynamoAuditWriter } from '../../shared/adapters/audit-store';
import { eventBridgePublisher, snsNotifier } from '../../shared/adapters/domain-events';
import { iotFleetIndex } from '../../shared/adapters/fleet-index';
import {
  cloudWatchAlarmReader,
  iotExecutionReader,
  iotPackageReader,
} from '../../shared/adapters/health-aws';
import { dynamoHealthStore } from '../../shared/adapters/health-store';
import { iotRollbackPort } from '../../shared/adapters/rollback-iot';
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
import { type Clock, systemClock } from '../../shared/clock';
import { auditConfigSchema, eventBusName, positiveInt, tableName } from '../../shared/config';
import type { RolloutDeps } from '../../shared/services/rollout-ports';
import type { RollbackIot } from '../../shared/services/rollout-rollback-port';
import type { ExecutionCounters } from '../../shared/services/rollout-store-port';
import * as z from '../../shared/zod';

/**
 * The rollout functions' composition: the environment they read and the production adapters behind
 * the rollout services' ports (shared/services/rollout-ports.ts). Only handlers import it.
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

/** The steps' environment: a rollback's AddThingToThingGroup pace, its share of the account's 100 TPS. */
export const stepsConfigSchema = z.extend(rolloutConfigSchema, {
  ROLLBACK_MEMBERSHIP_TPS: z.optional(positiveInt(1000)),
});
export type StepsConfig = z.infer<typeof stepsConfigSchema>;

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

/** AWS IoT for a rollback, paced at the configured share of the membership quota (20 TPS unless set). */
export function rollbackIot(config: StepsConfig, clock: Clock = systemClock): RollbackIot {
  return iotRollbackPort(iotClient(), config.ROLLBACK_MEMBERSHIP_TPS ?? 20, clock);
}

/** The tracker's counters: one DynamoDB transaction per terminal execution event. */
export function trackerCounters(config: RolloutConfig): ExecutionCounters {
  const documents = dynamoDbClient();
  return executionCounters(documents, config.STATE_TABLE_NAME, dynamoTransactWriter(documents));
}
