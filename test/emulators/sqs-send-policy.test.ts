import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessControl } from '../../local/emulators/common/access-control';
import { VirtualClock } from '../../local/emulators/common/clock';
import { listen } from '../../local/emulators/common/http';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { PrincipalDirectory, roleSession, servicePrincipal } from '../../local/emulators/common/principals';
import { seededRandom } from '../../local/emulators/common/random';
import { createSqsEmulator } from '../../local/emulators/sqs/emulator';

// SendMessage / SendMessageBatch as Amazon SQS answers them, and held to the queue's policy.
const ACCOUNT = '000000000000';
const clock = new VirtualClock(Date.UTC(2026, 0, 1));
let url = '';
const sqs = createSqsEmulator({
  clock,
  limiter: new RateLimiter(clock, {}),
  faults: new FaultInjector(seededRandom(1)),
  baseUrl: () => url,
});
let server: Awaited<ReturnType<typeof listen>>;
const client = (accessKeyId = 'x') =>
  new SQSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'x' } });

const RULE = `arn:aws:events:us-east-1:${ACCOUNT}:rule/r`;
beforeAll(async () => {
  server = await listen(sqs.handler);
  url = server.url;
  const guarded = sqs.createQueue('guarded');
  const access = new AccessControl(new PrincipalDirectory(ACCOUNT, ['Sender']));
  access.attach(guarded.arn, {
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: guarded.arn,
        Condition: { ArnEquals: { 'aws:SourceArn': RULE } },
      },
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:SendMessage',
        Resource: guarded.arn,
        Condition: {
          ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Sender` },
          Bool: { 'aws:PrincipalIsAWSService': 'false' },
        },
      },
    ],
  });
  sqs.useAccessControl(access);
});
afterAll(() => server.close());

describe('local SQS: SendMessageBatch', () => {
  it('sends every entry and answers each with its id, message id and body digest', async () => {
    const queue = sqs.createQueue('batch');
    const out = await client().send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two', DelaySeconds: 5 },
        ],
      }),
    );
    expect(out.Successful?.map((e) => e.Id)).toEqual(['a', 'b']);
    expect(out.Successful?.[0]?.MD5OfMessageBody).toBe('f97c5d29941bfb1b2fdab0874906ab82');
    expect(out.Failed ?? []).toEqual([]);
    const now = await client().send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10 }),
    );
    expect(now.Messages?.map((m) => m.Body)).toEqual(['one']);
  });

  it.each([
    ['no entries', [], 'EmptyBatchRequest'],
    [
      '11 entries',
      Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' })),
      'TooManyEntriesInBatchRequest',
    ],
    [
      'two entries with one id',
      [
        { Id: 'a', MessageBody: 'x' },
        { Id: 'a', MessageBody: 'y' },
      ],
      'BatchEntryIdsNotDistinct',
    ],
    ['an id with a dot', [{ Id: 'a.b', MessageBody: 'x' }], 'InvalidBatchEntryId'],
    [
      '257 KiB in all',
      [
        { Id: 'a', MessageBody: 'x'.repeat(131_072) },
        { Id: 'b', MessageBody: 'x'.repeat(131_073) },
      ],
      'BatchRequestTooLong',
    ],
  ])('refuses %s with %s and sends nothing', async (_, entries, code) => {
    const queue = sqs.createQueue(`refused-${code}`);
    await expect(
      client().send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries })),
    ).rejects.toMatchObject({
      name: code,
      $metadata: { httpStatusCode: 400 },
    });
    expect(queue.sent).toBe(0);
  });
});

describe('local SQS: queue policies', () => {
  it('refuses SendMessage and SendMessageBatch to a caller an explicit deny names (AccessDenied, 403)', async () => {
    const queue = sqs.queue('guarded');
    for (const command of [
      new SendMessageCommand({ QueueUrl: queue?.url, MessageBody: 'x' }),
      new SendMessageBatchCommand({ QueueUrl: queue?.url, Entries: [{ Id: 'a', MessageBody: 'x' }] }),
    ]) {
      await expect(client('mallory').send(command as SendMessageCommand)).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
    }
    expect(queue?.sent).toBe(0);
    await client('Sender').send(new SendMessageCommand({ QueueUrl: queue?.url, MessageBody: 'ok' }));
    expect(queue?.sent).toBe(1);
  });

  it("holds AWS's own deliveries (sendAs) to the same policy", () => {
    const queue = sqs.queue('guarded');
    const sent = queue?.sent ?? 0;
    expect(sqs.sendAs(servicePrincipal('events.amazonaws.com', RULE), 'guarded', 'ok')).toBe(true);
    expect(sqs.sendAs(servicePrincipal('events.amazonaws.com', `${RULE}2`), 'guarded', 'x')).toBe(false);
    expect(sqs.sendAs(roleSession(`arn:aws:iam::${ACCOUNT}:role/Other`), 'guarded', 'x')).toBe(false);
    expect(sqs.sendAs(roleSession(`arn:aws:iam::${ACCOUNT}:role/Sender`), 'guarded', 'ok')).toBe(true);
    expect(sqs.sendAs(roleSession(`arn:aws:iam::${ACCOUNT}:role/Sender`), 'missing', 'x')).toBe(false);
    expect(queue?.sent).toBe(sent + 2);
  });
});
