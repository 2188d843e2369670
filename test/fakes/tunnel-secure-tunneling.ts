import type { OpenedTunnel, OpenRequest, TunnelFacts, TunnelPort } from '../../shared/services/tunnel-ports';
import { awsError, Faults } from './faults';

const MINUTE = 60_000;

/** Marks every access token this fake mints, so a test can search everything written for it. */
export const TOKEN_MARK = 'AQGA-SECRET-TOKEN';

export type FakeTunnel = {
  tunnelId: string;
  tunnelArn: string;
  thingName: string;
  services: string[];
  description: string;
  tags: { key: string; value: string }[];
  createdAt: number;
  lifetimeMinutes: number;
  closedAt?: number;
  sourceToken: string;
  destinationToken: string;
};

/**
 * AWS IoT secure tunneling in memory, behind the port's contract, with AWS's rules:
 * - OpenTunnel validates its input (lifetime 1 to 720 minutes, 1 to 3 services, at most 50 tags,
 *   description up to 2048 characters: ValidationException), refuses beyond `openLimit` open tunnels
 *   (LimitExceededException), mints a source and a destination token (kept here: the port drops
 *   them) and stamps the tunnel with AWS's clock `now`;
 * - a tunnel closes by itself at its max lifetime; CloseTunnel of a closed or unknown tunnel is a
 *   no-op (the port's contract; AWS answers ResourceNotFoundException for an unknown one);
 * - RotateTunnelAccessToken (SOURCE) mints a new source token and invalidates the previous one.
 * Faults: `open` (before AWS does anything), `open:after` (the tunnel is open, then the call fails,
 * as when the adapter's DescribeTunnel fails), `close`, `describe`, `findOpenedByClaim`,
 * `issueSourceToken`.
 */
export class FakeSecureTunneling implements TunnelPort {
  readonly tunnels = new Map<string, FakeTunnel>();
  readonly faults = new Faults();
  readonly calls: string[] = [];
  /** Every token ever minted, for leak checks. */
  readonly minted: string[] = [];
  /** AWS's clock (epoch ms). */
  now = 0;
  openLimit = Number.POSITIVE_INFINITY;
  #seq = 0;

  async open(request: OpenRequest): Promise<OpenedTunnel> {
    this.calls.push(`open:${request.thingName}`);
    this.faults.check('open');
    const invalid =
      request.lifetimeMinutes < 1 ||
      request.lifetimeMinutes > 720 ||
      request.services.length < 1 ||
      request.services.length > 3 ||
      request.tags.length > 50 ||
      request.description.length > 2048;
    if (invalid) throw awsError('ValidationException', 'invalid OpenTunnel request');
    if (this.openTunnels().length >= this.openLimit)
      throw awsError('LimitExceededException', 'open tunnels limit exceeded');
    this.#seq += 1;
    const tunnelId = `tunnel-${this.#seq}`;
    const tunnel: FakeTunnel = {
      tunnelId,
      tunnelArn: `arn:aws:iot:us-east-1:123456789012:tunnel/${tunnelId}`,
      thingName: request.thingName,
      services: [...request.services],
      description: request.description,
      tags: structuredClone(request.tags),
      createdAt: this.now,
      lifetimeMinutes: request.lifetimeMinutes,
      sourceToken: this.#mint('source'),
      destinationToken: this.#mint('destination'),
    };
    this.tunnels.set(tunnelId, tunnel);
    this.faults.check('open:after');
    return { tunnelId, tunnelArn: tunnel.tunnelArn, openedAt: tunnel.createdAt };
  }

  async close(tunnelId: string): Promise<void> {
    this.calls.push(`close:${tunnelId}`);
    this.faults.check('close');
    const tunnel = this.tunnels.get(tunnelId);
    if (tunnel && this.statusOf(tunnel) === 'OPEN') tunnel.closedAt = this.now;
  }

  async describe(tunnelId: string): Promise<TunnelFacts | undefined> {
    this.faults.check('describe');
    const t = this.tunnels.get(tunnelId);
    if (!t) return undefined;
    return {
      tunnelId: t.tunnelId,
      tunnelArn: t.tunnelArn,
      status: this.statusOf(t),
      createdAt: t.createdAt,
      thingName: t.thingName,
      tags: Object.fromEntries(t.tags.map((tag) => [tag.key, tag.value])),
    };
  }

  async findOpenedByClaim(thingName: string, claimId: string): Promise<OpenedTunnel | undefined> {
    this.faults.check('findOpenedByClaim');
    const found = this.openTunnels().find(
      (t) =>
        t.thingName === thingName &&
        t.tags.some((tag) => tag.key === 'fleet-autopilot:claim' && tag.value === claimId),
    );
    return found && { tunnelId: found.tunnelId, tunnelArn: found.tunnelArn, openedAt: found.createdAt };
  }

  async issueSourceToken(tunnelId: string): Promise<string> {
    this.calls.push(`rotate:${tunnelId}`);
    this.faults.check('issueSourceToken');
    const tunnel = this.tunnels.get(tunnelId);
    if (!tunnel) throw awsError('ResourceNotFoundException', `tunnel ${tunnelId} not found`);
    if (this.statusOf(tunnel) !== 'OPEN') throw awsError('InvalidRequestException', 'tunnel is closed');
    tunnel.sourceToken = this.#mint('source');
    return tunnel.sourceToken;
  }

  /** A tunnel someone opened by hand (never through the port), with their own tags. */
  openedByHand(thingName: string, tags: Record<string, string>): string {
    this.#seq += 1;
    const tunnelId = `tunnel-${this.#seq}`;
    this.tunnels.set(tunnelId, {
      tunnelId,
      tunnelArn: `arn:aws:iot:us-east-1:123456789012:tunnel/${tunnelId}`,
      thingName,
      services: ['SSH'],
      description: 'opened by hand',
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      createdAt: this.now,
      lifetimeMinutes: 720,
      sourceToken: this.#mint('source'),
      destinationToken: this.#mint('destination'),
    });
    return tunnelId;
  }

  statusOf(t: FakeTunnel): 'OPEN' | 'CLOSED' {
    return t.closedAt === undefined && this.now < t.createdAt + t.lifetimeMinutes * MINUTE
      ? 'OPEN'
      : 'CLOSED';
  }

  openTunnels(): FakeTunnel[] {
    return [...this.tunnels.values()].filter((t) => this.statusOf(t) === 'OPEN');
  }

  #mint(mode: 'source' | 'destination'): string {
    const token = `${TOKEN_MARK}-${mode}-${this.minted.length + 1}`;
    this.minted.push(token);
    return token;
  }
}
