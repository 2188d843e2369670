import {
  DescribeAlarmsCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { alarmOn, cpuAlarm, start } from './cloudwatch-harness';

describe('cloudwatch emulator', () => {
  it('emits the documented single-metric alarm state change event', async () => {
    const { client, events, clock } = await start();
    await client.send(new PutMetricAlarmCommand(cpuAlarm));
    clock.advanceBy(1000);
    const reasonData = JSON.stringify({ version: '1.0', recentDatapoints: [99.5], threshold: 50.0 });
    await client.send(
      new SetAlarmStateCommand({
        AlarmName: 'ServerCpuTooHigh',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed',
        StateReasonData: reasonData,
      }),
    );
    expect(events).toHaveLength(1);
    const [e] = events;
    expect(e).toMatchObject({
      version: '0',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '123456789012',
      time: '2022-07-22T15:57:46Z',
      region: 'us-east-1',
      resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh'],
    });
    expect(e?.detail).toEqual({
      alarmName: 'ServerCpuTooHigh',
      state: {
        value: 'ALARM',
        reason: 'Threshold Crossed',
        reasonData,
        timestamp: '2022-07-22T15:57:46.394+0000',
      },
      previousState: {
        value: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        timestamp: '2022-07-22T15:57:45.394+0000',
      },
      configuration: {
        description: 'Goes into alarm when server CPU utilization is too high!',
        metrics: [
          {
            id: expect.stringMatching(/^[0-9a-f-]{36}$/),
            metricStat: {
              metric: {
                dimensions: { InstanceId: 'i-12345678901234567' },
                name: 'CPUUtilization',
                namespace: 'AWS/EC2',
              },
              period: 300,
              stat: 'Average',
            },
            returnData: true,
          },
        ],
      },
    });
  });

  it('does not emit when the state does not change', async () => {
    const { client, events } = await start();
    await client.send(new PutMetricAlarmCommand(cpuAlarm));
    await client.send(alarmOn('ServerCpuTooHigh', 'INSUFFICIENT_DATA'));
    await client.send(alarmOn('ServerCpuTooHigh', 'ALARM'));
    await client.send(alarmOn('ServerCpuTooHigh', 'ALARM', 'again'));
    expect(events.map((e) => (e.detail as { state: { value: string } }).state.value)).toEqual(['ALARM']);
    const out = await client.send(new DescribeAlarmsCommand({ AlarmNames: ['ServerCpuTooHigh'] }));
    expect(out.MetricAlarms?.[0]).toMatchObject({ StateValue: 'ALARM', StateReason: 'again' });
  });

  it('puts the metric-math Metrics array in configuration.metrics', async () => {
    const { client, events } = await start();
    const metric = (id: string, name: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/EC2',
          MetricName: name,
          Dimensions: [{ Name: 'InstanceId', Value: 'i-1' }],
        },
        Period: 300,
        Stat: 'Maximum',
      },
      ReturnData: false,
    });
    await client.send(
      new PutMetricAlarmCommand({
        AlarmName: 'TotalNetworkTrafficTooHigh',
        EvaluationPeriods: 1,
        Threshold: 10000,
        ComparisonOperator: 'GreaterThanThreshold',
        Metrics: [
          { Id: 'e1', Expression: 'SUM(METRICS())', Label: 'Total Network Traffic', ReturnData: true },
          metric('m1', 'NetworkIn'),
          metric('m2', 'NetworkOut'),
        ],
      }),
    );
    await client.send(alarmOn('TotalNetworkTrafficTooHigh', 'ALARM'));
    const config = (events[0]?.detail as { configuration?: unknown } | undefined)?.configuration;
    expect(config).toEqual({
      metrics: [
        { expression: 'SUM(METRICS())', id: 'e1', label: 'Total Network Traffic', returnData: true },
        {
          id: 'm1',
          metricStat: {
            metric: { dimensions: { InstanceId: 'i-1' }, name: 'NetworkIn', namespace: 'AWS/EC2' },
            period: 300,
            stat: 'Maximum',
          },
          returnData: false,
        },
        expect.objectContaining({ id: 'm2', returnData: false }),
      ],
    });
  });

  it('evaluates composite alarms when a child changes and emits their own event shape', async () => {
    const { client, events } = await start();
    await client.send(new PutMetricAlarmCommand(cpuAlarm));
    await client.send(new PutMetricAlarmCommand({ ...cpuAlarm, AlarmName: 'DiskFull' }));
    const rule = 'ALARM(ServerCpuTooHigh) OR ALARM("DiskFull")';
    await client.send(new PutCompositeAlarmCommand({ AlarmName: 'ServiceAggregatedAlarm', AlarmRule: rule }));
    expect(events.map((e) => e.resources[0]?.split(':alarm:')[1])).toEqual(['ServiceAggregatedAlarm']);
    await client.send(alarmOn('ServerCpuTooHigh', 'ALARM'));
    const composite = events.at(-1);
    expect(composite?.resources).toEqual([
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServiceAggregatedAlarm',
    ]);
    expect(composite?.detail).toEqual({
      alarmName: 'ServiceAggregatedAlarm',
      state: {
        value: 'ALARM',
        reason:
          'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC',
        reasonData: JSON.stringify({
          triggeringAlarms: [
            {
              arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
              state: { value: 'ALARM', timestamp: '2022-07-22T15:57:45.394+0000' },
            },
          ],
        }),
        timestamp: '2022-07-22T15:57:45.394+0000',
      },
      previousState: expect.objectContaining({
        value: 'OK',
        reason:
          'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServiceAggregatedAlarm was created and its alarm rule evaluates to OK',
      }),
      configuration: { alarmRule: rule },
    });
    await client.send(alarmOn('DiskFull', 'ALARM'));
    expect(events).toHaveLength(4); // child events only: the composite stays in ALARM
    const out = await client.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }));
    expect(out.CompositeAlarms?.map((a) => [a.AlarmName, a.StateValue, a.AlarmRule])).toEqual([
      ['ServiceAggregatedAlarm', 'ALARM', rule],
    ]);
    expect(out.MetricAlarms).toEqual([]);
  });
});
