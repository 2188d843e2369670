import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, listen, sendJson } from '../../local/emulators/common/http';

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
});

/** Sequential POSTs through one keep-alive agent; answers how many sockets it had to open. */
async function socketsFor(url: string, calls: number): Promise<number> {
  const agent = new Agent({ keepAlive: true });
  const create = agent.createConnection.bind(agent);
  let opened = 0;
  agent.createConnection = ((...args: Parameters<typeof create>) => {
    opened += 1;
    return create(...args);
  }) as typeof agent.createConnection;
  for (let i = 0; i < calls; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end('{}');
    });
  }
  agent.destroy();
  return opened;
}

describe('emulator HTTP servers', () => {
  it('let a keep-alive client (as the SDK is) reuse one connection', async () => {
    server = await listen((req, res) => {
      req.resume();
      req.on('end', () => sendJson(res, 200, {}));
    });
    expect(await socketsFor(server.url, 5)).toBe(1);
  });

  it('close while a client holds an idle kept-alive connection', async () => {
    server = await listen((req, res) => {
      req.resume();
      req.on('end', () => sendJson(res, 200, {}));
    });
    const agent = new Agent({ keepAlive: true });
    let socket: Socket | undefined;
    await new Promise<void>((resolve) => {
      request(server?.url ?? '', { agent }, (res) => {
        socket = res.socket;
        res.resume();
        res.on('end', resolve);
      }).end();
    });
    await server.close();
    server = undefined;
    await new Promise<void>((resolve) => (socket?.destroyed ? resolve() : socket?.once('close', resolve)));
    expect(socket?.destroyed).toBe(true);
    agent.destroy();
  });
});
