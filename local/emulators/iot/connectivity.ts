import { refreshThing } from './dynamic-membership';
import type { IotContext } from './model';

/**
 * What a device's MQTT connect and disconnect leave behind, the local stack having no MQTT broker:
 * the connectivity the index and GetThingConnectivityData report (by client id = thing name, the only
 * case fleet indexing links a connection to a thing), and the lifecycle events AWS IoT publishes on
 * `$aws/events/presence/...` (Lifecycle events guide; always published, no event configuration).
 */
export function setConnected(
  ctx: IotContext,
  clientId: string,
  connected: boolean,
  disconnectReason = 'CLIENT_INITIATED_DISCONNECT',
): void {
  const previous = ctx.state.connectivity.get(clientId);
  if (previous?.connected === connected) return;
  const timestamp = ctx.clock.now();
  const version = (previous?.version ?? 0) + 1;
  ctx.state.connectivity.set(clientId, {
    connected,
    timestamp,
    version,
    ...(connected ? {} : { disconnectReason }),
  });
  ctx.lifecycle(`$aws/events/presence/${connected ? 'connected' : 'disconnected'}/${clientId}`, {
    clientId,
    timestamp,
    eventType: connected ? 'connected' : 'disconnected',
    sessionIdentifier: ctx.newId(),
    principalIdentifier: `${ctx.accountId}:${clientId}`,
    versionNumber: version,
    ...(connected
      ? {}
      : { clientInitiatedDisconnect: disconnectReason === 'CLIENT_INITIATED_DISCONNECT', disconnectReason }),
  });
  refreshThing(ctx, clientId);
}
