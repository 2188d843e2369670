import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alarmEventSchema, parseAlarmTime } from '../../../shared/domain/tunnels/alarm-event';
import { alarmKind, markedBy, resolveThing } from '../../../shared/domain/tunnels/alarm-thing';
import { tagValue, tunnelTags } from '../../../shared/domain/tunnels/tunnel-record';

const fixture = (name: string) =>
  alarmEventSchema.parse(JSON.parse(readFileSync(`test/events/cloudwatch-${name}.json`, 'utf8'))).detail;

describe('CloudWatch alarm state change events', () => {
  it('parses every documented shape and classifies the alarm', () => {
    expect(alarmKind(fixture('single-metric'))).toBe('metric');
    expect(alarmKind(fixture('tagged'))).toBe('metric');
    expect(alarmKind(fixture('metric-math'))).toBe('metric-math');
    expect(alarmKind(fixture('composite'))).toBe('composite');
  });

  it('reads CloudWatch timestamps with +0000 offsets', () => {
    expect(parseAlarmTime('2026-01-01T10:00:00.985+0000')).toBe(Date.parse('2026-01-01T10:00:00.985Z'));
    expect(parseAlarmTime('yesterday')).toBeNaN();
  });

  it('rejects events that are not alarm state changes', () => {
    const event = JSON.parse(readFileSync('test/events/cloudwatch-single-metric.json', 'utf8'));
    expect(alarmEventSchema.safeParse({ ...event, source: 'aws.ec2' }).success).toBe(false);
    expect(
      alarmEventSchema.safeParse({ ...event, detail: { ...event.detail, state: { value: 'BROKEN' } } })
        .success,
    ).toBe(false);
  });
});

describe('marking and thing resolution', () => {
  it('marks by name prefix or by the propagated tag, nothing else', () => {
    expect(markedBy(fixture('single-metric'), 'fleet-tunnel-')).toBe('name-prefix');
    expect(markedBy(fixture('tagged'), 'fleet-tunnel-')).toBe('tag');
    expect(
      markedBy({ ...fixture('tagged'), alarmTags: { FleetAutopilotTunnel: 'no' } }, 'fleet-tunnel-'),
    ).toBeUndefined();
    expect(markedBy(fixture('single-metric'), '')).toBeUndefined();
  });

  it('prefers the ThingName tag, then a single-metric dimension, then one agreed metric-math thing', () => {
    expect(resolveThing(fixture('tagged'))).toEqual({ ok: true, thingName: 'sensor-0002', from: 'tag' });
    expect(resolveThing(fixture('single-metric'))).toEqual({
      ok: true,
      thingName: 'sensor-0001',
      from: 'dimension',
    });
    expect(resolveThing(fixture('metric-math'))).toEqual({
      ok: true,
      thingName: 'sensor-0003',
      from: 'dimension',
    });
    expect(resolveThing(fixture('composite'))).toEqual({ ok: true, thingName: 'sensor-0004', from: 'tag' });
  });

  it('refuses composite alarms without a tag, ambiguous metric math and invalid names', () => {
    const { alarmTags: _t, ...composite } = fixture('composite');
    expect(resolveThing(composite)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^alarm names no thing/),
    });
    const math = fixture('metric-math');
    const metrics = math.configuration.metrics ?? [];
    const two = metrics.map((m, i) =>
      m.metricStat && i === 2
        ? {
            ...m,
            metricStat: {
              ...m.metricStat,
              metric: { ...m.metricStat.metric, dimensions: { ThingName: 'x' } },
            },
          }
        : m,
    );
    expect(resolveThing({ ...math, configuration: { metrics: two } })).toMatchObject({ ok: false });
    expect(resolveThing({ ...fixture('tagged'), alarmTags: { ThingName: 'bad name!' } })).toMatchObject({
      ok: false,
    });
    const noDimension = { ...fixture('tagged'), alarmTags: undefined };
    expect(resolveThing(noDimension)).toMatchObject({ ok: false });
  });
});

describe('tunnel tags', () => {
  it('keeps tag values within what AWS accepts', () => {
    expect(tagValue('cpu (high) > 90%, #1')).toBe('cpu _high_ _ 90__ _1');
    expect(tagValue('x'.repeat(300))).toHaveLength(256);
    const tags = tunnelTags({
      alarmName: 'a',
      alarmArn: 'arn:aws:cloudwatch:x:1:alarm:a',
      auditId: 'id',
      claimId: 'c',
    });
    expect(tags[0]).toEqual({ key: 'managedBy', value: 'fleet-autopilot' });
    expect(tags.map((t) => t.key)).toContain('fleet-autopilot:audit-id');
  });
});
