import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { startSqs } from './sqs-harness';

describe('SQS queues', () => {
  it('returns only the queue attributes asked for (none by default, All for every one)', async () => {
    const { emulator, json } = await startSqs();
    const queue = emulator.createQueue('q', 45);
    queue.send('m');
    const none = await json.send(new GetQueueAttributesCommand({ QueueUrl: queue.url }));
    expect(none.Attributes).toBeUndefined();
    const some = await json.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['VisibilityTimeout'] }),
    );
    expect(some.Attributes).toEqual({ VisibilityTimeout: '45' });
    const all = await json.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }),
    );
    expect(all.Attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
      ApproximateNumberOfMessages: '1',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '345600',
    });
    await expect(
      json.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['Bogus' as never] })),
    ).rejects.toMatchObject({ name: 'InvalidAttributeName' });
  });

  it('creates queues with attributes and refuses the same name with different ones', async () => {
    const { emulator, json } = await startSqs();
    const dlq = await json.send(new CreateQueueCommand({ QueueName: 'dlq' }));
    const redrive = JSON.stringify({ deadLetterTargetArn: emulator.queue('dlq')?.arn, maxReceiveCount: 3 });
    const Attributes = { VisibilityTimeout: '60', DelaySeconds: '5', RedrivePolicy: redrive };
    const created = await json.send(new CreateQueueCommand({ QueueName: 'work', Attributes }));
    expect((await json.send(new CreateQueueCommand({ QueueName: 'work', Attributes }))).QueueUrl).toBe(
      created.QueueUrl,
    );
    expect(emulator.queue('work')).toMatchObject({ visibilityTimeoutSeconds: 60, delaySeconds: 5 });
    expect(emulator.queue('work')?.redrive).toMatchObject({ maxReceiveCount: 3 });
    await expect(json.send(new CreateQueueCommand({ QueueName: 'work' }))).rejects.toMatchObject({
      name: 'QueueNameExists',
      Code: 'QueueAlreadyExists',
    });
    await expect(
      json.send(new CreateQueueCommand({ QueueName: 'x', Attributes: { VisibilityTimeout: '43201' } })),
    ).rejects.toMatchObject({ name: 'InvalidAttributeValue' });
    await expect(
      json.send(new CreateQueueCommand({ QueueName: 'x', Attributes: { Bogus: '1' } as never })),
    ).rejects.toMatchObject({ name: 'InvalidAttributeName' });
    await expect(
      json.send(new CreateQueueCommand({ QueueName: 'x', Attributes: { Policy: '{}' } })),
    ).rejects.toMatchObject({
      name: 'UnsupportedOperation',
      message: expect.stringMatching(/Policy is not emulated/),
    });
    const page = await json.send(new ListQueuesCommand({ QueueNamePrefix: 'w', MaxResults: 1 }));
    expect(page.QueueUrls).toEqual([created.QueueUrl]);
    expect(page.NextToken).toBeUndefined();
    expect(dlq.QueueUrl).toMatch(/\/000000000000\/dlq$/);
  });

  it('validates SendMessage as AWS does', async () => {
    const { emulator, json } = await startSqs();
    const queue = emulator.createQueue('q');
    await expect(
      json.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'm', DelaySeconds: 901 })),
    ).rejects.toMatchObject({ Code: 'InvalidParameterValue' });
    await expect(
      json.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'bell \u0007' })),
    ).rejects.toMatchObject({ name: 'InvalidMessageContents' });
    await expect(
      json.send(
        new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'm', MessageDeduplicationId: 'd' }),
      ),
    ).rejects.toMatchObject({
      name: 'UnsupportedOperation',
      message: expect.stringMatching(/MessageDeduplicationId of SendMessage is not emulated/),
    });
    expect(queue.depth()).toBe(0);
  });

  it('deletes with a stale receipt handle as a no-op, refuses malformed ones, and knows what is in flight', async () => {
    const { emulator, json, clock } = await startSqs();
    const queue = emulator.createQueue('q', 10);
    queue.send('m');
    const first = queue.receive(1)[0]?.receiptHandle ?? '';
    clock.advanceBy(10_000);
    const second = queue.receive(1)[0]?.receiptHandle ?? '';
    // API_DeleteMessage: an older handle "succeeds, but the message might not be deleted".
    await json.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: first }));
    expect(queue.depth()).toBe(1);
    await expect(
      json.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queue.url,
          ReceiptHandle: first,
          VisibilityTimeout: 5,
        }),
      ),
    ).rejects.toMatchObject({ name: 'MessageNotInflight' });
    await expect(
      json.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: 'garbage' })),
    ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid', $metadata: { httpStatusCode: 404 } });
    await json.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: second }));
    expect(queue.depth()).toBe(0);
  });

  it('names an operation it does not emulate', async () => {
    const { emulator, json } = await startSqs();
    const queue = emulator.createQueue('q');
    await expect(json.send(new PurgeQueueCommand({ QueueUrl: queue.url }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringMatching(/^Operation PurgeQueue is not emulated/),
    });
  });
});

describe('SQS over awsQuery (AWS CLI before 2.13, older SDKs)', () => {
  it('serves sends and receives with attributes to a Query client', async () => {
    const { emulator, query } = await startSqs();
    const queue = emulator.createQueue('q');
    const sent = await query.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: 'hello <world>',
        MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
      }),
    );
    expect(sent.MessageId).toEqual(expect.any(String));
    const got = await query.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
      }),
    );
    expect(got.Messages?.[0]).toMatchObject({
      Body: 'hello <world>',
      Attributes: { ApproximateReceiveCount: '1' },
      MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
      MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
    });
  });

  it('answers the wire format the CLI sends, errors included', async () => {
    const { emulator, post } = await startSqs();
    const queue = emulator.createQueue('q');
    const list = await post({ Action: 'ListQueues' });
    expect(list.status).toBe(200);
    expect(await list.text()).toMatch(
      /^<ListQueuesResponse xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/"><ListQueuesResult><QueueUrl>.*\/q<\/QueueUrl><\/ListQueuesResult><ResponseMetadata>/,
    );
    const missing = await post({ Action: 'SendMessage', QueueUrl: `${queue.url}-nope`, MessageBody: 'm' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('<Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
  });
});
