import { beforeEach, describe, expect, it } from 'vitest';
import { RECORD_STATUS } from '../../../shared/domain/tunnels/tunnel-record';
import { handleAlarmEvent } from '../../../shared/services/tunnel-alarm';
import { closeManagedTunnel } from '../../../shared/services/tunnel-effects';
import { closeByOperator, issueSourceToken } from '../../../shared/services/tunnel-operator';
import { TOKEN_MARK } from '../../fakes/tunnel-secure-tunneling';
import { ADMIN, MINUTE, T0, type TunnelWorld, tunnelWorld } from '../../fakes/tunnel-world';

// What every tunnel decision leaves behind: records before announcements, and never a token.
let w: TunnelWorld;
let name: string;

beforeEach(async () => {
  w = tunnelWorld();
  name = w.alarmOn('pump-1');
  await w.enrol(name, 'pump-1');
  w.cloudWatch.setState(name, 'ALARM', T0);
});

describe('tunnel effects', () => {
  it('announces an opening in order: audit record, then TunnelOpened, then the page', async () => {
    const order: string[] = [];
    const deps = {
      ...w.deps,
      audit: async (input: Parameters<typeof w.deps.audit>[0]) => {
        order.push(input.action);
        return w.deps.audit(input);
      },
      publish: async (events: Parameters<typeof w.deps.publish>[0]) => {
        order.push(...events.map((e) => e.detailType));
        return w.deps.publish(events);
      },
      notify: async (notice: Parameters<typeof w.deps.notify>[0]) => {
        order.push('page');
        return w.deps.notify(notice);
      },
    };

    await handleAlarmEvent(w.emit(name), deps);

    expect(order).toEqual(['tunnel.opened', 'TunnelOpened', 'page']);
  });

  it('never writes, publishes, pages or returns a token, from opening to token to close', async () => {
    const outcomes: unknown[] = [];
    outcomes.push(await handleAlarmEvent(w.emit(name), w.deps));
    const request = { tunnelId: 'tunnel-1', ...w.caller(ADMIN, T0 + MINUTE) };
    const issued = await issueSourceToken(w.deps, request);
    outcomes.push(await closeByOperator(w.deps, { ...request, requestId: 'req-close' }));

    expect(issued).toMatchObject({ token: expect.stringContaining(TOKEN_MARK) });
    expect(w.tunnels.minted.length).toBeGreaterThanOrEqual(3);
    expect(w.written()).not.toContain(TOKEN_MARK);
    expect(JSON.stringify(outcomes)).not.toContain(TOKEN_MARK);
  });

  it('closes a managed tunnel that is not in our record without touching the record or its slot', async () => {
    await handleAlarmEvent(w.emit(name), w.deps);
    const record = await w.deps.store.get('pump-1');
    const stray = w.tunnels.openedByHand('pump-1', { managedBy: 'fleet-autopilot' });

    await closeManagedTunnel(
      'pump-1',
      { tunnelId: stray },
      record,
      { actor: ADMIN, cause: { type: 'api-request', id: 'req-stray' }, at: T0 + MINUTE, via: 'operator' },
      w.deps,
    );

    expect(w.tunnels.openTunnels().map((t) => t.tunnelId)).toEqual(['tunnel-1']);
    expect(w.store.records.get('pump-1')?.status).toBe(RECORD_STATUS.OPEN);
    expect(Object.keys(w.store.slots)).toEqual(['pump-1']);
    expect(w.audit.records.find((r) => r.action === 'tunnel.closed')).toMatchObject({
      details: { tunnelId: stray, via: 'operator' },
    });
  });
});
