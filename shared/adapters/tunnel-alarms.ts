import {
  type CloudWatchClient,
  type CompositeAlarm,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmDefinition, AlarmFacts, AlarmMetric } from '../domain/tunnels/alarm-definition';
import type { AlarmDirectory } from '../services/tunnel-ports';

const ms = (d: Date | undefined) => d?.getTime() ?? 0;

function dimensions(list: { Name?: string; Value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).flatMap((d) => (d.Name ? [[d.Name, d.Value ?? '']] : [])));
}

/** The metrics an alarm watches: one for a single-metric alarm, each query for metric math. */
function metricsOf(a: MetricAlarm): AlarmMetric[] {
  if (a.Metrics && a.Metrics.length > 0) {
    return a.Metrics.map((q) => ({
      id: q.Id ?? '',
      ...(q.Expression === undefined ? {} : { expression: q.Expression }),
      ...(q.MetricStat?.Metric?.Namespace === undefined ? {} : { namespace: q.MetricStat.Metric.Namespace }),
      ...(q.MetricStat?.Metric?.MetricName === undefined
        ? {}
        : { metricName: q.MetricStat.Metric.MetricName }),
      dimensions: dimensions(q.MetricStat?.Metric?.Dimensions),
    }));
  }
  return [
    {
      id: 'm1',
      ...(a.Namespace === undefined ? {} : { namespace: a.Namespace }),
      ...(a.MetricName === undefined ? {} : { metricName: a.MetricName }),
      dimensions: dimensions(a.Dimensions),
    },
  ];
}

function facts(a: MetricAlarm | CompositeAlarm, definition: AlarmDefinition): AlarmFacts {
  return {
    name: a.AlarmName ?? '',
    arn: a.AlarmArn ?? '',
    definition,
    state: a.StateValue ?? 'INSUFFICIENT_DATA',
    // Older alarms may lack the transition time: the last update is the best bound then.
    stateTransitionedAt: ms(a.StateTransitionedTimestamp ?? a.StateUpdatedTimestamp),
    stateUpdatedAt: ms(a.StateUpdatedTimestamp),
    configUpdatedAt: a.AlarmConfigurationUpdatedTimestamp?.getTime(),
  };
}

export function cloudWatchAlarmDirectory(cloudWatch: CloudWatchClient): AlarmDirectory {
  return {
    async describe(alarmName) {
      const out = await cloudWatch.send(
        new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
      );
      const metric = out.MetricAlarms?.find((a) => a.AlarmName === alarmName);
      if (metric) return facts(metric, { type: 'metric', metrics: metricsOf(metric) });
      const composite = out.CompositeAlarms?.find((a) => a.AlarmName === alarmName);
      if (composite) return facts(composite, { type: 'composite', alarmRule: composite.AlarmRule ?? '' });
      return undefined;
    },

    async tags(alarmArn) {
      try {
        const out = await cloudWatch.send(new ListTagsForResourceCommand({ ResourceARN: alarmArn }));
        return Object.fromEntries((out.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') return {};
        throw error;
      }
    },
  };
}
