import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { LocalQueue } from '../../local/emulators/sqs/queue';

// Found by the chaos runs: with many messages invisible until the same instant, the heap could surface
// a stale entry (a message deleted meanwhile) after a live one, and the queue delivered it again.
describe('LocalQueue visibility with equal deadlines', () => {
  it('returns only the messages still in flight when their shared visibility timeout ends', () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const queue = new LocalQueue('q', 'http://q', 'arn:aws:sqs:us-east-1:000000000000:q', clock, 30);
    for (let i = 0; i < 50; i++) queue.send(`m${i}`);
    const received = queue.receive(50);
    received.forEach((m, i) => {
      if (i % 2 === 0) queue.delete(m.receiptHandle);
    });
    clock.advanceBy(30_000);
    expect(queue.visibleCount()).toBe(25);
    const again = queue.receive(50);
    expect(again.map((m) => m.body).sort()).toEqual(
      received
        .filter((_, i) => i % 2 === 1)
        .map((m) => m.body)
        .sort(),
    );
    again.forEach((m) => {
      queue.delete(m.receiptHandle);
    });
    expect(queue.deleted).toBe(50);
    expect(queue.depth()).toBe(0);
  });
});
