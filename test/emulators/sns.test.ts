import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListTopicsCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { listen } from '../../local/emulators/common/http';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import { createSnsEmulator } from '../../local/emulators/sns/emulator';

const clock = new VirtualClock();
const sns = createSnsEmulator({
  clock,
  limiter: new RateLimiter(clock, {}),
  faults: new FaultInjector(seededRandom(1)),
});
const OPS = sns.createTopic('arn:aws:sns:us-east-1:000000000000:ops');
const MISSING = 'arn:aws:sns:us-east-1:000000000000:nobody-created-this';
let server: Awaited<ReturnType<typeof listen>>;
let client: SNSClient;

/** A form POST exactly as the AWS CLI and SDKs send awsQuery requests. */
const post = (form: Record<string, string>) =>
  fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams({ Version: '2010-03-31', ...form }).toString(),
  });

beforeAll(async () => {
  server = await listen(sns.handler);
  client = new SNSClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});
afterAll(() => server.close());

describe('local SNS', () => {
  it('records published messages and answers with a message id', async () => {
    const out = await client.send(
      new PublishCommand({ TopicArn: OPS, Subject: 'Rollout halted', Message: 'm' }),
    );
    expect(out.MessageId).toBe(sns.messages.at(-1)?.messageId);
    expect(sns.messages.at(-1)).toMatchObject({ subject: 'Rollout halted', message: 'm', topicArn: OPS });
  });

  it('answers Publish to a topic that does not exist with NotFound (404), as AWS does', async () => {
    const before = sns.messages.length;
    await expect(client.send(new PublishCommand({ TopicArn: MISSING, Message: 'm' }))).rejects.toMatchObject({
      name: 'NotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    const raw = await post({ Action: 'Publish', TopicArn: MISSING, Message: 'm' });
    expect(raw.status).toBe(404);
    const xml = await raw.text();
    expect(xml).toMatch(/^<ErrorResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/">/);
    expect(xml).toContain(
      '<Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message>',
    );
    expect(sns.messages).toHaveLength(before);
  });

  it('answers a malformed topic ARN and a bad subject with InvalidParameter', async () => {
    await expect(client.send(new PublishCommand({ TopicArn: 'nope', Message: 'm' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(
      client.send(new PublishCommand({ TopicArn: OPS, Message: 'm', Subject: 'x'.repeat(101) })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', message: 'Invalid parameter: Subject' });
  });

  it('records message attributes and refuses what it does not emulate, naming it', async () => {
    const MessageAttributes = { rolloutId: { DataType: 'String', StringValue: 'r1' } };
    await client.send(new PublishCommand({ TopicArn: OPS, Message: 'm', MessageAttributes }));
    expect(sns.messages.at(-1)?.attributes).toEqual(MessageAttributes);
    await expect(
      client.send(
        new PublishCommand({ TopicArn: OPS, Message: '{"default":"m"}', MessageStructure: 'json' }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(/MessageStructure of Publish is not emulated/),
    });
    const raw = await post({ Action: 'Subscribe', TopicArn: OPS, Protocol: 'email', Endpoint: 'a@b.c' });
    expect(raw.status).toBe(400);
    expect(await raw.text()).toMatch(
      /<Code>InvalidAction<\/Code><Message>Operation Subscribe is not emulated/,
    );
  });

  it('creates topics idempotently and lists them', async () => {
    const first = await client.send(
      new CreateTopicCommand({ Name: 'alerts', Attributes: { DisplayName: 'A' } }),
    );
    const again = await client.send(
      new CreateTopicCommand({ Name: 'alerts', Attributes: { DisplayName: 'A' } }),
    );
    expect(again.TopicArn).toBe(first.TopicArn);
    await expect(
      client.send(new CreateTopicCommand({ Name: 'alerts', Attributes: { DisplayName: 'B' } })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const listed = await client.send(new ListTopicsCommand({}));
    expect(listed.Topics?.map((t) => t.TopicArn)).toEqual([first.TopicArn, OPS]);
    const attrs = await client.send(new GetTopicAttributesCommand({ TopicArn: first.TopicArn }));
    expect(attrs.Attributes).toMatchObject({
      DisplayName: 'A',
      TopicArn: first.TopicArn,
      Owner: '000000000000',
    });
  });
});
