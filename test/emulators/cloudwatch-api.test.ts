import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import { alarmOn, cpuAlarm, start } from './cloudwatch-harness';

describe('cloudwatch emulator API', () => {
  it('carries alarmTags when tag propagation is enabled, honouring key filters', async () => {
    const { client, events } = await start();
    await client.send(
      new PutMetricAlarmCommand({
        ...cpuAlarm,
        Tags: [
          { Key: 'ThingName', Value: 'dev-1' },
          { Key: 'Team', Value: 'fleet' },
        ],
        ActionConfiguration: { AlarmTagsPropagation: { Enabled: true, ExcludedTagKeys: ['Team'] } },
      }),
    );
    await client.send(new PutMetricAlarmCommand({ ...cpuAlarm, AlarmName: 'Untagged' }));
    const arn = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:Untagged';
    await client.send(
      new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'ThingName', Value: 'dev-2' }] }),
    );
    expect((await client.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: 'ThingName', Value: 'dev-2' },
    ]);
    await client.send(alarmOn('ServerCpuTooHigh', 'ALARM'));
    await client.send(alarmOn('Untagged', 'ALARM'));
    expect(events[0]?.detail).toMatchObject({
      alarmTags: { ThingName: 'dev-1' },
      alarmTagsStatus: 'SUCCESS',
    });
    expect(events[1]?.detail).not.toHaveProperty('alarmTags');
  });

  it('answers CloudWatch errors through the query-compatible JSON protocol', async () => {
    const { client } = await start();
    await expect(client.send(alarmOn('nope', 'ALARM'))).rejects.toMatchObject({
      name: 'ResourceNotFound',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(
      client.send(new PutMetricAlarmCommand({ ...cpuAlarm, Metrics: [{ Id: 'm1', Expression: 'x' }] })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
      Code: 'InvalidParameterCombination',
    });
    await expect(
      client.send(new PutMetricAlarmCommand({ ...cpuAlarm, Period: undefined })),
    ).rejects.toMatchObject({
      name: 'MissingRequiredParameterException',
    });
    await expect(
      client.send(new PutCompositeAlarmCommand({ AlarmName: 'c', AlarmRule: 'ALARM(a) AND' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await client.send(new PutMetricAlarmCommand(cpuAlarm));
    await expect(
      client.send(
        new SetAlarmStateCommand({ ...alarmOn('ServerCpuTooHigh', 'OK').input, StateReasonData: '{' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidFormatFault' });
    await client.send(new DeleteAlarmsCommand({ AlarmNames: ['ServerCpuTooHigh'] }));
    expect((await client.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
    await expect(
      client.send(new DeleteAlarmsCommand({ AlarmNames: ['ServerCpuTooHigh'] })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFound',
    });
  });

  it('answers Throttling on injected throttles', async () => {
    const { client } = await start(new FaultInjector(seededRandom(1), { throttleRate: 1 }));
    await expect(client.send(new DescribeAlarmsCommand({}))).rejects.toMatchObject({
      name: 'Throttling',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
