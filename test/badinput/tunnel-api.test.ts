import { CloseTunnelCommand, RotateTunnelAccessTokenCommand } from '@aws-sdk/client-iotsecuretunneling';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTunnelHarness } from '../functions/tunnel-harness';
import { lambdaContext } from '../helpers/lambda';
import { tunnelApiCases } from './cases-http';

// tunnel-api on dynalite: every bad request gets a 4xx; no token is rotated, nothing is closed or written.
let h: Awaited<ReturnType<typeof startTunnelHarness>>;
type Response = { statusCode: number; body: string };
let api: (event: unknown, context: unknown) => Promise<Response>;

beforeAll(async () => {
  h = await startTunnelHarness();
  ({ handler: api } = (await import('../../functions/tunnel-api')) as unknown as { handler: typeof api });
  h.reset();
});
afterAll(() => h.db.close());

describe('tunnel-api: bad requests', () => {
  it('answers every bad request with a 4xx and changes nothing', async () => {
    const cases = tunnelApiCases();
    for (const c of cases) {
      const response = await api(c.event, lambdaContext('tunnel-api'));
      expect(c.status, `${c.label}: ${response.statusCode} ${response.body}`).toContain(response.statusCode);
      expect(JSON.parse(response.body).message, c.label).toEqual(expect.any(String));
    }
    expect(h.tunneling.commandCalls(RotateTunnelAccessTokenCommand)).toHaveLength(0);
    expect(h.tunneling.commandCalls(CloseTunnelCommand)).toHaveLength(0);
    for (const table of ['AuditTable', 'StateTable']) {
      expect((await h.docs.send(new ScanCommand({ TableName: table }))).Items ?? [], table).toEqual([]);
    }
    console.info(`tunnel-api: ${cases.length} bad requests`);
  });
});
