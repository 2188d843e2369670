import { AwsError } from '../common/json-rpc';
import { asObject, checkInt, checkList, checkString } from './validation';

/** Shapes and input checks from the iotsecuretunneling 2018-10-05 model. */

export interface Tag {
  key: string;
  value: string;
}

export interface DestinationConfig {
  thingName?: string;
  services: string[];
}

export const TUNNEL_STATUS = { OPEN: 'OPEN', CLOSED: 'CLOSED' } as const;
type TunnelStatus = (typeof TUNNEL_STATUS)[keyof typeof TUNNEL_STATUS];

interface ConnectionState {
  status: 'CONNECTED' | 'DISCONNECTED';
  lastUpdatedAt: number;
}

export interface TunnelRecord {
  seq: number;
  tunnelId: string;
  tunnelArn: string;
  status: TunnelStatus;
  description?: string;
  destinationConfig?: DestinationConfig;
  maxLifetimeTimeoutMinutes: number;
  tags?: Tag[];
  createdAt: number;
  lastUpdatedAt: number;
  source: ConnectionState;
  destination: ConnectionState;
}

const NAME = /^[a-zA-Z0-9:_-]+$/;
const TAG_TEXT = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
const DESCRIPTION = /^[^\p{C}]{1,2048}$/u;
export const TUNNEL_ID = /^[a-zA-Z0-9_\-+=:]{1,128}$/;

export function parseDestinationConfig(value: unknown, path: string): DestinationConfig | undefined {
  const obj = asObject(value, path);
  if (!obj) return undefined;
  const thingName = checkString(obj.thingName, `${path}.thingName`, { min: 1, max: 128, pattern: NAME });
  const services = checkList(obj.services, `${path}.services`, 1, Number.MAX_SAFE_INTEGER);
  if (!services) throw new AwsError('ValidationException', `${path}.services must not be null`);
  const checked = services.map(
    (s, i) => checkString(s, `${path}.services.${i + 1}.member`, { min: 1, max: 128, pattern: NAME }) ?? '',
  );
  return thingName === undefined ? { services: checked } : { thingName, services: checked };
}

export function parseTags(value: unknown, path: string): Tag[] | undefined {
  const list = checkList(value, path, 1, 200);
  if (!list) return undefined;
  return list.map((t, i) => {
    const obj = asObject(t, `${path}.${i + 1}`) ?? {};
    const key = checkString(obj.key, `${path}.${i + 1}.member.key`, {
      required: true,
      min: 1,
      max: 128,
      pattern: TAG_TEXT,
    });
    const val = checkString(obj.value, `${path}.${i + 1}.member.value`, {
      required: true,
      max: 256,
      pattern: TAG_TEXT,
    });
    return { key: key ?? '', value: val ?? '' };
  });
}

export function parseOpenTunnel(input: Record<string, unknown>) {
  const description = checkString(input.description, 'description', { pattern: DESCRIPTION });
  const tags = parseTags(input.tags, 'tags');
  const destinationConfig = parseDestinationConfig(input.destinationConfig, 'destinationConfig');
  const timeout = asObject(input.timeoutConfig, 'timeoutConfig');
  const minutes = checkInt(
    timeout?.maxLifetimeTimeoutMinutes,
    'timeoutConfig.maxLifetimeTimeoutMinutes',
    1,
    720,
  );
  return { description, tags, destinationConfig, maxLifetimeTimeoutMinutes: minutes ?? 720 };
}

export function describe(t: TunnelRecord): Record<string, unknown> {
  return {
    tunnelId: t.tunnelId,
    tunnelArn: t.tunnelArn,
    status: t.status,
    sourceConnectionState: { status: t.source.status, lastUpdatedAt: t.source.lastUpdatedAt / 1000 },
    destinationConnectionState: {
      status: t.destination.status,
      lastUpdatedAt: t.destination.lastUpdatedAt / 1000,
    },
    description: t.description,
    destinationConfig: t.destinationConfig,
    timeoutConfig: { maxLifetimeTimeoutMinutes: t.maxLifetimeTimeoutMinutes },
    tags: t.tags,
    createdAt: t.createdAt / 1000,
    lastUpdatedAt: t.lastUpdatedAt / 1000,
  };
}

export function summarize(t: TunnelRecord): Record<string, unknown> {
  return {
    tunnelId: t.tunnelId,
    tunnelArn: t.tunnelArn,
    status: t.status,
    description: t.description,
    createdAt: t.createdAt / 1000,
    lastUpdatedAt: t.lastUpdatedAt / 1000,
  };
}
