import type { SQSRecord } from 'aws-lambda';
import { dynamoAuditWriter } from '../../shared/adapters/audit-store';
import { iotGroupPort } from '../../shared/adapters/iot-groups';
import { delayRedelivery } from '../../shared/adapters/sqs-backoff';
import { dynamoThingStateStore } from '../../shared/adapters/thing-state-store';
import { dynamoDbClient, iotClient, sqsClient } from '../../shared/clients';
import { systemClock } from '../../shared/clock';
import { auditConfigSchema, loadConfig, positiveInt, tableName } from '../../shared/config';
import { compileRules } from '../../shared/domain/grouping/compile-rules';
import { shareOfQuota } from '../../shared/domain/pacing';
import type { AssignDeps } from '../../shared/services/assign-groups';
import * as z from '../../shared/zod';

export const groupingConfigSchema = z.extend(auditConfigSchema, {
  STATE_TABLE_NAME: tableName,
  QUEUE_URL: z.url(),
  // Add/RemoveThingFromThingGroup share AWS's 100 TPS per account among the function's containers.
  IOT_MEMBERSHIP_QUOTA_TPS: positiveInt(10_000),
  MAX_CONCURRENCY: positiveInt(1000),
});

/**
 * Everything assign-groups needs, built once per container from the environment and the grouping
 * rules (config/grouping-rules.yml, bundled as parsed data): the service's ports (the thing's record
 * in the state table is also the events' idempotency record); and the queue's redelivery backoff
 * (a failed record's visibility timeout stretched: 10 s, 20 s, 40 s ... 5 min).
 */
export function groupingDeps(
  actor: string,
  env: Record<string, string | undefined>,
  rulesFile: unknown,
): {
  deps: AssignDeps;
  delayRedelivery: (record: SQSRecord) => Promise<void>;
} {
  const config = loadConfig(groupingConfigSchema, env);
  return {
    deps: {
      rules: compileRules(rulesFile),
      groups: iotGroupPort(
        iotClient(),
        shareOfQuota(config.IOT_MEMBERSHIP_QUOTA_TPS, config.MAX_CONCURRENCY),
        systemClock,
      ),
      state: dynamoThingStateStore(dynamoDbClient(), config.STATE_TABLE_NAME, systemClock),
      audit: dynamoAuditWriter(dynamoDbClient(), config.AUDIT_TABLE_NAME, config.AUDIT_RETENTION_DAYS),
      actor,
    },
    delayRedelivery: (record) => delayRedelivery(sqsClient(), config.QUEUE_URL, record),
  };
}
