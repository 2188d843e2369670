import { dynamoAuditWriter } from '../../shared/adapters/audit-store';
import { iotGroupPort } from '../../shared/adapters/iot-groups';
import { dynamoThingStateStore } from '../../shared/adapters/thing-state-store';
import { dynamoDbClient, iotClient } from '../../shared/clients';
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
export type GroupingConfig = z.infer<typeof groupingConfigSchema>;

/**
 * Everything assign-groups needs, built once per container from the environment and the grouping
 * rules (config/grouping-rules.yml, bundled as parsed data); the config too, for the handler's own
 * idempotency table and queue.
 */
export function groupingDeps(
  actor: string,
  env: Record<string, string | undefined>,
  rulesFile: unknown,
): { config: GroupingConfig; deps: AssignDeps } {
  const config = loadConfig(groupingConfigSchema, env);
  return {
    config,
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
  };
}
