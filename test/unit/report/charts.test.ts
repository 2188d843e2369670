import { describe, expect, it } from 'vitest';
import {
  type GatePoint,
  gateChart,
  MAX_CHART_POINTS,
  membershipChart,
  TOP_GROUPS,
  yAxis,
} from '../../../local/report/charts';
import type { Evidence } from '../../../local/report/evidence';
import { gateSeries } from './fixture';

const decided = (outcome: string, p?: GatePoint): Evidence => ({
  outcome,
  ...(p
    ? {
        at: p.at,
        finished: p.finished,
        failed: Math.round(p.failureRate * p.finished),
        rate: p.failureRate,
        lower: p.lower,
        upper: p.upper,
        threshold: p.threshold,
      }
    : {}),
});
const attr = (svg: string, name: string): number => Number(new RegExp(`${name}="([^"]*)"`).exec(svg)?.[1]);

const polyline = (svg: string, cls: string): string[] => {
  const m = new RegExp(`class="${cls}" points="([^"]*)"`).exec(svg);
  return m?.[1] ? m[1].split(' ') : [];
};
const coords = (svg: string, cls: string): number[] =>
  polyline(svg, cls).flatMap((p) => p.split(',').map(Number));

describe('gateChart', () => {
  it('renders a placeholder for an empty series', () => {
    const html = gateChart([], undefined, 'stage');
    expect(html).toContain('chart-empty');
    expect(html).not.toContain('<svg');
  });

  it('renders a single point as a dot with finite coordinates', () => {
    const one: GatePoint[] = [{ at: 1000, finished: 1, failureRate: 0, lower: 0, upper: 1, threshold: 0.05 }];
    const svg = gateChart(one, decided('PROMOTED', one[0]), 'stage');
    expect(svg).toContain('class="rate-dot"');
    expect(svg).toContain('class="decision good"');
    expect(svg).toContain('class="decision-mark good"');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('downsamples 10,000 evaluations to at most MAX_CHART_POINTS and keeps the peak rate', () => {
    const series = gateSeries(10_000, 0.03, 0.05, 0, 5);
    const svg = gateChart(series, decided('HALT', series.at(-1)), 'big stage');
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
      decided('HALT', series.at(-1)),
      'x',
    );
    const peakYs = coords(all, 'rate').filter((_, i) => i % 2 === 1);
    expect(Math.min(...ys)).toBe(Math.min(...peakYs));
  });

  it('marks the decision point only once the gate decided', () => {
    const series = gateSeries(30, 0.01, 0.05, 0, 1);
    expect(gateChart(series, decided('HALT', series.at(-1)), 's')).toContain('class="decision bad"');
    expect(gateChart(series, decided('CONTINUE', series.at(-1)), 's')).not.toContain('class="decision');
    expect(gateChart(series, decided('RUNNING'), 's')).not.toContain('class="decision');
    expect(gateChart(series, undefined, 's')).not.toContain('class="decision');
  });

  it("draws the decision where the record says it was taken, with the record's numbers", () => {
    const series = gateSeries(300, 0.2, 0.05, 0, 3);
    const i = series.findIndex((p) => p.lower > p.threshold);
    const at = series[i] as GatePoint;
    // Evaluations went on after the decision (the job finished what it had started).
    const longer = [...series, ...series.map((p) => ({ ...p, at: p.at + 10 * 60_000 }))];
    const svg = gateChart(longer, decided('HALT', at), 'halt');
    expect(attr(svg, 'data-decision-at')).toBe(at.at);
    const failed = Math.round(at.failureRate * at.finished);
    expect(svg).toContain(`HALT ${failed}/${at.finished} failed`);
    // The whisker spans the record's bounds; its lower end sits above the threshold line.
    const whiskers = [...svg.matchAll(/class="whisker" x1="[^"]*" x2="[^"]*" y1="([^"]*)" y2="([^"]*)"/g)];
    const threshold = coords(svg, 'threshold')[1] as number;
    expect(Number(whiskers[0]?.[2])).toBeLessThan(threshold);
  });

  it('marks the crossing of the deciding bound, drawn over the decision line and clear of the right edge', () => {
    // A series that stops at the decision, as a halted stage's does: the crossing is its last point.
    const series = gateSeries(400, 0.2, 0.05, 0, 3);
    const last = series.at(-1) as GatePoint;
    expect(last.lower).toBeGreaterThan(last.threshold);
    const svg = gateChart(series, decided('HALT', last), 'halt');
    const cross = /class="crossing" cx="([^"]*)" cy="([^"]*)"/.exec(svg);
    expect(cross).not.toBeNull();
    expect(Number(cross?.[1])).toBeLessThan(560 - 14 - 20);
    expect(svg).toContain(`lower bound &gt; threshold at ${last.finished} finished`);
    // Painted after (over) the decision line, the band and the lower-bound line.
    expect(svg.indexOf('class="crossing"')).toBeGreaterThan(svg.indexOf('class="decision bad"'));
    expect(svg.indexOf('class="crossing"')).toBeGreaterThan(svg.indexOf('class="lower"'));
    expect(svg.indexOf('class="decision bad"')).toBeLessThan(svg.indexOf('class="band"'));
    // The promote side: the first evaluation whose upper bound is under the threshold.
    const good = gateSeries(800, 0.0, 0.05, 0, 4);
    const j = good.findIndex((p) => p.upper < p.threshold);
    const promoted = gateChart(good, decided('PROMOTE', good[j]), 'promote');
    expect(promoted).toContain(`upper bound &lt; threshold at ${good[j]?.finished} finished`);
  });

  it('fits the y axis to the data, the threshold and the decision, not to a fixed 20 %', () => {
    const low = gateSeries(200, 0.0, 0.01, 0, 4);
    const { max: lowMax } = yAxis(low);
    expect(lowMax).toBeGreaterThanOrEqual(0.01);
    expect(lowMax).toBeLessThan(0.05);
    const high = gateSeries(100, 0.4, 0.05, 0, 6);
    const top = Math.max(...high.map((p) => Math.max(p.failureRate, p.lower, p.threshold)));
    const { max } = yAxis(high);
    expect(max).toBeGreaterThanOrEqual(top);
    expect(max).toBeGreaterThan(0.2);
    expect(max).toBeLessThanOrEqual(1);
    const svg = gateChart(high, undefined, 'h');
    expect(attr(svg, 'data-y-max')).toBe(max);
    // The top tick is the axis maximum.
    const ticks = [...svg.matchAll(/class="tick y-tick"[^>]*>([^<]*)%</g)].map((m) => Number(m[1]));
    expect(Math.max(...ticks)).toBeCloseTo(max * 100, 6);
    // A decision whose lower bound is above every point still fits.
    const d = { ...decided('HALT', high.at(-1)), lower: 0.9, rate: 0.95 };
    expect(yAxis(high, d).max).toBeGreaterThanOrEqual(0.95);
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
    expect(gateChart(bad, decided('PROMOTE', bad[1]), 's')).not.toMatch(/NaN|Infinity/);
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
