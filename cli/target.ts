import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IoTClient } from '@aws-sdk/client-iot';
import { IoTSecureTunnelingClient } from '@aws-sdk/client-iotsecuretunneling';
import { S3Client } from '@aws-sdk/client-s3';
import { CliError, EXIT, type Io } from './io';

/** The global options every command accepts. */
export type GlobalOptions = {
  local?: boolean;
  stage?: string;
  region?: string;
  apiUrl?: string;
  auditTable?: string;
  stateTable?: string;
  json?: boolean;
};

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** A deployed stage or the local stack: where the SDK clients and the operator API point. */
export type Target = {
  local: boolean;
  stage: string;
  region: string | undefined;
  credentials: Credentials | undefined;
  endpoints: { iot?: string; dynamodb?: string; tunnels?: string; s3?: string };
  apiUrl: string | undefined;
  auditTable: string | undefined;
  stateTable: string | undefined;
};

const LOCAL_HINT = 'start it with `npm start -- --serve` and export the variables it prints, then rerun';

export function resolveTarget(opts: GlobalOptions, io: Io): Target {
  const env = io.env;
  const local = Boolean(opts.local);
  const endpoints = {
    iot: env.AWS_ENDPOINT_URL_IOT || undefined,
    dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB || undefined,
    tunnels: env.AWS_ENDPOINT_URL_IOTSECURETUNNELING || undefined,
    s3: env.AWS_ENDPOINT_URL_S3 || undefined,
  };
  if (local && !endpoints.iot && !endpoints.dynamodb)
    throw new CliError(
      EXIT.USAGE,
      '--local: the local stack endpoints (AWS_ENDPOINT_URL_IOT, ...) are not set',
      LOCAL_HINT,
    );
  const key = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  const credentials: Credentials | undefined =
    key && secret
      ? {
          accessKeyId: key,
          secretAccessKey: secret,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : local
        ? { accessKeyId: 'local', secretAccessKey: 'local' }
        : undefined;
  return {
    local,
    stage: opts.stage ?? env.FLEET_STAGE ?? (local ? 'local' : 'dev'),
    region: opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (local ? 'us-east-1' : undefined),
    credentials,
    endpoints,
    apiUrl: opts.apiUrl ?? env.FLEET_API_URL ?? undefined,
    auditTable: opts.auditTable ?? env.FLEET_AUDIT_TABLE ?? (local ? 'AuditTable' : undefined),
    stateTable: opts.stateTable ?? env.FLEET_STATE_TABLE ?? (local ? 'StateTable' : undefined),
  };
}

const base = (t: Target, endpoint: string | undefined) => ({
  ...(t.region ? { region: t.region } : {}),
  ...(t.credentials ? { credentials: t.credentials } : {}),
  ...(endpoint ? { endpoint } : {}),
});

export const iotClient = (t: Target, maxAttempts = 5) =>
  new IoTClient({ ...base(t, t.endpoints.iot), maxAttempts, retryMode: 'adaptive' });
export const dynamoClient = (t: Target) =>
  new DynamoDBClient({ ...base(t, t.endpoints.dynamodb), maxAttempts: 5 });
export const s3Client = (t: Target) => new S3Client({ ...base(t, t.endpoints.s3), maxAttempts: 5 });
export const tunnelsClient = (t: Target) =>
  new IoTSecureTunnelingClient({ ...base(t, t.endpoints.tunnels), maxAttempts: 5 });

export function requireTable(t: Target, which: 'audit' | 'state'): string {
  const name = which === 'audit' ? t.auditTable : t.stateTable;
  if (name) return name;
  const flag = which === 'audit' ? '--audit-table / FLEET_AUDIT_TABLE' : '--state-table / FLEET_STATE_TABLE';
  const logical = which === 'audit' ? 'AuditTable' : 'StateTable';
  throw new CliError(
    EXIT.USAGE,
    `no ${which} table: set ${flag}`,
    `for a deployed stage: aws cloudformation describe-stack-resource --stack-name fleet-autopilot-${t.stage} --logical-resource-id ${logical} --query StackResourceDetail.PhysicalResourceId --output text (or use --local)`,
  );
}

export const resolvePath = (io: Io, file: string) => path.resolve(io.cwd, file);
