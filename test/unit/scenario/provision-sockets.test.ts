import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, listen, readBody, sendJson } from '../../../local/emulators/common/http';
import type { Device } from '../../../local/fleet/population';
import { provision } from '../../../local/scenario/provision';
import type { LocalStack } from '../../../local/stack';

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
});

describe('provision', () => {
  it("keeps its CreateThing calls within the sockets it has, so none queue in the SDK's agent", async () => {
    // An IoT endpoint that holds its calls until 100 wait (or a second passed), then answers them
    // all: its peak is how many calls reached it at once.
    let held: (() => void)[] = [];
    let peak = 0;
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      const answers = held;
      held = [];
      for (const answer of answers) answer();
    };
    server = await listen((req, res) => {
      void readBody(req).then((text) => {
        const { thingName } = JSON.parse(text || '{}') as { thingName?: string };
        const name = thingName ?? decodeURIComponent(req.url?.split('/').pop() ?? '');
        held.push(() =>
          sendJson(res, 200, {
            thingName: name,
            thingArn: `arn:aws:iot:us-east-1:0:thing/${name}`,
            thingId: name,
          }),
        );
        peak = Math.max(peak, held.length);
        if (held.length >= 100) flush();
        else timer ??= setTimeout(flush, 1000);
      });
    });
    // Every batch due at once: the worst case, a stack whose clock ran far ahead of its answers.
    const stack = {
      clientConfig: () => ({
        endpoint: server?.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      services: { iot: { state: { thingTypes: new Map() } } },
      clock: { now: () => 0 },
      timeline: { at: (_t: number, _label: string, run: () => unknown) => void run() },
    } as unknown as LocalStack;
    const devices: Device[] = Array.from({ length: 600 }, (_, i) => ({
      thingName: `dev-${i}`,
      attributes: { site: 'plant-1' },
    }));
    const result = await provision(stack, devices, 100);
    expect(result).toMatchObject({ created: 600, failed: 0 });
    // A batch of 100 in flight, every one of them on a socket (the SDK's default agent holds 50
    // and queues the rest; with 600 calls at once it queued 550 and warned).
    expect(peak).toBe(100);
  }, 60_000);
});
