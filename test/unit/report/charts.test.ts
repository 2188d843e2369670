import { describe, expect, it } from 'vitest';
import {
  type GatePoint,
  gateChart,
  MAX_CHART_POINTS,
  membershipChart,
  TOP_GROUPS,
} from '../../../local/report/charts';
import { gateSeries } from './fixture';

const polyline = (svg: string, cls: string): string[] => {
  const m = new RegExp(`class="${cls}" points="([^"]*)"`).exec(svg);
  return m?.[1] ? m[1].split(' ') : [];
};
const coords = (svg: string, cls: string): number[] =>
  polyline(svg, cls).flatMap((p) => p.split(',').map(Number));

describe('gateChart', () => {
  it('renders a placeholder for an empty series', () => {
    const html = gateChart([], 'PENDING', 'stage');
    expect(html).toContain('chart-empty');
    expect(html).not.toContain('<svg');
  });

  it('renders a single point as a dot with finite coordinates', () => {
    const one: GatePoint[] = [{ at: 1000, finished: 1, failureRate: 0, lower: 0, upper: 1, threshold: 0.05 }];
    const svg = gateChart(one, 'PROMOTED', 'stage');
    expect(svg).toContain('class="rate-dot"');
    expect(svg).toContain('class="decision good"');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('downsamples 10,000 evaluations to at most MAX_CHART_POINTS and keeps the peak rate', () => {
    const series = gateSeries(10_000, 0.03, 0.05, 0, 5);
    const svg = gateChart(series, 'HALTED', 'big stage');
    const rate = polyline(svg, 'rate');
    expect(rate.length).toBeGreaterThan(100);
    expect(rate.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    expect(svg).toContain('10,000 evaluations');
    expect(svg).not.toMatch(/NaN|Infinity/);
    // The highest rate is drawn: smallest y on the rate line equals the y of the series maximum.
    const ys = coords(svg, 'rate').filter((_, i) => i % 2 === 1);
    const peak = series.reduce((a, b) => (b.failureRate > a.failureRate ? b : a));
    const all = gateChart(
      [series[0] as GatePoint, peak, series[series.length - 1] as GatePoint],
      'HALTED',
      'x',
    );
    const peakYs = coords(all, 'rate').filter((_, i) => i % 2 === 1);
    expect(Math.min(...ys)).toBe(Math.min(...peakYs));
  });

  it('marks the decision point only once the gate decided', () => {
    const series = gateSeries(30, 0.01, 0.05, 0, 1);
    expect(gateChart(series, 'HALTED', 's')).toContain('class="decision bad"');
    expect(gateChart(series, 'HALTED', 's')).toContain('HALTED @ 30 finished');
    expect(gateChart(series, 'CONTINUE', 's')).not.toContain('class="decision');
    expect(gateChart(series, 'RUNNING', 's')).not.toContain('class="decision');
  });

  it('survives non-finite values', () => {
    const bad: GatePoint[] = [
      {
        at: 0,
        finished: 0,
        failureRate: Number.NaN,
        lower: 0,
        upper: Number.POSITIVE_INFINITY,
        threshold: 0.05,
      },
      { at: 10, finished: 1, failureRate: 0, lower: 0, upper: 1, threshold: 0.05 },
    ];
    expect(gateChart(bad, 'PROMOTED', 's')).not.toMatch(/NaN|Infinity/);
  });
});

describe('membershipChart', () => {
  it('draws the top groups and summarises the rest', () => {
    const groups = Array.from({ length: 35 }, (_, i) => ({ group: `g${i}`, members: 100 - i }));
    const svg = membershipChart([...groups].reverse());
    expect(svg.match(/class="bar"/g)).toHaveLength(TOP_GROUPS);
    expect(svg).toContain('>g0<');
    expect(svg).not.toContain('>g20<');
    expect(svg).toContain('and 15 more groups');
  });

  it('renders a placeholder without groups', () => {
    expect(membershipChart([])).toContain('No groups were populated');
  });
});
