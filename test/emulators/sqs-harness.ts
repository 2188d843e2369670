import { SQSClient } from '@aws-sdk/client-sqs';
import { AwsQueryProtocol } from '@aws-sdk/core/protocols';
import { afterEach } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { listen } from '../../local/emulators/common/http';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import { createSqsEmulator } from '../../local/emulators/sqs/emulator';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** An SQS emulator with two SDK clients: the current JSON one and one speaking awsQuery (as AWS CLI 2.9 does). */
export async function startSqs() {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  let url = '';
  const emulator = createSqsEmulator({
    clock,
    limiter: new RateLimiter(clock, {}),
    faults: new FaultInjector(seededRandom(1)),
    baseUrl: () => url,
  });
  const server = await listen(emulator.handler);
  open.push(server);
  url = server.url;
  const base = {
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'alice', secretAccessKey: 'x' },
    maxAttempts: 1,
  };
  const json = new SQSClient(base);
  const query = new SQSClient({
    ...base,
    protocol: AwsQueryProtocol,
    protocolSettings: {
      defaultNamespace: 'com.amazonaws.sqs',
      xmlNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/',
      version: '2012-11-05',
    },
  } as never);
  /** A request in the awsQuery wire format, as the AWS CLI sends it. */
  const post = (form: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams({ Version: '2012-11-05', ...form }).toString(),
    });
  return { clock, emulator, url, json, query, post };
}
