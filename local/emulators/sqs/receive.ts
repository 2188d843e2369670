import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../../shared/clock';
import type { LocalQueue, SqsMessage } from './queue';

const POLL_MS = 20;

/**
 * Long polling (WaitTimeSeconds > 0): the call returns as soon as a message is visible, or empty once
 * the wait has passed. The wait runs on the stack's clock, capped by the same span of real time so
 * that a client is never held longer than AWS would hold it.
 */
export async function receiveWaiting(
  clock: Clock,
  queue: LocalQueue,
  max: number,
  visibility: number | undefined,
  waitSeconds: number,
): Promise<SqsMessage[]> {
  const first = queue.receive(max, visibility);
  if (first.length > 0 || waitSeconds === 0) return first;
  const until = clock.now() + waitSeconds * 1000;
  const realUntil = performance.now() + waitSeconds * 1000;
  while (clock.now() < until && performance.now() < realUntil) {
    await sleep(POLL_MS);
    const got = queue.receive(max, visibility);
    if (got.length > 0) return got;
  }
  return [];
}
