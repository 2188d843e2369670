import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';

// A stock AWS CLI v2 against the emulators: the wire protocols are AWS's, not just what our SDK accepts.
let stack: LocalStack;
const aws = (endpoint: string, ...args: string[]) =>
  JSON.parse(
    execFileSync('aws', ['--endpoint-url', endpoint, '--output', 'json', ...args], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
      },
      encoding: 'utf8',
    }) || '{}',
  ) as Record<string, unknown>;

beforeAll(async () => {
  stack = await startLocalStack({ seed: 3 });
});
afterAll(async () => {
  await stack?.close();
});

describe('AWS CLI v2 against the local stack', () => {
  it('manages things and groups in IoT', () => {
    const iot = stack.endpoints.iot as string;
    aws(iot, 'iot', 'create-thing-group', '--thing-group-name', 'cli-group');
    aws(
      iot,
      'iot',
      'create-thing',
      '--thing-name',
      'cli-thing',
      '--attribute-payload',
      '{"attributes":{"site":"a"}}',
    );
    aws(
      iot,
      'iot',
      'add-thing-to-thing-group',
      '--thing-group-name',
      'cli-group',
      '--thing-name',
      'cli-thing',
    );
    const groups = aws(iot, 'iot', 'list-thing-groups-for-thing', '--thing-name', 'cli-thing') as {
      thingGroups: { groupName: string }[];
    };
    expect(groups.thingGroups.map((g) => g.groupName)).toEqual(['cli-group']);
    expect(() => aws(iot, 'iot', 'describe-thing', '--thing-name', 'missing')).toThrow(
      /ResourceNotFoundException/,
    );
  });

  it('opens and lists tunnels, raises alarms, lists queues and tables', () => {
    const tunnel = aws(
      stack.endpoints.tunnels as string,
      'iotsecuretunneling',
      'open-tunnel',
      '--destination-config',
      'thingName=cli-thing,services=SSH',
    );
    expect(tunnel.tunnelId).toEqual(expect.any(String));
    const cw = stack.endpoints.cloudWatch as string;
    aws(
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
    aws(
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
    const alarms = aws(cw, 'cloudwatch', 'describe-alarms', '--alarm-names', 'cli-alarm') as {
      MetricAlarms: { StateValue: string }[];
    };
    expect(alarms.MetricAlarms[0]?.StateValue).toBe('ALARM');
    expect(
      (aws(stack.endpoints.sqs as string, 'sqs', 'list-queues') as { QueueUrls: string[] }).QueueUrls.length,
    ).toBeGreaterThan(0);
    expect(
      (aws(stack.endpoints.dynamodb as string, 'dynamodb', 'list-tables') as { TableNames: string[] })
        .TableNames,
    ).toContain('AuditTable');
  });
});
