import { dynamoAuditWriter } from '../../shared/adapters/audit-store';
import { eventBridgePublisher, snsNotifier } from '../../shared/adapters/domain-events';
import { cloudWatchAlarmDirectory } from '../../shared/adapters/tunnel-alarms';
import { dynamoEnrolmentStore } from '../../shared/adapters/tunnel-enrolments';
import { secureTunnelPort } from '../../shared/adapters/tunnel-port';
import { dynamoTunnelStore } from '../../shared/adapters/tunnel-store';
import { iotThingDirectory } from '../../shared/adapters/tunnel-things';
import {
  cloudWatchClient,
  dynamoDbClient,
  eventBridgeClient,
  iotClient,
  snsClient,
  tunnelingClient,
} from '../../shared/clients';
import { auditConfigSchema, eventBusName, loadConfig, tableName } from '../../shared/config';
import { parsePolicy } from '../../shared/domain/tunnels/policy';
import type { TunnelDeps } from '../../shared/services/tunnel-ports';
import * as z from '../../shared/zod';

export const tunnelConfigSchema = z.extend(auditConfigSchema, {
  STATE_TABLE_NAME: tableName,
  EVENT_BUS_NAME: eventBusName,
  OPERATOR_TOPIC_ARN: z.string().check(z.regex(/^arn:[\w-]+:sns:/, 'must be an SNS topic ARN')),
  /** The deployment's account (serverless: !Ref AWS::AccountId): alarms of any other are refused. */
  FLEET_ACCOUNT_ID: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id')),
  /** Set by Lambda: the deployment's region. */
  AWS_REGION: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region')),
});

/**
 * Everything the tunnel functions need, built once per container from the environment and the
 * policy file (config/tunnel-policy.yml, bundled as parsed data like the grouping rules).
 */
export function tunnelDeps(
  actor: string,
  env: Record<string, string | undefined>,
  policyFile: unknown,
): TunnelDeps {
  const config = loadConfig(tunnelConfigSchema, env);
  return {
    policy: parsePolicy(policyFile),
    store: dynamoTunnelStore(dynamoDbClient(), config.STATE_TABLE_NAME),
    tunnels: secureTunnelPort(tunnelingClient()),
    things: iotThingDirectory(iotClient()),
    alarms: cloudWatchAlarmDirectory(cloudWatchClient()),
    enrolments: dynamoEnrolmentStore(dynamoDbClient(), config.STATE_TABLE_NAME),
    home: { account: config.FLEET_ACCOUNT_ID, region: config.AWS_REGION },
    audit: dynamoAuditWriter(dynamoDbClient(), config.AUDIT_TABLE_NAME, config.AUDIT_RETENTION_DAYS),
    publish: eventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
    notify: snsNotifier(snsClient(), config.OPERATOR_TOPIC_ARN),
    actor,
  };
}
