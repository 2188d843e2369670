import net from 'node:net';

// The unit lane opens no socket: no server, no connection (an SDK client left without a fake would
// try the network). A test that needs one belongs in the integration lane (vitest.config.ts).
function refuse(): never {
  throw new Error('a unit test opened a socket: move it to the integration lane (vitest.config.ts)');
}
net.Socket.prototype.connect = refuse as never;
net.Server.prototype.listen = refuse as never;
