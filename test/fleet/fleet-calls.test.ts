import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, listen, readBody, sendJson } from '../../local/emulators/common/http';
import { DEFAULT_COHORT } from '../../local/fleet/cohorts';
import { DEVICE_CALLS_IN_FLIGHT, VirtualFleet } from '../../local/fleet/devices';
import type { LocalStack } from '../../local/stack';

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
});

describe('VirtualFleet device calls', () => {
  it('keep within their sockets, and a started device reports its outcome before other devices start', async () => {
    const DEVICES = 200;
    // The jobs data plane: answers every UpdateJobExecution, recording the order they arrive in.
    const arrived: string[] = [];
    let holding = 0;
    let peak = 0;
    server = await listen((req, res) => {
      holding += 1;
      peak = Math.max(peak, holding);
      void readBody(req).then((text) => {
        arrived.push(String((JSON.parse(text) as { status?: string }).status));
        setTimeout(() => {
          holding -= 1;
          sendJson(res, 200, { executionState: { status: 'IN_PROGRESS', versionNumber: 1 } });
        }, 5);
      });
    });
    const executions = new Map(
      Array.from({ length: DEVICES }, (_, i) => [
        `dev-${i}`,
        { thingName: `dev-${i}`, executionNumber: 1, status: 'QUEUED' },
      ]),
    );
    const due: Promise<unknown>[] = [];
    // Every device's answer due at once: a big stage on a stack that fell behind.
    const stack = {
      clientConfig: () => ({
        endpoint: server?.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      services: {
        iot: {
          subscribeDevices: () => () => undefined,
          state: {
            things: new Map(),
            jobs: new Map([['job-1', { status: 'IN_PROGRESS', executions, pending: [] }]]),
          },
        },
        eventBridge: { subscribe: () => () => undefined },
      },
      clock: { now: () => 0 },
      timeline: { at: (_t: number, _label: string, run: () => unknown) => due.push(Promise.resolve(run())) },
    } as unknown as LocalStack;
    const fleet = new VirtualFleet(stack, [DEFAULT_COHORT], 1);
    fleet.watchJob('job-1');
    expect(fleet.waiting).toBeGreaterThan(0);
    await Promise.all(due);
    expect(arrived.filter((s) => s === 'IN_PROGRESS')).toHaveLength(DEVICES);
    expect(arrived.filter((s) => s === 'SUCCEEDED')).toHaveLength(DEVICES);
    expect(peak).toBeLessThanOrEqual(DEVICE_CALLS_IN_FLIGHT);
    // Outcomes do not wait behind the starts of every other device.
    const firstOutcome = arrived.indexOf('SUCCEEDED');
    expect(firstOutcome).toBeLessThan(2 * DEVICE_CALLS_IN_FLIGHT);
    expect(fleet.waiting).toBe(0);
  }, 60_000);
});
