import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';

// A stock AWS CLI v2 against the emulators: the wire protocols are AWS's, not just what our SDK accepts.
let stack: LocalStack;
// Asynchronous on purpose: the emulators answer from this very process.
const run = promisify(execFile);
async function aws(endpoint: string | undefined, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('aws', ['--endpoint-url', String(endpoint), '--output', 'json', ...args], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    },
  });
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
});
