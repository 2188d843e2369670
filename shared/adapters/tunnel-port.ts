import {
  CloseTunnelCommand,
  DescribeTunnelCommand,
  type IoTSecureTunnelingClient,
  ListTunnelsCommand,
  OpenTunnelCommand,
  RotateTunnelAccessTokenCommand,
} from '@aws-sdk/client-iotsecuretunneling';
import { TAG_PREFIX } from '../domain/tunnels/tunnel-record';
import type { TunnelFacts, TunnelPort } from '../services/tunnel-ports';

/** How many of the thing's newest tunnels to inspect when looking for one a crash left unrecorded. */
const RECOVERY_SCAN = 5;

/**
 * AWS IoT secure tunneling: OpenTunnel's access tokens are dropped here, and the ids alone go on.
 */
export function secureTunnelPort(tunneling: IoTSecureTunnelingClient): TunnelPort {
  const describe = async (tunnelId: string): Promise<TunnelFacts | undefined> => {
    try {
      const { tunnel } = await tunneling.send(new DescribeTunnelCommand({ tunnelId }));
      if (!tunnel?.tunnelId || !tunnel.tunnelArn) return undefined;
      return {
        tunnelId: tunnel.tunnelId,
        tunnelArn: tunnel.tunnelArn,
        status: tunnel.status === 'OPEN' ? 'OPEN' : 'CLOSED',
        createdAt: tunnel.createdAt?.getTime() ?? 0,
        thingName: tunnel.destinationConfig?.thingName,
        tags: Object.fromEntries((tunnel.tags ?? []).map((t) => [t.key, t.value])),
      };
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };

  return {
    async open(request) {
      const out = await tunneling.send(
        new OpenTunnelCommand({
          description: request.description,
          tags: request.tags,
          destinationConfig: { thingName: request.thingName, services: request.services },
          timeoutConfig: { maxLifetimeTimeoutMinutes: request.lifetimeMinutes },
        }),
      );
      // Only the ids cross this line; sourceAccessToken and destinationAccessToken stay behind.
      if (!out.tunnelId || !out.tunnelArn) throw new Error('OpenTunnel answered without a tunnel id');
      // A failure here keeps the claim OPENING; the redelivered event finds the tunnel by its claim tag.
      const facts = await describe(out.tunnelId);
      if (!facts?.createdAt) throw new Error(`DescribeTunnel does not show tunnel ${out.tunnelId} yet`);
      return { tunnelId: out.tunnelId, tunnelArn: out.tunnelArn, openedAt: facts.createdAt };
    },

    async close(tunnelId) {
      try {
        await tunneling.send(new CloseTunnelCommand({ tunnelId }));
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      }
    },

    describe,

    async findOpenedByClaim(thingName, claimId) {
      const { tunnelSummaries } = await tunneling.send(
        new ListTunnelsCommand({ thingName, maxResults: RECOVERY_SCAN }),
      );
      for (const summary of tunnelSummaries ?? []) {
        if (summary.status !== 'OPEN' || !summary.tunnelId) continue;
        const facts = await describe(summary.tunnelId);
        if (facts?.status === 'OPEN' && facts.tags[`${TAG_PREFIX}claim`] === claimId) {
          return { tunnelId: facts.tunnelId, tunnelArn: facts.tunnelArn, openedAt: facts.createdAt };
        }
      }
      return undefined;
    },

    async issueSourceToken(tunnelId) {
      const out = await tunneling.send(
        new RotateTunnelAccessTokenCommand({ tunnelId, clientMode: 'SOURCE' }),
      );
      if (!out.sourceAccessToken) throw new Error('RotateTunnelAccessToken answered without a source token');
      return out.sourceAccessToken;
    },
  };
}
