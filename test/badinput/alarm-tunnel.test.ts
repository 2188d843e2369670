import { OpenTunnelCommand } from '@aws-sdk/client-iotsecuretunneling';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTunnelHarness } from '../functions/tunnel-harness';
import { lambdaContext } from '../helpers/lambda';
import { hostileThingAlarmCases, malformedAlarmCases } from './cases-alarm';
import { prototypePolluted } from './corpus';

// alarm-tunnel on dynalite: malformed alarm events are audited as rejected input and never retried
// (a retry would fail the same way); alarms naming a hostile thing are refused and audited. No
// tunnel is opened, nothing is claimed in the state table.
let h: Awaited<ReturnType<typeof startTunnelHarness>>;
type Outcome = { result: string; code?: string; reason?: string };
let handler: (event: unknown, context: unknown) => Promise<Outcome>;

beforeAll(async () => {
  h = await startTunnelHarness();
  ({ handler } = (await import('../../functions/alarm-tunnel')) as unknown as { handler: typeof handler });
  h.reset();
});
afterAll(() => h.db.close());

describe('alarm-tunnel: bad input', () => {
  it('audits every malformed alarm event as rejected input and opens nothing', async () => {
    const cases = malformedAlarmCases();
    for (const c of cases) {
      const outcome = await handler(c.value, lambdaContext('alarm-tunnel'));
      expect(outcome.result, c.label).toBe('rejected');
    }
    const rejected = await h.auditFor('INPUT#cloudwatch-alarm');
    expect(rejected.length).toBeGreaterThan(0);
    for (const record of rejected) {
      expect(record).toMatchObject({ action: 'input.rejected', outcome: 'rejected' });
      expect(record.details.issues.length).toBeLessThanOrEqual(21);
      expect(JSON.stringify(record).length).toBeLessThan(20_000);
    }
    expect(h.tunneling.calls()).toHaveLength(0);
    expect(h.iot.calls()).toHaveLength(0);
    expect(h.cloudWatch.calls()).toHaveLength(0);
    const state = await h.docs.send(new ScanCommand({ TableName: 'StateTable' }));
    expect(state.Items ?? []).toEqual([]);
    console.info(`alarm-tunnel: ${cases.length} malformed cases`);
  });

  it('refuses alarms that name a hostile thing, with an audit record, before any AWS call', async () => {
    const cases = hostileThingAlarmCases();
    for (const c of cases) {
      const outcome = await handler(c.value, lambdaContext('alarm-tunnel'));
      expect(outcome, c.label).toMatchObject({ result: 'refused', code: 'no-thing' });
    }
    expect(h.tunneling.commandCalls(OpenTunnelCommand)).toHaveLength(0);
    expect(h.iot.calls()).toHaveLength(0);
    expect(h.cloudWatch.calls()).toHaveLength(0);
    const all = await h.docs.send(new ScanCommand({ TableName: 'AuditTable' }));
    const refusals = (all.Items ?? []).filter((r) => String(r.cause?.id).startsWith('hostile-'));
    expect(refusals).toHaveLength(cases.length);
    expect(prototypePolluted()).toBe(false);
    console.info(`alarm-tunnel: ${cases.length} hostile thing names`);
  });
});
