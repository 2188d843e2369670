import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
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
let server: Awaited<ReturnType<typeof listen>>;
let client: SNSClient;

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
      new PublishCommand({
        TopicArn: 'arn:aws:sns:us-east-1:000000000000:ops',
        Subject: 'Rollout halted',
        Message: 'm',
      }),
    );
    expect(out.MessageId).toBe(sns.messages[0]?.messageId);
    expect(sns.messages[0]).toMatchObject({ subject: 'Rollout halted', message: 'm' });
  });

  it('answers a missing topic with an SNS error the SDK understands', async () => {
    await expect(client.send(new PublishCommand({ TopicArn: 'nope', Message: 'm' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });
});
