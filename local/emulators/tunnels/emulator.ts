import { randomBytes } from 'node:crypto';
import type { Clock } from '../common/clock';
import { randomUUID } from '../common/ids';
import {
  AwsError,
  awsRpcHandler,
  decodeToken,
  encodeToken,
  type Handler,
  type JsonObject,
} from '../common/json-rpc';
import type { FaultInjector, RateLimiter } from '../common/limits';
import {
  describe,
  parseDestinationConfig,
  parseOpenTunnel,
  parseTags,
  summarize,
  TUNNEL_ID,
  TUNNEL_STATUS,
  type TunnelRecord,
} from './model';
import { checkEnum, checkInt, checkString, invalid } from './validation';

/** AWS's documented TPS quotas for secure tunneling (AWS General Reference, "AWS IoT Device Management endpoints and quotas", secure tunneling). */
export const DEFAULT_TUNNEL_TPS: Readonly<Record<string, number>> = {
  OpenTunnel: 1,
  CloseTunnel: 1,
  DescribeTunnel: 10,
  ListTunnels: 10,
  RotateTunnelAccessToken: 10,
};

/** What AWS IoT publishes to the device on `$aws/things/{thing}/tunnels/notify`. */
export interface TunnelNotifyPayload {
  clientAccessToken: string;
  clientMode: 'destination';
  region: string;
  services: string[];
}

export interface TunnelsEmulatorOptions {
  clock: Clock;
  limiter: RateLimiter;
  faults: FaultInjector;
  region?: string;
  accountId?: string;
  /** Open tunnels allowed at once before OpenTunnel answers LimitExceededException (no limit when unset). */
  maxOpenTunnels?: number;
  onDeviceNotify?: (topic: string, payload: TunnelNotifyPayload) => void;
}

export interface TunnelsEmulator {
  handler: Handler;
  /** Closes every tunnel whose max lifetime has passed on the clock. */
  sweep(): void;
  tunnels(): readonly TunnelRecord[];
  /** Every access token ever issued, for leak scans. */
  issuedTokens(): string[];
}

export function createTunnelsEmulator(opts: TunnelsEmulatorOptions): TunnelsEmulator {
  const { clock } = opts;
  const region = opts.region ?? 'us-east-1';
  const accountId = opts.accountId ?? '000000000000';
  const byId = new Map<string, TunnelRecord>();
  const tokens: string[] = [];
  let seq = 0;

  const issue = (): string => {
    const token = `AQGA${randomBytes(48).toString('base64url')}`;
    tokens.push(token);
    return token;
  };

  const notifyDestination = (t: TunnelRecord, token: string): void => {
    const thing = t.destinationConfig?.thingName;
    if (!thing || !opts.onDeviceNotify) return;
    const payload: TunnelNotifyPayload = {
      clientAccessToken: token,
      clientMode: 'destination',
      region,
      services: [...(t.destinationConfig?.services ?? [])],
    };
    opts.onDeviceNotify(`$aws/things/${thing}/tunnels/notify`, payload);
  };

  const sweep = (): void => {
    const now = clock.now();
    for (const t of byId.values()) {
      const deadline = t.createdAt + t.maxLifetimeTimeoutMinutes * 60_000;
      if (t.status === TUNNEL_STATUS.OPEN && now >= deadline) close(t, deadline);
    }
  };

  const close = (t: TunnelRecord, at: number): void => {
    t.status = TUNNEL_STATUS.CLOSED;
    t.lastUpdatedAt = at;
    for (const side of [t.source, t.destination]) {
      if (side.status === 'CONNECTED') side.lastUpdatedAt = at;
      side.status = 'DISCONNECTED';
    }
  };

  const find = (input: JsonObject): TunnelRecord => {
    const id = checkString(input.tunnelId, 'tunnelId', { required: true, pattern: TUNNEL_ID }) ?? '';
    const t = byId.get(id);
    if (!t) throw new AwsError('ResourceNotFoundException', `Tunnel ${id} not found`);
    return t;
  };

  const operations = {
    OpenTunnel(input: JsonObject): JsonObject {
      const req = parseOpenTunnel(input);
      const open = [...byId.values()].filter((t) => t.status === TUNNEL_STATUS.OPEN).length;
      if (opts.maxOpenTunnels !== undefined && open >= opts.maxOpenTunnels) {
        throw new AwsError('LimitExceededException', 'Exceeded the maximum number of open tunnels');
      }
      const now = clock.now();
      const tunnelId = randomUUID();
      const t: TunnelRecord = {
        seq: ++seq,
        tunnelId,
        tunnelArn: `arn:aws:iot:${region}:${accountId}:tunnel/${tunnelId}`,
        status: TUNNEL_STATUS.OPEN,
        ...req,
        createdAt: now,
        lastUpdatedAt: now,
        source: { status: 'DISCONNECTED', lastUpdatedAt: now },
        destination: { status: 'DISCONNECTED', lastUpdatedAt: now },
      };
      byId.set(tunnelId, t);
      const sourceAccessToken = issue();
      const destinationAccessToken = issue();
      notifyDestination(t, destinationAccessToken);
      return { tunnelId, tunnelArn: t.tunnelArn, sourceAccessToken, destinationAccessToken };
    },

    CloseTunnel(input: JsonObject): JsonObject {
      const t = find(input);
      if (t.status === TUNNEL_STATUS.OPEN) close(t, clock.now());
      if (input.delete === true) byId.delete(t.tunnelId);
      return {};
    },

    DescribeTunnel(input: JsonObject): JsonObject {
      return { tunnel: describe(find(input)) };
    },

    ListTunnels(input: JsonObject): JsonObject {
      const thingName = checkString(input.thingName, 'thingName', { min: 1, max: 128 });
      const max = checkInt(input.maxResults, 'maxResults', 1, 100) ?? 100;
      const badToken = () => new AwsError('ValidationException', 'Invalid nextToken');
      const before = decodeToken(input.nextToken, badToken) ?? Number.POSITIVE_INFINITY;
      const matching = [...byId.values()]
        .filter((t) => thingName === undefined || t.destinationConfig?.thingName === thingName)
        .filter((t) => t.seq < before)
        .sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq);
      const page = matching.slice(0, max);
      const last = page.at(-1);
      return {
        tunnelSummaries: page.map(summarize),
        nextToken: matching.length > max && last ? encodeToken(last.seq) : undefined,
      };
    },

    RotateTunnelAccessToken(input: JsonObject): JsonObject {
      const t = find(input);
      const mode = checkEnum(input.clientMode, 'clientMode', ['SOURCE', 'DESTINATION', 'ALL'] as const);
      const destinationConfig = parseDestinationConfig(input.destinationConfig, 'destinationConfig');
      if (mode === 'SOURCE' && destinationConfig) {
        throw invalid('destinationConfig', input.destinationConfig, 'Not allowed when clientMode is SOURCE');
      }
      if (t.status !== TUNNEL_STATUS.OPEN) {
        throw new AwsError('ResourceNotFoundException', `Tunnel ${t.tunnelId} is not open`);
      }
      if (destinationConfig) t.destinationConfig = destinationConfig;
      t.lastUpdatedAt = clock.now();
      const out: JsonObject = { tunnelArn: t.tunnelArn };
      if (mode !== 'DESTINATION') out.sourceAccessToken = issue();
      if (mode !== 'SOURCE') {
        const token = issue();
        out.destinationAccessToken = token;
        notifyDestination(t, token);
      }
      return out;
    },

    TagResource(input: JsonObject): JsonObject {
      const t = byArn(input.resourceArn);
      const tags = parseTags(input.tags, 'tags') ?? [];
      const kept = (t.tags ?? []).filter((old) => !tags.some((n) => n.key === old.key));
      t.tags = [...kept, ...tags];
      return {};
    },

    UntagResource(input: JsonObject): JsonObject {
      const t = byArn(input.resourceArn);
      const keys = Array.isArray(input.tagKeys) ? input.tagKeys : [];
      t.tags = (t.tags ?? []).filter((tag) => !keys.includes(tag.key));
      return {};
    },

    ListTagsForResource(input: JsonObject): JsonObject {
      return { tags: byArn(input.resourceArn).tags };
    },
  };

  const byArn = (arn: unknown): TunnelRecord => {
    const found = [...byId.values()].find((t) => t.tunnelArn === arn);
    if (!found) throw new AwsError('ResourceNotFoundException', `Resource ${String(arn)} not found`);
    return found;
  };

  // AWS serves secure tunneling over AWS JSON 1.1 only. Every operation of the API is emulated with
  // every parameter (the pinned SDK ships no schemas, so there is no model to check members against).
  const handler = awsRpcHandler({
    json: { targetPrefix: 'IoTSecuredTunneling', version: '1.1' },
    operations,
    limiter: opts.limiter,
    faults: opts.faults,
    throttleError: () => new AwsError('ThrottlingException', 'Rate exceeded'),
    serverError: () => new AwsError('InternalFailure', 'Internal failure', 500),
    beforeEach: sweep,
  });

  return {
    handler,
    sweep,
    tunnels: () => [...byId.values()],
    issuedTokens: () => [...tokens],
  };
}
