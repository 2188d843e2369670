import type { AlarmDetail, MetricQuery } from './alarm-event';

/** The alarm tag that marks an alarm for tunnels (with tag propagation on), and the one naming the thing. */
export const TUNNEL_MARK_TAG = 'FleetAutopilotTunnel';
export const THING_NAME_KEY = 'ThingName';

/** AWS IoT thing names, as OpenTunnel's destinationConfig.thingName accepts them. */
export const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

export type AlarmKind = 'metric' | 'metric-math' | 'composite';
export type MarkedBy = 'name-prefix' | 'tag';

/**
 * The thing an alarm names itself. `invalid` tells an alarm that names something unusable (a bad
 * name, several things) from one that names nothing, which an enrolment may still point at a thing.
 */
export type ThingResolution =
  | { ok: true; thingName: string; from: 'tag' | 'dimension' }
  | { ok: false; reason: string; invalid: boolean };

/** How the deployment marks alarms: by name prefix, or by the tag when the alarm propagates tags. */
export function markedBy(detail: AlarmDetail, namePrefix: string): MarkedBy | undefined {
  if (namePrefix !== '' && detail.alarmName.startsWith(namePrefix)) return 'name-prefix';
  if (detail.alarmTags?.[TUNNEL_MARK_TAG]?.toLowerCase() === 'true') return 'tag';
  return undefined;
}

export function alarmKind(detail: AlarmDetail): AlarmKind {
  if (detail.configuration.alarmRule !== undefined) return 'composite';
  const metrics = detail.configuration.metrics ?? [];
  return metrics.length === 1 && metrics[0]?.metricStat && !metrics[0].expression ? 'metric' : 'metric-math';
}

/**
 * Which thing the alarm is about. A `ThingName` alarm tag always wins. Otherwise:
 * - single-metric alarm: its `ThingName` dimension;
 * - metric-math alarm: the `ThingName` dimension, only when every metric that has one names the same
 *   thing (e.g. errors / requests of one device); several things is ambiguous and refused;
 * - composite alarm: only its tag, since its children may be about many things.
 */
export function resolveThing(detail: AlarmDetail): ThingResolution {
  const tagged = detail.alarmTags?.[THING_NAME_KEY];
  if (tagged !== undefined) return checked(tagged, 'tag');
  const kind = alarmKind(detail);
  if (kind === 'composite') {
    return {
      ok: false,
      reason: 'alarm names no thing: a composite alarm needs a ThingName tag (propagated)',
      invalid: false,
    };
  }
  const names = [...new Set(dimensionValues(detail.configuration.metrics ?? []))];
  if (names.length === 1 && names[0] !== undefined) return checked(names[0], 'dimension');
  if (names.length > 1) {
    return {
      ok: false,
      reason: `alarm names no thing: its metrics name several things (${names.join(', ')})`,
      invalid: true,
    };
  }
  return {
    ok: false,
    reason: 'alarm names no thing: no ThingName tag and no ThingName metric dimension',
    invalid: false,
  };
}

function dimensionValues(metrics: MetricQuery[]): string[] {
  return metrics.flatMap((m) => {
    const value = m.metricStat?.metric.dimensions?.[THING_NAME_KEY];
    return value === undefined ? [] : [value];
  });
}

function checked(name: string, from: 'tag' | 'dimension'): ThingResolution {
  return THING_NAME.test(name)
    ? { ok: true, thingName: name, from }
    : {
        ok: false,
        reason: `alarm names no thing: "${name.slice(0, 140)}" is not a valid thing name`,
        invalid: true,
      };
}
