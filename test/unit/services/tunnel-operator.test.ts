import { beforeEach, describe, expect, it } from 'vitest';
import { handleAlarmEvent } from '../../../shared/services/tunnel-alarm';
import { closeByOperator, issueSourceToken, listOpenTunnels } from '../../../shared/services/tunnel-operator';
import { TOKEN_MARK } from '../../fakes/tunnel-secure-tunneling';
import { MINUTE, T0, type TunnelWorld, tunnelWorld } from '../../fakes/tunnel-world';

// The operator API's services: a source token for one operator, a list of the tunnels the
// automation has open, and a close. Only tunnels the automation opened are handled.
const ALICE = 'arn:aws:iam::123456789012:user/alice';
let w: TunnelWorld;

const at = (minutes: number) => T0 + minutes * MINUTE;
const request = (tunnelId: string, minutes = 5) => ({ tunnelId, ...w.caller(ALICE, at(minutes)) });

/** pump-1's enrolled alarm fired at T0 and opened tunnel-1. */
beforeEach(async () => {
  w = tunnelWorld();
  const name = w.alarmOn('pump-1');
  await w.enrol(name, 'pump-1');
  w.cloudWatch.setState(name, 'ALARM', at(0));
  await handleAlarmEvent(w.emit(name), w.deps);
  w.at(at(5));
});

describe('issueSourceToken()', () => {
  it('hands a fresh source token to the caller', async () => {
    const result = await issueSourceToken(w.deps, request('tunnel-1'));

    expect(result).toEqual({
      ok: true,
      thingName: 'pump-1',
      token: w.tunnels.tunnels.get('tunnel-1')?.sourceToken,
    });
    expect(result).toMatchObject({ token: expect.stringContaining(TOKEN_MARK) });
  });

  it('audits the issue with the principal and never the token', async () => {
    await issueSourceToken(w.deps, request('tunnel-1'));

    expect(w.audit.records.find((r) => r.action === 'tunnel.token.issued')).toMatchObject({
      actor: ALICE,
      at: at(5),
      details: { tunnelId: 'tunnel-1', thingName: 'pump-1', clientMode: 'SOURCE' },
    });
    expect(w.written()).not.toContain(TOKEN_MARK);
  });

  it('hands out no token when its audit record cannot be written', async () => {
    w.audit.faults.inject('write', new Error('audit table unavailable'));

    const attempt = issueSourceToken(w.deps, request('tunnel-1'));

    await expect(attempt).rejects.toThrow('audit table unavailable');
  });

  it('refuses a tunnel a person opened (not tagged as ours) with 403, rotating nothing', async () => {
    const theirs = w.tunnels.openedByHand('pump-1', { owner: 'bob' });

    const result = await issueSourceToken(w.deps, request(theirs));

    expect(result).toMatchObject({ ok: false, status: 403 });
    expect(w.tunnels.calls).not.toContain(`rotate:${theirs}`);
  });

  it('refuses an unknown tunnel with 404', async () => {
    const result = await issueSourceToken(w.deps, request('tunnel-404'));

    expect(result).toMatchObject({ ok: false, status: 404 });
  });

  it('refuses a closed tunnel with 409', async () => {
    w.at(at(61)); // AWS closed it at its max lifetime

    const result = await issueSourceToken(w.deps, request('tunnel-1', 61));

    expect(result).toMatchObject({ ok: false, status: 409 });
  });
});

describe('listOpenTunnels()', () => {
  it('lists the open tunnels from its own records, with the token command', async () => {
    const list = await listOpenTunnels(w.deps, at(5));

    expect(list).toEqual([
      {
        tunnelId: 'tunnel-1',
        thingName: 'pump-1',
        alarmName: 'fleet-tunnel-pump-1',
        services: ['SSH'],
        openedAt: new Date(at(0)).toISOString(),
        expiresAt: new Date(at(60)).toISOString(),
        tokenCommand: 'npx fleet tunnel token tunnel-1',
      },
    ]);
  });

  it('leaves out tunnels a person opened and tunnels past their lifetime', async () => {
    w.tunnels.openedByHand('pump-2', { owner: 'bob' });

    const list = await listOpenTunnels(w.deps, at(61));

    expect(list).toEqual([]);
  });
});

describe('closeByOperator()', () => {
  it('closes the tunnel, marks the record closed by the principal and frees the slot', async () => {
    const result = await closeByOperator(w.deps, request('tunnel-1'));

    expect(result).toMatchObject({ ok: true, thingName: 'pump-1', auditId: expect.any(String) });
    expect(w.tunnels.openTunnels()).toEqual([]);
    expect(w.store.records.get('pump-1')).toMatchObject({ status: 'CLOSED', closedBy: ALICE });
    expect(await listOpenTunnels(w.deps, at(5))).toEqual([]);
  });

  it('audits the close with the principal, via the operator API', async () => {
    await closeByOperator(w.deps, request('tunnel-1'));

    expect(w.audit.records.find((r) => r.action === 'tunnel.closed')).toMatchObject({
      actor: ALICE,
      cause: { type: 'api-request' },
      details: { via: 'operator', tunnelId: 'tunnel-1' },
    });
  });

  it("refuses a person's own tunnel with 403 and leaves it open", async () => {
    const theirs = w.tunnels.openedByHand('pump-1', { owner: 'bob' });

    const result = await closeByOperator(w.deps, request(theirs));

    expect(result).toMatchObject({ ok: false, status: 403 });
    expect(w.tunnels.openTunnels().map((t) => t.tunnelId)).toContain(theirs);
  });
});
