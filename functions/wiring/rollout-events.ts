import { dynamoAuditWriter } from '../../shared/adapters/audit-store';
import { eventBridgePublisher } from '../../shared/adapters/domain-events';
import { dynamoHealthStore } from '../../shared/adapters/health-store';
import { dynamoDbClient, eventBridgeClient } from '../../shared/clients';
import { systemClock } from '../../shared/clock';
import { auditConfigSchema, eventBusName, loadConfig, tableName } from '../../shared/config';
import * as z from '../../shared/zod';

/**
 * The rollouts' event intake: the job-event bridge (IoT job events onto the project bus) and the
 * presence tracker (lifecycle events into the state table). Neither function is given the task-token
 * table (serverless/functions-rollouts.yml), so each reads only the variables it uses.
 */

/** The bridge's bus and the audit table for what it rejects. */
export function bridgeDeps(env: Record<string, string | undefined>) {
  const config = loadConfig(z.extend(auditConfigSchema, { EVENT_BUS_NAME: eventBusName }), env);
  return {
    publish: eventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
    audit: dynamoAuditWriter(dynamoDbClient(), config.AUDIT_TABLE_NAME, config.AUDIT_RETENTION_DAYS),
  };
}

/** The tracker's presence history and suspects (shared/services/health-presence.ts), and its audit. */
export function presenceDeps(env: Record<string, string | undefined>) {
  const config = loadConfig(z.extend(auditConfigSchema, { STATE_TABLE_NAME: tableName }), env);
  return {
    health: dynamoHealthStore(dynamoDbClient(), config.STATE_TABLE_NAME),
    clock: systemClock,
    audit: dynamoAuditWriter(dynamoDbClient(), config.AUDIT_TABLE_NAME, config.AUDIT_RETENTION_DAYS),
  };
}
