import {
  DescribeAlarmsCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  PutMetricDataCommand,
  type PutMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { alarmOn, start, T0 } from './cloudwatch-harness';

const MINUTE = 60_000;
/** The first minute boundary after T0 (15:57:45.394): 15:58:00. */
const B1 = Math.ceil(T0 / MINUTE) * MINUTE;

const crashes: PutMetricAlarmCommandInput = {
  AlarmName: 'fleet-crashes',
  Namespace: 'FleetAutopilot/Devices',
  MetricName: 'CrashCount',
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 3,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
};

const crashData = (value: number) =>
  new PutMetricDataCommand({
    Namespace: 'FleetAutopilot/Devices',
    MetricData: [{ MetricName: 'CrashCount', Value: value, Unit: 'Count' }],
  });

async function stateOf(env: Awaited<ReturnType<typeof start>>, name: string) {
  const out = await env.client.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  return out.MetricAlarms?.[0];
}

describe('CloudWatch metric alarms on virtual time', () => {
  it('moves an alarm at the period boundary after its metric crosses the threshold, and back', async () => {
    const env = await start();
    const { client, clock, emulator, events } = env;
    await client.send(new PutMetricAlarmCommand({ ...crashes, TreatMissingData: 'notBreaching' }));
    await client.send(crashData(1));
    await client.send(crashData(2));
    // Before the boundary nothing is judged: the minute is not over.
    clock.advanceTo(B1 - 1);
    emulator.sweep();
    expect(events).toHaveLength(0);
    clock.advanceTo(B1);
    emulator.sweep();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ time: new Date(B1).toISOString().replace('.000', '') });
    expect(events[0]?.detail).toMatchObject({
      alarmName: 'fleet-crashes',
      previousState: { value: 'INSUFFICIENT_DATA' },
      state: {
        value: 'ALARM',
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (22/07/22 15:57:00)] was greater than or equal ' +
          'to the threshold (3.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition).',
        timestamp: '2022-07-22T15:58:00.000+0000',
      },
    });
    const state = (events[0]?.detail as { state?: { reasonData?: string } } | undefined)?.state;
    const reasonData = JSON.parse(state?.reasonData ?? '{}');
    expect(reasonData).toMatchObject({ statistic: 'Sum', period: 60, recentDatapoints: [3], threshold: 3 });
    // The datapoint stays in the evaluation range (N + 2 periods): re-judged, still ALARM.
    clock.advanceTo(B1 + 2 * MINUTE);
    expect((await stateOf(env, 'fleet-crashes'))?.StateValue).toBe('ALARM');
    // Once it has left the range, the missing data counts as not breaching.
    clock.advanceTo(B1 + 3 * MINUTE);
    expect((await stateOf(env, 'fleet-crashes'))?.StateValue).toBe('OK');
    expect(events.map((e) => (e.detail as { state: { value: string } }).state.value)).toEqual([
      'ALARM',
      'OK',
    ]);
    expect(events[1]?.detail).toMatchObject({
      state: {
        reason:
          'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
        timestamp: '2022-07-22T16:01:00.000+0000',
      },
    });
  });

  it('takes each boundary in order when time jumps, and tells the driver when the next change is due', async () => {
    const { client, clock, emulator, events } = await start();
    await client.send(new PutMetricAlarmCommand({ ...crashes, TreatMissingData: 'notBreaching' }));
    expect(emulator.nextDue()).toBe(B1);
    await client.send(crashData(5));
    expect(emulator.nextDue()).toBe(B1);
    clock.advanceTo(B1 + 10 * MINUTE);
    emulator.sweep();
    expect(events.map((e) => [(e.detail as { state: { value: string } }).state.value, e.time])).toEqual([
      ['ALARM', '2022-07-22T15:58:00Z'],
      ['OK', '2022-07-22T16:01:00Z'],
    ]);
    // Nothing changes by itself any more: the stack may go idle.
    expect(emulator.nextDue()).toBeUndefined();
  });

  it('alarms on M out of N datapoints (DatapointsToAlarm)', async () => {
    const { client, clock, emulator } = await start();
    const base = { ...crashes, Threshold: 1, EvaluationPeriods: 3 };
    await client.send(
      new PutMetricAlarmCommand({ ...base, AlarmName: 'two-of-three', DatapointsToAlarm: 2 }),
    );
    await client.send(new PutMetricAlarmCommand({ ...base, AlarmName: 'three-of-three' }));
    // Per minute: breaching, within, breaching.
    for (const value of [1, 0, 1]) {
      await client.send(crashData(value));
      clock.advanceBy(MINUTE);
    }
    emulator.sweep();
    const states = Object.fromEntries(emulator.alarms().map((a) => [a.name, a.state.value]));
    expect(states).toEqual({ 'two-of-three': 'ALARM', 'three-of-three': 'OK' });
    expect(emulator.alarms().find((a) => a.name === 'two-of-three')?.state.reason).toContain(
      '2 out of the last 3 datapoints [1.0 (22/07/22 15:59:00), 0.0 (22/07/22 15:58:00), 1.0 (22/07/22 15:57:00)] were',
    );
  });

  it('treats missing data as TreatMissingData says, and SetAlarmState lasts until the next evaluation', async () => {
    const { client, clock, emulator } = await start();
    for (const treat of ['missing', 'ignore', 'breaching', 'notBreaching'])
      await client.send(new PutMetricAlarmCommand({ ...crashes, AlarmName: treat, TreatMissingData: treat }));
    await client.send(new PutMetricAlarmCommand({ ...crashes, AlarmName: 'default' }));
    await client.send(alarmOn('missing', 'ALARM'));
    await client.send(alarmOn('ignore', 'ALARM'));
    clock.advanceTo(B1);
    emulator.sweep();
    expect(Object.fromEntries(emulator.alarms().map((a) => [a.name, a.state.value]))).toEqual({
      missing: 'INSUFFICIENT_DATA',
      ignore: 'ALARM',
      breaching: 'ALARM',
      notBreaching: 'OK',
      default: 'INSUFFICIENT_DATA',
    });
  });

  it('averages Values with their Counts, keeps units and dimensions apart', async () => {
    const { client, clock, emulator } = await start();
    const avg = {
      ...crashes,
      Statistic: 'Average' as const,
      ComparisonOperator: 'GreaterThanThreshold' as const,
    };
    await client.send(new PutMetricAlarmCommand({ ...avg, AlarmName: 'above-3.2', Threshold: 3.2 }));
    await client.send(new PutMetricAlarmCommand({ ...avg, AlarmName: 'above-3.3', Threshold: 3.3 }));
    await client.send(
      new PutMetricAlarmCommand({ ...crashes, AlarmName: 'seconds-only', Unit: 'Seconds', Threshold: 1 }),
    );
    await client.send(
      new PutMetricAlarmCommand({
        ...crashes,
        AlarmName: 'site-a',
        Dimensions: [{ Name: 'Site', Value: 'a' }],
        Threshold: 1,
      }),
    );
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'FleetAutopilot/Devices',
        MetricData: [{ MetricName: 'CrashCount', Values: [1, 10], Counts: [3, 1], Unit: 'Count' }],
      }),
    );
    clock.advanceTo(B1);
    emulator.sweep();
    const alarms = new Map(emulator.alarms().map((a) => [a.name, a.state]));
    expect(alarms.get('above-3.2')?.value).toBe('ALARM');
    expect(JSON.parse(String(alarms.get('above-3.2')?.reasonData))).toMatchObject({
      recentDatapoints: [3.25],
      evaluatedDatapoints: [{ sampleCount: 4, value: 3.25 }],
    });
    expect(alarms.get('above-3.3')?.value).toBe('OK');
    // Data in Count and without the Site dimension belongs to neither of these.
    expect(alarms.get('seconds-only')?.value).toBe('INSUFFICIENT_DATA');
    expect(alarms.get('site-a')?.value).toBe('INSUFFICIENT_DATA');
  });

  it('moves a composite parent when an evaluated child changes', async () => {
    const { client, clock, emulator, events } = await start();
    await client.send(new PutMetricAlarmCommand(crashes));
    await client.send(
      new PutCompositeAlarmCommand({ AlarmName: 'fleet', AlarmRule: 'ALARM(fleet-crashes)' }),
    );
    await client.send(crashData(4));
    clock.advanceTo(B1 + 30_000);
    emulator.sweep();
    expect(events.map((e) => [(e.detail as { alarmName: string }).alarmName, e.time])).toEqual([
      ['fleet', '2022-07-22T15:57:45Z'],
      ['fleet-crashes', '2022-07-22T15:58:00Z'],
      ['fleet', '2022-07-22T15:58:00Z'],
    ]);
  });
});

describe('PutMetricData', () => {
  it('refuses what AWS refuses and what the emulator does not emulate, naming it', async () => {
    const { client } = await start();
    const put = (input: Partial<PutMetricDataCommandInput>) =>
      client.send(
        new PutMetricDataCommand({
          Namespace: 'Fleet',
          MetricData: [{ MetricName: 'm', Value: 1 }],
          ...input,
        } as PutMetricDataCommandInput),
      );
    await expect(
      put({ MetricData: [{ MetricName: 'm', Value: 1, StorageResolution: 1 }] }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringMatching(/^Parameter MetricData\.member\.1\.StorageResolution is not emulated/),
    });
    await expect(
      put({ EntityMetricData: [{ MetricData: [{ MetricName: 'm', Value: 1 }] }] }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringMatching(/^Parameter EntityMetricData of PutMetricData is not emulated/),
    });
    await expect(put({ Namespace: 'AWS/EC2' })).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    await expect(put({ MetricData: [{ MetricName: 'm', Value: 1, Values: [1] }] })).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
    await expect(
      put({ MetricData: [{ MetricName: 'm', Values: [1, 2], Counts: [1] }] }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    await expect(
      put({ MetricData: [{ MetricName: 'm', Value: 1, Timestamp: new Date(T0 + 3 * 3_600_000) }] }),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(put({ MetricData: [{ MetricName: 'm', Value: 1 }] })).resolves.toBeDefined();
  });

  it('takes the awsQuery form the AWS CLI sends, and a past Timestamp lands in its own period', async () => {
    const { client, clock, emulator } = await start();
    const endpoint = String(await client.config.endpoint?.().then((e) => `http://${e.hostname}:${e.port}`));
    await client.send(new PutMetricAlarmCommand({ ...crashes, EvaluationPeriods: 2, DatapointsToAlarm: 2 }));
    const post = (form: Record<string, string>) =>
      fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams({ Version: '2010-08-01', Action: 'PutMetricData', ...form }).toString(),
      });
    const answer = await post({
      Namespace: 'FleetAutopilot/Devices',
      'MetricData.member.1.MetricName': 'CrashCount',
      'MetricData.member.1.Value': '3',
      'MetricData.member.2.MetricName': 'CrashCount',
      'MetricData.member.2.Value': '3',
      'MetricData.member.2.Timestamp': new Date(T0 - MINUTE).toISOString(),
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('<PutMetricDataResponse');
    clock.advanceTo(B1);
    emulator.sweep();
    expect(emulator.alarms()[0]?.state.value).toBe('ALARM');
  });

  it('takes a large call the SDK sends gzip-compressed', async () => {
    const { client, clock, emulator } = await start();
    await client.send(new PutMetricAlarmCommand({ ...crashes, Statistic: 'SampleCount', Threshold: 3000 }));
    const sent: string[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        sent.push(headers['content-encoding'] ?? 'identity');
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordEncoding' },
    );
    const values = Array.from({ length: 150 }, (_, i) => i + 0.125);
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'FleetAutopilot/Devices',
        MetricData: Array.from({ length: 20 }, () => ({ MetricName: 'CrashCount', Values: values })),
      }),
    );
    expect(sent).toEqual(['gzip']);
    clock.advanceTo(B1);
    emulator.sweep();
    expect(emulator.alarms()[0]?.state.value).toBe('ALARM');
    expect(JSON.parse(String(emulator.alarms()[0]?.state.reasonData)).recentDatapoints).toEqual([3000]);
  });

  it('still answers InvalidAction for an operation it does not emulate', async () => {
    const { client } = await start();
    const endpoint = String(await client.config.endpoint?.().then((e) => `http://${e.hostname}:${e.port}`));
    const text = await (
      await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams({ Version: '2010-08-01', Action: 'GetMetricData' }).toString(),
      })
    ).text();
    expect(text).toContain('<Code>InvalidAction</Code>');
    expect(text).toContain('Operation GetMetricData is not emulated');
  });
});
