import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '../emulators/eventbridge/envelope';
import type { LocalQueue, SqsMessage } from '../emulators/sqs/queue';
import type { LocalStack } from '../stack';

export type RedriveResult = {
  /** Messages moved back (to their queue, or replayed on their bus). */
  redriven: number;
  rounds: number;
  /** Virtual seconds spent waiting for crashed attempts' thing leases to run out. */
  waitedSeconds: number;
  /** Parked messages no redrive applies to (e.g. an IoT rule's error action record). */
  notRedrivable: number;
};

const ROUNDS = 3;

/**
 * The runbook's answer to a DLQ alarm, once the run is over: wait until no thing lease is live (a
 * container that died mid-batch leaves its things' leases until they run out, 2 minutes, on the
 * stack's virtual clock), then move every parked message back: a queue's DLQ to
 * its source queue (SQS redrive), an EventBridge event an async invocation gave up on replayed on
 * its bus (as an archive replay does, to every rule). Repeats while redriven messages park again.
 */
export async function redriveParked(
  stack: LocalStack,
  buses: ReadonlySet<string>,
  runUntilIdle: () => Promise<void>,
): Promise<RedriveResult> {
  const result: RedriveResult = { redriven: 0, rounds: 0, waitedSeconds: 0, notRedrivable: 0 };
  const sources = new Map<LocalQueue, LocalQueue>();
  for (const p of stack.pollers) if (p.queue.redrive) sources.set(p.queue.redrive.deadLetter, p.queue);
  const polled = new Set(stack.pollers.map((p) => p.queue));
  const dlqs = stack.services.sqs.queues().filter((q) => !polled.has(q));
  for (let round = 0; round < ROUNDS; round++) {
    if (dlqs.every((q) => q.depth() === 0)) break;
    result.rounds += 1;
    result.waitedSeconds += await waitForLeases(stack);
    let moved = 0;
    result.notRedrivable = 0;
    for (const dlq of dlqs) {
      const parked: SqsMessage[] = [];
      for (let batch = dlq.receive(10); batch.length; batch = dlq.receive(10)) parked.push(...batch);
      for (const m of parked) {
        if (redriveOne(stack, buses, sources.get(dlq), m.body)) {
          dlq.delete(m.receiptHandle);
          moved += 1;
        } else {
          // Left where it is, visible again: still parked.
          dlq.changeVisibility(m.receiptHandle, 0);
          result.notRedrivable += 1;
        }
      }
    }
    result.redriven += moved;
    if (moved === 0) break;
    await runUntilIdle();
  }
  return result;
}

function redriveOne(
  stack: LocalStack,
  buses: ReadonlySet<string>,
  source: LocalQueue | undefined,
  body: string,
): boolean {
  if (source) {
    source.send(body);
    return true;
  }
  let event: EventEnvelope | undefined;
  try {
    event = JSON.parse(body) as EventEnvelope;
  } catch {
    return false;
  }
  if (!event || typeof event.id !== 'string' || typeof event['detail-type'] !== 'string') return false;
  const eb = stack.services.eventBridge;
  const bus = [...buses].find((b) => eb.archive(b).some((e) => e.id === event.id));
  if (!bus) return false;
  stack.router.redeliver(bus, event);
  return true;
}

/** Lets virtual time run until every live thing lease in the state table has run out. */
async function waitForLeases(stack: LocalStack): Promise<number> {
  const docs = DynamoDBDocumentClient.from(new DynamoDBClient(stack.clientConfig('dynamodb')));
  const now = stack.clock.now();
  let latest = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await docs.send(
      new ScanCommand({
        TableName: 'StateTable',
        FilterExpression: 'leaseUntil > :now',
        ExpressionAttributeValues: { ':now': now },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) latest = Math.max(latest, Number(item.leaseUntil));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  if (latest <= now) return 0;
  await stack.runUntilIdle({ until: latest + 1 });
  return Math.round((latest + 1 - now) / 100) / 10;
}
