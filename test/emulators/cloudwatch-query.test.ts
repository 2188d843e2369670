import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol } from '@aws-sdk/core/protocols';
import { describe, expect, it } from 'vitest';
import { alarmOn, cpuAlarm, start, T0 } from './cloudwatch-harness';

const NS = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

async function startBoth() {
  const env = await start();
  const endpoint = String(await env.client.config.endpoint?.().then((e) => `http://${e.hostname}:${e.port}`));
  const query = new CloudWatchClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
    protocol: AwsQueryProtocol,
  } as never);
  /** A form POST exactly as AWS CLI 2.9 sends it (`Action=…&Version=2010-08-01&…`). */
  const post = (form: Record<string, string>) =>
    fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams({ Version: '2010-08-01', ...form }).toString(),
    });
  return { ...env, query, post };
}

describe('CloudWatch over awsQuery (AWS CLI 2.9, older SDKs)', () => {
  it('takes put-metric-alarm / set-alarm-state as the CLI sends them and answers in XML', async () => {
    const { post, events, emulator } = await startBoth();
    const put = await post({
      Action: 'PutMetricAlarm',
      AlarmName: 'fleet-tunnel-sensor-00003',
      Namespace: 'Fleet',
      MetricName: 'Temperature',
      'Dimensions.member.1.Name': 'ThingName',
      'Dimensions.member.1.Value': 'sensor-00003',
      Statistic: 'Maximum',
      Period: '60',
      EvaluationPeriods: '1',
      Threshold: '80.0',
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(put.status).toBe(200);
    expect(put.headers.get('content-type')).toBe('text/xml');
    expect(await put.text()).toMatch(
      new RegExp(
        `^<PutMetricAlarmResponse xmlns="${NS}"><ResponseMetadata><RequestId>[-0-9a-f]+</RequestId>`,
      ),
    );
    expect(emulator.alarms()[0]?.input).toMatchObject({
      Dimensions: [{ Name: 'ThingName', Value: 'sensor-00003' }],
      Period: 60,
      Threshold: 80,
    });
    const set = await post({
      Action: 'SetAlarmState',
      AlarmName: 'fleet-tunnel-sensor-00003',
      StateValue: 'ALARM',
      StateReason: 'overheating',
    });
    expect(set.status).toBe(200);
    expect(events.at(-1)?.detail).toMatchObject({
      alarmName: 'fleet-tunnel-sensor-00003',
      state: { value: 'ALARM', reason: 'overheating' },
      configuration: { metrics: [{ metricStat: { metric: { dimensions: { ThingName: 'sensor-00003' } } } }] },
    });
    const described = await post({
      Action: 'DescribeAlarms',
      'AlarmNames.member.1': 'fleet-tunnel-sensor-00003',
    });
    const xml = await described.text();
    expect(xml).toContain('<MetricAlarms><member><AlarmName>fleet-tunnel-sensor-00003</AlarmName>');
    expect(xml).toContain(
      '<Dimensions><member><Name>ThingName</Name><Value>sensor-00003</Value></member></Dimensions>',
    );
    expect(xml).toContain(`<StateUpdatedTimestamp>${new Date(T0).toISOString()}</StateUpdatedTimestamp>`);
  });

  it('round-trips through the SDK Query client, errors included', async () => {
    const { query } = await startBoth();
    await query.send(new PutMetricAlarmCommand({ ...cpuAlarm, AlarmActions: [] }));
    await query.send(new PutCompositeAlarmCommand({ AlarmName: 'c', AlarmRule: 'ALARM(ServerCpuTooHigh)' }));
    await query.send(alarmOn('ServerCpuTooHigh', 'ALARM'));
    const out = await query.send(
      new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    expect(out.MetricAlarms?.[0]).toMatchObject({
      AlarmName: 'ServerCpuTooHigh',
      Dimensions: cpuAlarm.Dimensions,
      Threshold: 50,
      StateValue: 'ALARM',
      StateUpdatedTimestamp: new Date(T0),
    });
    expect(out.CompositeAlarms?.[0]).toMatchObject({ AlarmName: 'c', StateValue: 'ALARM' });
    await expect(
      query.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'r' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFound', $metadata: { httpStatusCode: 404 } });
    await expect(
      query.send(new PutMetricAlarmCommand({ ...cpuAlarm, Period: undefined })),
    ).rejects.toMatchObject({ name: 'MissingRequiredParameterException' });
  });

  it('answers an action it does not emulate, and an unknown one, with InvalidAction', async () => {
    const { post } = await startBoth();
    const metricData = await post({ Action: 'GetMetricData' });
    expect(metricData.status).toBe(400);
    const text = await metricData.text();
    expect(text).toMatch(
      new RegExp(`^<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code>`),
    );
    expect(text).toContain('Operation GetMetricData is not emulated');
    expect(await (await post({ Action: 'Bogus' })).text()).toContain(
      '<Message>Unknown operation Bogus</Message>',
    );
  });
});

describe('CloudWatch parameters', () => {
  it('refuses evaluation modes it does not emulate, naming them', async () => {
    const { client } = await start();
    await expect(
      client.send(new PutMetricAlarmCommand({ ...cpuAlarm, EvaluationInterval: 60 })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringMatching(/^Parameter EvaluationInterval of PutMetricAlarm is not emulated/),
    });
  });

  it('filters DescribeAlarms by ActionPrefix and answers the family queries', async () => {
    const { client } = await start();
    const topic = 'arn:aws:sns:us-east-1:123456789012:ops';
    await client.send(new PutMetricAlarmCommand({ ...cpuAlarm, AlarmActions: [topic] }));
    await client.send(new PutMetricAlarmCommand({ ...cpuAlarm, AlarmName: 'Quiet' }));
    await client.send(
      new PutCompositeAlarmCommand({
        AlarmName: 'Both',
        AlarmRule: 'ALARM(ServerCpuTooHigh) OR ALARM(Quiet)',
      }),
    );
    const byAction = await client.send(new DescribeAlarmsCommand({ ActionPrefix: 'arn:aws:sns:' }));
    expect(byAction.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['ServerCpuTooHigh']);
    const children = await client.send(new DescribeAlarmsCommand({ ChildrenOfAlarmName: 'Both' }));
    expect(children.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['Quiet', 'ServerCpuTooHigh']);
    expect(Object.keys(children.MetricAlarms?.[0] ?? {}).sort()).toEqual([
      'AlarmArn',
      'AlarmName',
      'StateUpdatedTimestamp',
      'StateValue',
    ]);
    const parents = await client.send(new DescribeAlarmsCommand({ ParentsOfAlarmName: 'Quiet' }));
    expect(parents.CompositeAlarms?.map((a) => a.AlarmName)).toEqual(['Both']);
    await expect(
      client.send(new DescribeAlarmsCommand({ ParentsOfAlarmName: 'Quiet', StateValue: 'OK' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
  });
});
