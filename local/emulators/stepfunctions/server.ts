import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StepFunctionsEmulator } from './index';

/** Serves the emulator on 127.0.0.1 (port 0 = any free port) for SDK clients and the AWS CLI. */
export async function serveStepFunctions(
  emulator: Pick<StepFunctionsEmulator, 'handler'>,
  port = 0,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = createServer((req, res) => void emulator.handler(req, res));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
