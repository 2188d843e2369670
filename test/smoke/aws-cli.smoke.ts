import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';

// A stock AWS CLI v2 against the emulators: the wire protocols are AWS's, not just what our SDK accepts.
// Debian's AWS CLI 2.9 (apt-get install awscli) speaks awsQuery to CloudWatch, SQS and SNS; newer ones
// speak JSON to CloudWatch and SQS. Set AWS_CLI to pick a binary (default: the first `aws` on PATH).
let stack: LocalStack;
// Asynchronous on purpose: the emulators answer from this very process.
const run = promisify(execFile);
async function aws(endpoint: string | undefined, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    process.env.AWS_CLI ?? 'aws',
    ['--endpoint-url', String(endpoint), '--output', 'json', ...args],
    {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
      },
    },
  );
  return JSON.parse(stdout || '{}') as Record<string, unknown>;
}

beforeAll(async () => {
  stack = await startLocalStack({ seed: 3 });
});
afterAll(async () => {
  await stack?.close();
});

describe('AWS CLI v2 against the local stack', () => {
  it('manages things and groups in IoT, with AWS error names', async () => {
    const iot = stack.endpoints.iot;
    await aws(iot, 'iot', 'create-thing-group', '--thing-group-name', 'cli-group');
    await aws(
      iot,
      'iot',
      'create-thing',
      '--thing-name',
      'cli-thing',
      '--attribute-payload',
      '{"attributes":{"site":"a"}}',
    );
    await aws(
      iot,
      'iot',
      'add-thing-to-thing-group',
      '--thing-group-name',
      'cli-group',
      '--thing-name',
      'cli-thing',
    );
    const groups = (await aws(iot, 'iot', 'list-thing-groups-for-thing', '--thing-name', 'cli-thing')) as {
      thingGroups: { groupName: string }[];
    };
    expect(groups.thingGroups.map((g) => g.groupName)).toEqual(['cli-group']);
    await expect(aws(iot, 'iot', 'describe-thing', '--thing-name', 'missing')).rejects.toThrow(
      /ResourceNotFoundException/,
    );
  });

  it('opens tunnels, raises alarms, lists queues and tables', async () => {
    const tunnel = await aws(
      stack.endpoints.tunnels,
      'iotsecuretunneling',
      'open-tunnel',
      '--destination-config',
      'thingName=cli-thing,services=SSH',
    );
    expect(tunnel.tunnelId).toEqual(expect.any(String));
    const cw = stack.endpoints.cloudWatch;
    await aws(
      cw,
      'cloudwatch',
      'put-metric-alarm',
      '--alarm-name',
      'cli-alarm',
      '--metric-name',
      'm',
      '--namespace',
      'n',
      '--statistic',
      'Average',
      '--period',
      '60',
      '--evaluation-periods',
      '1',
      '--threshold',
      '1',
      '--comparison-operator',
      'GreaterThanThreshold',
    );
    await aws(
      cw,
      'cloudwatch',
      'set-alarm-state',
      '--alarm-name',
      'cli-alarm',
      '--state-value',
      'ALARM',
      '--state-reason',
      'smoke',
    );
    const alarms = (await aws(cw, 'cloudwatch', 'describe-alarms', '--alarm-names', 'cli-alarm')) as {
      MetricAlarms: { StateValue: string }[];
    };
    expect(alarms.MetricAlarms[0]?.StateValue).toBe('ALARM');
    const queues = (await aws(stack.endpoints.sqs, 'sqs', 'list-queues')) as { QueueUrls: string[] };
    expect(queues.QueueUrls.length).toBeGreaterThan(0);
    const tables = (await aws(stack.endpoints.dynamodb, 'dynamodb', 'list-tables')) as {
      TableNames: string[];
    };
    expect(tables.TableNames).toContain('AuditTable');
  });

  it('keeps AWS behaviour the emulators once missed (issue 16)', async () => {
    const iot = stack.endpoints.iot;
    for (let i = 0; i < 2; i++) {
      await aws(
        iot,
        'iot',
        'create-thing-type',
        '--thing-type-name',
        'cli-type',
        '--thing-type-properties',
        'thingTypeDescription=d',
      );
    }
    await aws(iot, 'iot', 'create-thing-group', '--thing-group-name', 'cli-gone');
    await aws(iot, 'iot', 'delete-thing-group', '--thing-group-name', 'cli-gone');
    await aws(iot, 'iot', 'delete-thing-group', '--thing-group-name', 'cli-gone');
    await expect(
      aws(
        stack.endpoints.iotData,
        'iot-data',
        'publish',
        '--topic',
        '$aws/events/thing/cli-thing/updated',
        '--payload',
        'e30=',
      ),
    ).rejects.toThrow(/ForbiddenException/);
    const sqs = stack.endpoints.sqs;
    const { QueueUrl } = (await aws(sqs, 'sqs', 'create-queue', '--queue-name', 'cli-q')) as {
      QueueUrl: string;
    };
    await aws(
      sqs,
      'sqs',
      'send-message',
      '--queue-url',
      QueueUrl,
      '--message-body',
      'hi',
      '--message-attributes',
      'k={DataType=String,StringValue=v}',
    );
    await expect(
      aws(sqs, 'sqs', 'receive-message', '--queue-url', QueueUrl, '--max-number-of-messages', '11'),
    ).rejects.toThrow(/InvalidParameterValue/);
    const got = (await aws(
      sqs,
      'sqs',
      'receive-message',
      '--queue-url',
      QueueUrl,
      '--message-attribute-names',
      'All',
    )) as {
      Messages: {
        Body: string;
        Attributes?: unknown;
        MessageAttributes: Record<string, { StringValue: string }>;
      }[];
    };
    expect(got.Messages[0]).toMatchObject({ Body: 'hi', MessageAttributes: { k: { StringValue: 'v' } } });
    expect(got.Messages[0]?.Attributes).toBeUndefined();
    const sns = stack.endpoints.sns;
    const topics = (await aws(sns, 'sns', 'list-topics')) as { Topics: { TopicArn: string }[] };
    const topic = topics.Topics[0]?.TopicArn ?? '';
    await aws(sns, 'sns', 'publish', '--topic-arn', topic, '--message', 'from the cli');
    await expect(
      aws(sns, 'sns', 'publish', '--topic-arn', `${topic}-missing`, '--message', 'm'),
    ).rejects.toThrow(/NotFound/);
  }, 180_000);
});
