import { parseAlarmTime } from '../../shared/domain/tunnels/alarm-event';

/**
 * CloudWatch alarms and secure tunnels the way AWS keeps them, for the handler tests' SDK mocks:
 * DescribeAlarms answers from here (state, transition times, definition), and DescribeTunnel shows
 * each tunnel with the creation time AWS stamped when it was opened (`awsNow`).
 */
type Json = Record<string, unknown>;
type Dimension = { Name: string; Value: string };

export type FakeAlarm = {
  name: string;
  arn: string;
  /** DescribeAlarms' shape, PascalCase, without the state fields. */
  definition: Json;
  composite: boolean;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  transitionedAt: number;
  updatedAt: number;
  tags: Record<string, string>;
};

export type FakeTunnel = {
  tunnelId: string;
  tunnelArn: string;
  status: 'OPEN' | 'CLOSED';
  createdAt: number;
  thingName: string;
  tags: { key: string; value: string }[];
};

const dims = (o: Json | undefined): Dimension[] =>
  Object.entries(o ?? {}).map(([Name, Value]) => ({ Name, Value: String(Value) }));

/** The alarm a "CloudWatch Alarm State Change" event is about, as DescribeAlarms would describe it. */
export function alarmOfEvent(event: Json & { detail: Json }): FakeAlarm {
  const d = event.detail as Json & {
    alarmName: string;
    state: { value: FakeAlarm['state']; timestamp: string };
  };
  const config = (d.configuration ?? {}) as { metrics?: Json[]; alarmRule?: string };
  const at = parseAlarmTime(d.state.timestamp);
  const base = {
    name: d.alarmName,
    arn: String((event.resources as string[])[0]),
    state: d.state.value,
    transitionedAt: at,
    updatedAt: at,
    tags: (d.alarmTags as Record<string, string> | undefined) ?? {},
  };
  if (config.alarmRule !== undefined) {
    return { ...base, composite: true, definition: { AlarmRule: config.alarmRule } };
  }
  const metrics = (config.metrics ?? []) as {
    id: string;
    expression?: string;
    metricStat?: { metric: { namespace?: string; name: string; dimensions?: Json } };
  }[];
  const single = metrics.length === 1 && metrics[0]?.metricStat && !metrics[0].expression;
  if (single) {
    const m = metrics[0]?.metricStat?.metric;
    return {
      ...base,
      composite: false,
      definition: { Namespace: m?.namespace, MetricName: m?.name, Dimensions: dims(m?.dimensions) },
    };
  }
  return {
    ...base,
    composite: false,
    definition: {
      Metrics: metrics.map((q) => ({
        Id: q.id,
        ...(q.expression ? { Expression: q.expression } : {}),
        ...(q.metricStat
          ? {
              MetricStat: {
                Metric: {
                  Namespace: q.metricStat.metric.namespace,
                  MetricName: q.metricStat.metric.name,
                  Dimensions: dims(q.metricStat.metric.dimensions),
                },
              },
            }
          : {}),
      })),
    },
  };
}

export class FakeAws {
  readonly alarms = new Map<string, FakeAlarm>();
  readonly tunnels = new Map<string, FakeTunnel>();
  /** AWS's clock for OpenTunnel / CloseTunnel. */
  awsNow = 0;
  #seq = 0;

  /** CloudWatch emitted this event (it emits one per state change): the alarm is as it says. */
  observe(event: Json & { detail: Json }): FakeAlarm {
    const alarm = alarmOfEvent(event);
    const known = this.alarms.get(alarm.name);
    const next = { ...alarm, tags: { ...(known?.tags ?? {}), ...alarm.tags } };
    this.alarms.set(alarm.name, next);
    return next;
  }

  /** SetAlarmState without an event reaching the handler (it is still queued). */
  setState(name: string, state: FakeAlarm['state'], at: number): void {
    const alarm = this.alarms.get(name);
    if (!alarm) throw new Error(`no alarm ${name}`);
    if (alarm.state !== state) alarm.transitionedAt = at;
    alarm.state = state;
    alarm.updatedAt = at;
  }

  describeAlarms(input: Json): Json {
    const names = (input.AlarmNames as string[] | undefined) ?? [];
    const found = names.flatMap((n) => (this.alarms.has(n) ? [this.alarms.get(n) as FakeAlarm] : []));
    const view = (a: FakeAlarm) => ({
      AlarmName: a.name,
      AlarmArn: a.arn,
      ...a.definition,
      StateValue: a.state,
      StateReason: 'test',
      StateUpdatedTimestamp: new Date(a.updatedAt),
      StateTransitionedTimestamp: new Date(a.transitionedAt),
      AlarmConfigurationUpdatedTimestamp: new Date(0),
    });
    return {
      MetricAlarms: found.filter((a) => !a.composite).map(view),
      CompositeAlarms: found.filter((a) => a.composite).map(view),
    };
  }

  listTags(input: Json): Json {
    const alarm = [...this.alarms.values()].find((a) => a.arn === input.ResourceARN);
    if (!alarm) throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
    return { Tags: Object.entries(alarm.tags).map(([Key, Value]) => ({ Key, Value })) };
  }

  openTunnel(input: Json, token: string): Json {
    this.#seq += 1;
    const tunnelId = `tunnel-${this.#seq}`;
    const tunnel: FakeTunnel = {
      tunnelId,
      tunnelArn: `arn:aws:iot:us-east-1:123456789012:tunnel/${tunnelId}`,
      status: 'OPEN',
      createdAt: this.awsNow,
      thingName: String((input.destinationConfig as Json | undefined)?.thingName ?? ''),
      tags: (input.tags as FakeTunnel['tags'] | undefined) ?? [],
    };
    this.tunnels.set(tunnelId, tunnel);
    return {
      tunnelId,
      tunnelArn: tunnel.tunnelArn,
      sourceAccessToken: `${token}-source-${this.#seq}`,
      destinationAccessToken: `${token}-destination-${this.#seq}`,
    };
  }

  describeTunnel(input: Json): Json {
    const t = this.tunnels.get(String(input.tunnelId));
    if (!t) throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
    return {
      tunnel: {
        tunnelId: t.tunnelId,
        tunnelArn: t.tunnelArn,
        status: t.status,
        createdAt: new Date(t.createdAt),
        destinationConfig: { thingName: t.thingName, services: ['SSH'] },
        tags: t.tags,
      },
    };
  }

  listTunnels(input: Json): Json {
    const list = [...this.tunnels.values()]
      .filter((t) => t.thingName === input.thingName)
      .sort((a, b) => b.createdAt - a.createdAt);
    return { tunnelSummaries: list.map((t) => ({ tunnelId: t.tunnelId, status: t.status })) };
  }

  closeTunnel(input: Json): Json {
    const t = this.tunnels.get(String(input.tunnelId));
    if (t) t.status = 'CLOSED';
    return {};
  }

  reset(): void {
    this.alarms.clear();
    this.tunnels.clear();
  }
}
