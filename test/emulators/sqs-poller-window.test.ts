import { beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { LocalQueue } from '../../local/emulators/sqs/queue';
import type { FunctionHost } from '../../local/runtime/function-host';
import { SqsPoller } from '../../local/runtime/sqs-poller';

// Lambda's SQS event source mapping with MaximumBatchingWindowInSeconds: records are gathered until a
// full batch is there or the window (opened by the first visible record) runs out.
let clock: VirtualClock;
let queue: LocalQueue;
let batches: number[];
const pending: Promise<unknown>[] = [];

function poller(batchingWindowMs: number, batchSize = 5, maxConcurrency = 1) {
  const host = {
    invoke: async (_name: string, event: { Records: unknown[] }) => {
      batches.push(event.Records.length);
      return { ok: true, result: { batchItemFailures: [] } };
    },
  } as unknown as FunctionHost;
  const settings = {
    batchSize,
    batchingWindowMs,
    maxConcurrency,
    reportBatchItemFailures: true,
    region: 'us-east-1',
  };
  return new SqsPoller(
    queue,
    'fn',
    host,
    settings,
    (work) => pending.push(work),
    () => clock.now(),
  );
}
const settle = () => Promise.all(pending.splice(0));

beforeEach(() => {
  clock = new VirtualClock(Date.UTC(2026, 0, 1));
  queue = new LocalQueue('q', 'http://q', 'arn:aws:sqs:us-east-1:000000000000:q', clock, 30);
  batches = [];
});

describe('SqsPoller batching window', () => {
  it('without a window invokes as soon as one record is visible', async () => {
    const p = poller(0);
    queue.send('a');
    expect(p.canStart()).toBe(true);
    expect(p.poll()).toBe(true);
    await settle();
    expect(batches).toEqual([1]);
    expect(p.windowEnd()).toBeUndefined();
  });

  it('gathers for the window from the first record seen, then invokes with what is there', async () => {
    const p = poller(1000);
    queue.send('a');
    expect(p.poll()).toBe(false);
    expect(p.windowEnd()).toBe(clock.now() + 1000);
    clock.advanceBy(600);
    queue.send('b');
    expect(p.canStart()).toBe(false);
    expect(p.windowEnd()).toBe(clock.now() + 400); // the window does not restart
    clock.advanceBy(400);
    expect(p.canStart()).toBe(true);
    expect(p.poll()).toBe(true);
    await settle();
    expect(batches).toEqual([2]);
    expect(p.windowEnd()).toBeUndefined();
    // The next record opens a new window.
    queue.send('c');
    expect(p.poll()).toBe(false);
    expect(p.windowEnd()).toBe(clock.now() + 1000);
  });

  it('invokes at once when a full batch is there, and gathers the remainder anew', async () => {
    const p = poller(1000, 5);
    for (let i = 0; i < 7; i++) queue.send(`m${i}`);
    expect(p.poll()).toBe(true);
    await settle();
    expect(batches).toEqual([5]);
    expect(p.poll()).toBe(false);
    clock.advanceBy(1000);
    expect(p.poll()).toBe(true);
    await settle();
    expect(batches).toEqual([5, 2]);
  });

  it('opens the window while every slot is busy, and invokes as soon as a slot frees after it', async () => {
    const p = poller(1000, 5, 1);
    queue.send('a');
    expect(p.poll()).toBe(false);
    clock.advanceBy(1000);
    expect(p.poll()).toBe(true); // the only slot is taken until the invocation settles
    queue.send('b');
    expect(p.canStart()).toBe(false);
    expect(p.windowEnd()).toBe(clock.now() + 1000);
    clock.advanceBy(1000);
    await settle();
    expect(p.canStart()).toBe(true);
    expect(p.poll()).toBe(true);
    await settle();
    expect(batches).toEqual([1, 1]);
  });

  it('closes an open window when the records it waited for are gone', () => {
    const p = poller(1000);
    queue.send('a');
    expect(p.poll()).toBe(false);
    expect(queue.receive(1)).toHaveLength(1); // taken by another consumer
    expect(p.canStart()).toBe(false);
    expect(p.windowEnd()).toBeUndefined();
  });
});
