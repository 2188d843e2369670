import { readFileSync } from 'node:fs';
import path from 'node:path';
import { alarmEventSchema } from '../../shared/domain/tunnels/alarm-event';
import type { Case } from './cases-events';
import { deepJson, generatedVariants, HOSTILE_VALUES, INJECTION_NAMES, mutations, SEED } from './corpus';

// CloudWatch alarm state changes for alarm-tunnel: malformed ones (audited as rejected input) and
// well-formed ones naming a hostile thing (refused, audited, no tunnel).

export function alarmFixture(): Record<string, unknown> & { detail: Record<string, unknown> } {
  const file = path.join(process.cwd(), 'test/events/cloudwatch-single-metric.json');
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Alarm events the schema refuses. */
export function malformedAlarmCases(): Case[] {
  const valid = alarmFixture();
  const detail = valid.detail;
  const state = detail.state as Record<string, unknown>;
  const cases: Case[] = [
    { label: 'null', value: null },
    { label: 'a string', value: 'CloudWatch Alarm State Change' },
    { label: 'empty object', value: {} },
    { label: 'nested 20,000 deep', value: JSON.parse(deepJson(20_000)) },
    ...mutations(valid, HOSTILE_VALUES.slice(0, 14)),
    ...mutations(detail, HOSTILE_VALUES).map((c) => ({
      label: `detail.${c.label}`,
      value: { ...valid, detail: c.value },
    })),
    ...mutations(state, HOSTILE_VALUES).map((c) => ({
      label: `detail.state.${c.label}`,
      value: { ...valid, detail: { ...detail, state: c.value } },
    })),
    {
      label: '10,000 metrics without ids',
      value: {
        ...valid,
        detail: { ...detail, configuration: { metrics: Array.from({ length: 10_000 }, () => ({})) } },
      },
    },
    { label: 'source spoofed', value: { ...valid, source: 'fleet-autopilot' } },
    ...generatedVariants(valid, 60, SEED + 4).map((value, i) => ({ label: `alarm generated #${i}`, value })),
  ];
  return cases.filter((c) => !alarmEventSchema.safeParse(c.value).success);
}

/** Well-formed, marked alarms whose thing name (dimension or tag) is hostile. */
export function hostileThingAlarmCases(): Case[] {
  const valid = alarmFixture();
  const detail = valid.detail;
  const metrics = (detail.configuration as { metrics: Record<string, unknown>[] }).metrics;
  const metric = metrics[0] as { metricStat: { metric: Record<string, unknown> } };
  const names = INJECTION_NAMES.filter((n) => !/^[a-zA-Z0-9:_-]{1,128}$/.test(n));
  return names.flatMap((name, i) => [
    {
      label: `dimension ThingName ${JSON.stringify(name).slice(0, 30)}`,
      value: {
        ...valid,
        id: `hostile-dimension-${i}`,
        detail: {
          ...detail,
          configuration: {
            metrics: [
              {
                ...metric,
                metricStat: {
                  ...metric.metricStat,
                  metric: { ...metric.metricStat.metric, dimensions: { ThingName: name } },
                },
              },
            ],
          },
        },
      },
    },
    {
      label: `tag ThingName ${JSON.stringify(name).slice(0, 30)}`,
      value: { ...valid, id: `hostile-tag-${i}`, detail: { ...detail, alarmTags: { ThingName: name } } },
    },
  ]);
}
