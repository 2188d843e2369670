import policyFile from '../../config/tunnel-policy.yml';
import { type AlarmEvent, alarmEventSchema } from '../../shared/domain/tunnels/alarm-event';
import { parsePolicy, type TunnelPolicy } from '../../shared/domain/tunnels/policy';
import { type ApiCaller, enrolAlarm } from '../../shared/services/tunnel-enrol';
import type { TunnelDeps } from '../../shared/services/tunnel-ports';
import { fakeAudit } from './audit';
import { FakeBus, FakeNotifier } from './effects';
import { FakeCloudWatch, metricOn } from './tunnel-alarms';
import { FakeEnrolments } from './tunnel-enrolments';
import { FakeSecureTunneling } from './tunnel-secure-tunneling';
import { FakeTunnelStore } from './tunnel-store';
import { FakeRegistry } from './tunnel-things';

export const T0 = Date.parse('2026-03-01T08:00:00Z');
export const MINUTE = 60_000;
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const ACTOR = 'function:alarm-tunnel';
export const ADMIN = 'arn:aws:iam::123456789012:user/tunnel-admin';

/** CloudWatch writes state timestamps with a +0000 offset. */
const stamp = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
/** EventBridge's `time` has whole seconds. */
const eventTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The tunnel services' world on fakes: secure tunneling, CloudWatch, the registry, the state table's
 * tunnel records and enrolments, the audit table, the bus and the operators' topic, under
 * config/tunnel-policy.yml (SSH, 60 min, cooldown 30 min, 10 tunnels, deny no-remote-access) unless
 * a test overrides it. One clock (`at`) drives AWS, CloudWatch and the audit writer.
 */
export function tunnelWorld(o: { policy?: Partial<TunnelPolicy> } = {}) {
  let now = T0;
  let seq = 0;
  const store = new FakeTunnelStore();
  const tunnels = new FakeSecureTunneling();
  const cloudWatch = new FakeCloudWatch();
  const enrolments = new FakeEnrolments();
  const registry = new FakeRegistry();
  const audit = fakeAudit({ now: () => now });
  const bus = new FakeBus();
  const notifier = new FakeNotifier();
  const deps: TunnelDeps = {
    policy: { ...parsePolicy(policyFile), ...o.policy },
    store,
    tunnels,
    things: registry.lookup,
    alarms: cloudWatch,
    enrolments,
    home: { account: ACCOUNT, region: REGION },
    audit: audit.write,
    publish: bus.publish,
    notify: notifier.notify,
    actor: ACTOR,
  };

  const at = (ms: number) => {
    now = ms;
    tunnels.now = ms;
    cloudWatch.now = ms;
  };
  at(T0);

  /** An API caller with its own request id. */
  const caller = (principal = ADMIN, when = now): ApiCaller => ({
    principal,
    requestId: `req-${++seq}`,
    at: when,
  });

  return {
    deps,
    store,
    tunnels,
    cloudWatch,
    enrolments,
    registry,
    audit,
    bus,
    notifier,
    at,
    caller,

    /** A thing in the registry, in these groups. */
    thing(name: string, groups: string[] = []) {
      registry.things.set(name, groups);
    },

    /** A thing and a marked single-metric alarm on it (`fleet-tunnel-<thing>`), OK since now. */
    alarmOn(thing: string, name = `fleet-tunnel-${thing}`) {
      registry.things.set(thing, registry.things.get(thing) ?? []);
      cloudWatch.putMetricAlarm(name, [metricOn(thing)]);
      cloudWatch.setState(name, 'OK', now);
      return name;
    },

    /** An operator enrols the alarm for the thing now (through the enrol service); throws if refused. */
    async enrol(
      alarmName: string,
      thingName: string,
      opts: { principal?: string; services?: string[] } = {},
    ) {
      const result = await enrolAlarm(
        deps,
        { alarmName, thingName, ...(opts.services ? { services: opts.services } : {}) },
        caller(opts.principal),
      );
      if (!result.ok) throw new Error(`enrolment refused: ${result.status} ${result.message}`);
      return result;
    },

    /**
     * The "CloudWatch Alarm State Change" CloudWatch emits for the alarm as DescribeAlarms shows it
     * now (or with another state or origin), as the handler hands it to the service.
     */
    emit(
      name: string,
      e: {
        id?: string;
        state?: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
        stateAt?: number;
        account?: string;
        region?: string;
        arnAccount?: string;
        tags?: Record<string, string>;
      } = {},
    ): AlarmEvent {
      const alarm = cloudWatch.alarms.get(name);
      if (!alarm) throw new Error(`no alarm ${name}`);
      const stateAt = e.stateAt ?? alarm.stateTransitionedAt;
      const region = e.region ?? REGION;
      const definition = alarm.definition;
      const single =
        definition.type === 'metric' && definition.metrics.length === 1 && !definition.metrics[0]?.expression;
      const configuration =
        definition.type === 'composite'
          ? { alarmRule: definition.alarmRule }
          : {
              metrics: definition.metrics.map((m) =>
                m.expression && !single
                  ? { id: m.id, expression: m.expression }
                  : {
                      id: m.id,
                      metricStat: {
                        metric: {
                          namespace: m.namespace,
                          name: m.metricName ?? '',
                          dimensions: m.dimensions,
                        },
                      },
                    },
              ),
            };
      const tags = e.tags ?? (alarm.propagateTags ? alarm.tags : undefined);
      return alarmEventSchema.parse({
        version: '0',
        id: e.id ?? `event-${++seq}`,
        'detail-type': 'CloudWatch Alarm State Change',
        source: 'aws.cloudwatch',
        account: e.account ?? ACCOUNT,
        time: eventTime(stateAt),
        region,
        resources: [`arn:aws:cloudwatch:${region}:${e.arnAccount ?? e.account ?? ACCOUNT}:alarm:${name}`],
        detail: {
          alarmName: name,
          state: { value: e.state ?? alarm.state, timestamp: stamp(stateAt) },
          configuration,
          ...(tags ? { alarmTags: tags } : {}),
        },
      });
    },

    /** The audit actions recorded about a thing, in the order written. */
    actions(thing: string) {
      return audit.records.filter((r) => r.pk === `THING#${thing}`).map((r) => r.action);
    },

    /** Everything the automation wrote or sent, as one string, for leak checks. */
    written() {
      return JSON.stringify([
        audit.records,
        bus.events,
        notifier.notices,
        [...store.records.values()],
        store.slots,
        [...enrolments.items.values()],
      ]);
    },
  };
}

export type TunnelWorld = ReturnType<typeof tunnelWorld>;
