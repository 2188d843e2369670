import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { md5OfAttributes } from '../../local/emulators/sqs/attributes';
import { startSqs } from './sqs-harness';

// ReceiveMessage as the SQS API reference defines it (API_ReceiveMessage.html).
describe('SQS ReceiveMessage', () => {
  it.each([
    ['MaxNumberOfMessages', 0, 'Must be between 1 and 10, if provided.'],
    ['MaxNumberOfMessages', 11, 'Must be between 1 and 10, if provided.'],
    ['WaitTimeSeconds', 21, 'Must be between 0 and 20, if provided.'],
    ['VisibilityTimeout', 50_000, 'Must be between 0 and 43200, if provided.'],
  ])('refuses %s %i with InvalidParameterValue', async (name, value, reason) => {
    const { emulator, json, post } = await startSqs();
    const queue = emulator.createQueue('q');
    queue.send('m');
    await expect(
      json.send(new ReceiveMessageCommand({ QueueUrl: queue.url, [name]: value })),
    ).rejects.toMatchObject({
      Code: 'InvalidParameterValue',
      message: `Value ${value} for parameter ${name} is invalid. Reason: ${reason}`,
      $metadata: { httpStatusCode: 400 },
    });
    const raw = await post({ Action: 'ReceiveMessage', QueueUrl: queue.url, [name]: String(value) });
    expect(raw.status).toBe(400);
    expect(await raw.text()).toContain('<Code>InvalidParameterValue</Code>');
    expect(queue.visibleCount()).toBe(1);
  });

  it('returns only the system attributes asked for, and none by default', async () => {
    const { emulator, json, clock } = await startSqs();
    const queue = emulator.createQueue('q', 1);
    await json.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'm' }));
    const plain = await json.send(new ReceiveMessageCommand({ QueueUrl: queue.url }));
    expect(plain.Messages?.[0]).not.toHaveProperty('Attributes');
    clock.advanceBy(1000);
    const one = await json.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(one.Messages?.[0]?.Attributes).toEqual({ ApproximateReceiveCount: '2' });
    clock.advanceBy(1000);
    const all = await json.send(new ReceiveMessageCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }));
    expect(all.Messages?.[0]?.Attributes).toEqual({
      SenderId: 'alice',
      SentTimestamp: String(Date.UTC(2026, 0, 1)),
      ApproximateReceiveCount: '3',
      ApproximateFirstReceiveTimestamp: String(Date.UTC(2026, 0, 1)),
    });
    await expect(
      json.send(new ReceiveMessageCommand({ QueueUrl: queue.url, AttributeNames: ['Bogus' as never] })),
    ).rejects.toMatchObject({ name: 'InvalidAttributeName' });
  });

  it('returns only the message attributes asked for (names, All, .* and prefixes), with their MD5', async () => {
    const { emulator, json, clock } = await startSqs();
    const queue = emulator.createQueue('q', 1);
    const attributes = {
      'city.name': { DataType: 'String', StringValue: 'Any City' },
      population: { DataType: 'Number', StringValue: '1250800' },
    };
    const sent = await json.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'm', MessageAttributes: attributes }),
    );
    expect(sent.MD5OfMessageAttributes).toBe(md5OfAttributes(attributes));
    const receive = async (names?: string[]) => {
      clock.advanceBy(1000);
      const out = await json.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MessageAttributeNames: names }),
      );
      return out.Messages?.[0];
    };
    expect(await receive()).not.toHaveProperty('MessageAttributes');
    const population = await receive(['population']);
    expect(population?.MessageAttributes).toEqual({ population: attributes.population });
    expect(population?.MD5OfMessageAttributes).toBe(md5OfAttributes({ population: attributes.population }));
    expect(Object.keys((await receive(['city.*']))?.MessageAttributes ?? {})).toEqual(['city.name']);
    expect((await receive(['All']))?.MessageAttributes).toEqual(attributes);
    expect((await receive(['.*']))?.MessageAttributes).toEqual(attributes);
  });

  it('omits the message list when nothing is available (the JSON body is empty)', async () => {
    const { emulator, url } = await startSqs();
    const queue = emulator.createQueue('q');
    const raw = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ReceiveMessage' },
      body: JSON.stringify({ QueueUrl: queue.url }),
    });
    expect(await raw.json()).toEqual({});
  });

  it('long-polls: WaitTimeSeconds holds the call until a message arrives or the wait passes', async () => {
    const { emulator, json, clock } = await startSqs();
    const queue = emulator.createQueue('q');
    const waiting = json.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 50));
    queue.send('late');
    expect((await waiting).Messages?.map((m) => m.Body)).toEqual(['late']);
    const empty = json.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 5 }));
    await new Promise((r) => setTimeout(r, 50));
    clock.advanceBy(5000);
    expect((await empty).Messages).toBeUndefined();
  });

  it('computes MD5OfMessageAttributes as the SQS developer guide defines it', () => {
    // Reference digests published with open-source SQS implementations (localstack, sqslite).
    expect(md5OfAttributes({ timestamp: { DataType: 'Number', StringValue: '1493147359900' } })).toBe(
      '235c5c510d26fb653d073faed50ae77c',
    );
    expect(
      md5OfAttributes({
        ordinal: { DataType: 'Number', StringValue: '1' },
        category: { DataType: 'String', StringValue: 'test' },
      }),
    ).toBe('d21ae90c49061e927f57df5f5d72be1f');
  });
});
