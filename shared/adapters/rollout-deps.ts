import {
  cloudWatchClient,
  dynamoDbClient,
  eventBridgeClient,
  iotClient,
  iotDataClient,
  sfnClient,
  snsClient,
} from '../clients';
import { auditConfigSchema, tableName } from '../config';
import type { RolloutDeps } from '../services/rollout-effects';
import * as z from '../zod';
import { dynamoAuditWriter } from './audit-store';
import { eventBridgePublisher, snsNotifier } from './domain-events';
import { iotFleetIndex } from './fleet-index';
import { cloudWatchAlarmReader, iotExecutionReader, iotPackageReader } from './health-aws';
import { dynamoHealthStore } from './health-store';
import { iotRolloutJobs } from './rollout-jobs';
import { dynamoRolloutStore } from './rollout-store';
import { stepFunctionsTasks } from './rollout-tasks';

/** Environment every rollout function reads (serverless/functions-rollouts.yml). */
export const rolloutConfigSchema = z.extend(auditConfigSchema, {
  STATE_TABLE_NAME: tableName,
  /** Task tokens: readable only by the rollout functions (resources/rollouts.yml TaskTokensTable). */
  TOKENS_TABLE_NAME: tableName,
  EVENT_BUS_NAME: z.string().check(z.minLength(1), z.maxLength(256)),
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
