import { dynamoAuditReader } from '../shared/adapters/audit-reader';
import { iotFleetIndex } from '../shared/adapters/fleet-index';
import { secureTunnelPort } from '../shared/adapters/tunnel-port';
import {
  AuditFilterError,
  AuditTunnelNotFoundError,
  NoAuditRecordsError,
  QueryTooBroadError,
  QueryWithSelectorsError,
} from '../shared/domain/audit-query/errors';
import { InvalidFleetQueryError } from '../shared/domain/fleet-index/errors';
import type { AuditQueryDeps } from '../shared/services/audit-query-ports';
import { querySyntaxError, searchAll } from './fleet-index';
import { CliError, EXIT } from './io';
import { dynamoClient, iotClient, type Target, tunnelsClient } from './target';

/**
 * The audit query service's ports on the target's AWS clients. The search pages with the CLI's
 * `searchAll`, so AWS's refusals (no index, no permission, a query it refused) read as everywhere
 * else in the CLI.
 */
export function auditDeps(target: Target, table: string): AuditQueryDeps {
  return {
    reader: dynamoAuditReader(dynamoClient(target), table),
    thingOfTunnel: async (tunnelId) =>
      (await secureTunnelPort(tunnelsClient(target)).describe(tunnelId))?.thingName,
    search: async (query, max) => {
      const { things, more } = await searchAll(iotFleetIndex(iotClient(target)), query, max);
      return { thingNames: things.map((t) => t.thingName ?? ''), more };
    },
  };
}

/** The audit service's typed errors as CLI errors (exit code, message, hint); others unchanged. */
export function auditCliError(error: unknown): unknown {
  if (error instanceof AuditFilterError)
    return new CliError(EXIT.USAGE, error.message, 'see `fleet audit --help`');
  if (error instanceof InvalidFleetQueryError) return querySyntaxError(error);
  if (error instanceof QueryWithSelectorsError) return new CliError(EXIT.USAGE, error.message);
  if (error instanceof QueryTooBroadError)
    return new CliError(
      EXIT.USAGE,
      `the query matches more than ${error.max} things`,
      `narrow it, or raise --max-things (at most ${error.ceiling}: one DynamoDB Query per thing)`,
    );
  if (error instanceof AuditTunnelNotFoundError)
    return new CliError(
      EXIT.NOT_FOUND,
      `tunnel ${error.tunnelId} not found (AWS keeps closed tunnels only for a while)`,
      "add --thing NAME to search that thing's records for the tunnel id",
    );
  if (error instanceof NoAuditRecordsError)
    return new CliError(
      EXIT.NOT_FOUND,
      `no audit records for ${error.subject.type} ${error.subject.id}`,
      `check the name (records expire after AUDIT_RETENTION_DAYS, 400 days by default); \`fleet audit --from DAY --to DAY\` lists everything by time`,
    );
  return error;
}
