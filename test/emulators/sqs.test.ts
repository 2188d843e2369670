import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { listen } from '../../local/emulators/common/http';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import { createSqsEmulator } from '../../local/emulators/sqs/emulator';

const clock = new VirtualClock(Date.UTC(2026, 0, 1));
let url = '';
const sqsEmu = createSqsEmulator({
  clock,
  limiter: new RateLimiter(clock, {}),
  faults: new FaultInjector(seededRandom(1)),
  baseUrl: () => url,
});
let server: Awaited<ReturnType<typeof listen>>;
let client: SQSClient;

beforeAll(async () => {
  server = await listen(sqsEmu.handler);
  url = server.url;
  client = new SQSClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});
afterAll(() => server.close());

describe('local SQS', () => {
  it('hides a received message for the visibility timeout, then delivers it again with a higher receive count', async () => {
    const queue = sqsEmu.createQueue('q1', 30);
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'hello' }));
    const first = await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url }));
    expect(first.Messages?.[0]?.Body).toBe('hello');
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages ?? []).toEqual(
      [],
    );
    clock.advanceBy(30_000);
    const again = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('stretches invisibility with ChangeMessageVisibility (the handlers back-off)', async () => {
    const queue = sqsEmu.createQueue('q2', 30);
    queue.send('m');
    const [message] = queue.receive(1);
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queue.url,
        ReceiptHandle: message?.receiptHandle,
        VisibilityTimeout: 120,
      }),
    );
    clock.advanceBy(60_000);
    expect(queue.receive(1)).toEqual([]);
    clock.advanceBy(60_000);
    expect(queue.receive(1)).toHaveLength(1);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', () => {
    const dlq = sqsEmu.createQueue('q3-dlq');
    const queue = sqsEmu.createQueue('q3', 10);
    queue.redrive = { deadLetter: dlq, maxReceiveCount: 2 };
    queue.send('poison');
    for (let i = 0; i < 2; i++) {
      expect(queue.receive(1)).toHaveLength(1);
      clock.advanceBy(10_000);
    }
    expect(queue.receive(1)).toEqual([]);
    expect(dlq.bodies()).toEqual(['poison']);
    expect(queue.depth()).toBe(0);
  });

  it('answers QueueDoesNotExist for an unknown queue', async () => {
    await expect(
      client.send(new SendMessageCommand({ QueueUrl: `${url}/000000000000/nope`, MessageBody: 'x' })),
    ).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
  });
});
