/** Inline SVG charts for the HTML report; colours come from CSS classes so dark and light both work. */
import { downsample } from './downsample';
import { esc, num, shortDuration, tone } from './format';
import type { RolloutReport } from './model';

export type GatePoint = RolloutReport['stages'][number]['series'][number];
export type Membership = { group: string; members: number; parent?: string }[];

/** Most points a line chart draws; longer series are downsampled keeping extremes. */
export const MAX_CHART_POINTS = 500;
/** Groups drawn in the membership chart; the rest are summarised as "n more". */
export const TOP_GROUPS = 20;

const W = 560;
const H = 230;
const M = { left: 48, right: 14, top: 14, bottom: 36 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
const r1 = (v: number): string => (Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '0');
const finite = (v: number): number => (Number.isFinite(v) ? v : 0);

/** Decisions that mean the gate is still collecting evidence, so there is no decision point. */
const OPEN_DECISIONS = /^(RUNNING|CONTINUE|PENDING|WAITING|)$/i;

/** A round-ish upper limit for the y axis: big enough to show the rate, its lower bound and the threshold. */
const yLimit = (series: readonly GatePoint[]): number => {
  let top = 0;
  for (const p of series) {
    top = Math.max(top, finite(p.failureRate) * 1.25, finite(p.lower) * 1.25, finite(p.threshold) * 2.5);
  }
  if (top <= 0) return 0.1;
  const steps = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1];
  return steps.find((s) => s >= top) ?? 1;
};

const empty = (text: string): string => `<div class="chart-empty">${esc(text)}</div>`;

/**
 * Line chart of one stage's gate: observed failure rate, the always-valid [lower, upper] band, the
 * threshold, and a marker at the decision. The y axis focuses on the threshold region; the band is
 * clamped to the top edge while it is still wide.
 */
export const gateChart = (series: readonly GatePoint[], decision: string, title: string): string => {
  if (series.length === 0) return empty('No gate evaluations recorded for this stage.');
  const pts = downsample(series, MAX_CHART_POINTS, [(p) => p.failureRate, (p) => p.lower, (p) => p.upper]);
  const first = pts[0] as GatePoint;
  const last = pts[pts.length - 1] as GatePoint;
  const span = last.at - first.at;
  const t0 = span > 0 ? first.at : first.at - 500;
  const t1 = span > 0 ? last.at : first.at + 500;
  const yMax = yLimit(pts);
  const x = (at: number): number => M.left + ((at - t0) / (t1 - t0)) * PLOT_W;
  const y = (v: number): number => M.top + PLOT_H - (Math.min(Math.max(finite(v), 0), yMax) / yMax) * PLOT_H;
  const line = (get: (p: GatePoint) => number): string =>
    pts.map((p) => `${r1(x(p.at))},${r1(y(get(p)))}`).join(' ');
  // Threshold drawn as steps: it holds until the next evaluation changes it.
  const steps = pts.flatMap((p, i) => {
    const next = pts[i + 1];
    const end = next ? next.at : t1;
    return [`${r1(x(p.at))},${r1(y(p.threshold))}`, `${r1(x(end))},${r1(y(p.threshold))}`];
  });
  if (pts.length === 1) steps.unshift(`${r1(M.left)},${r1(y(first.threshold))}`);
  const band = `${line((p) => p.upper)} ${[...pts]
    .reverse()
    .map((p) => `${r1(x(p.at))},${r1(y(p.lower))}`)
    .join(' ')}`;

  const parts: string[] = [];
  // yMax is 1, 2 or 5 times a power of ten (or 0.25), so fifths are round percentages.
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    const yy = r1(y(v));
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}"/>`);
    parts.push(
      `<text class="tick" x="${M.left - 6}" y="${yy}" text-anchor="end" dy="0.32em">${+(v * 100).toFixed(2)}%</text>`,
    );
  }
  // A single instant gets one tick; otherwise six across the span.
  const ticks = span > 0 ? [0, 1, 2, 3, 4, 5] : [2.5];
  for (const i of ticks) {
    const at = t0 + ((t1 - t0) * i) / 5;
    const anchor = i === 0 ? 'start' : i === 5 ? 'end' : 'middle';
    parts.push(
      `<text class="tick" x="${r1(x(at))}" y="${H - M.bottom + 16}" text-anchor="${anchor}">${esc(shortDuration(at - first.at))}</text>`,
    );
  }
  parts.push(
    `<text class="axis-label" x="${M.left + PLOT_W / 2}" y="${H - 4}" text-anchor="middle">virtual time since first evaluation</text>`,
  );
  parts.push(`<polygon class="band" points="${band}"/>`);
  parts.push(`<polyline class="threshold" points="${steps.join(' ')}"/>`);
  parts.push(`<polyline class="rate" points="${line((p) => p.failureRate)}"/>`);
  if (pts.length === 1) {
    parts.push(`<circle class="rate-dot" cx="${r1(x(first.at))}" cy="${r1(y(first.failureRate))}" r="3.5"/>`);
  }
  if (!OPEN_DECISIONS.test(decision.trim())) {
    const dx = x(last.at);
    const near = dx > W - M.right - 150;
    parts.push(
      `<line class="decision ${tone(decision)}" x1="${r1(dx)}" x2="${r1(dx)}" y1="${M.top}" y2="${M.top + PLOT_H}"/>`,
      `<circle class="decision-dot ${tone(decision)}" cx="${r1(dx)}" cy="${r1(y(last.failureRate))}" r="4"/>`,
      `<text class="decision-label ${tone(decision)}" x="${r1(near ? dx - 6 : dx + 6)}" y="${M.top + 12}" text-anchor="${near ? 'end' : 'start'}">${esc(decision)} @ ${num(last.finished)} finished</text>`,
    );
  }
  const note = series.length > pts.length ? ` (${num(series.length)} evaluations, ${pts.length} drawn)` : '';
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`${title}${note}`)}"><title>${esc(`${title}${note}`)}</title>${parts.join('')}</svg>`;
};

/** Horizontal bar chart of members per group, largest first, top {@link TOP_GROUPS} drawn. */
export const membershipChart = (membership: Membership): string => {
  if (membership.length === 0) return empty('No groups were populated.');
  const sorted = [...membership].sort((a, b) => finite(b.members) - finite(a.members));
  const top = sorted.slice(0, TOP_GROUPS);
  const rest = sorted.slice(TOP_GROUPS);
  const max = Math.max(1, ...top.map((g) => finite(g.members)));
  const width = 900;
  const row = 22;
  const labelW = 250;
  const barW = width - labelW - 70;
  const h = top.length * row + 8;
  const bars = top.map((g, i) => {
    const yy = 4 + i * row;
    const w = Math.max(1, (finite(g.members) / max) * barW);
    const label = g.group.length > 32 ? `${g.group.slice(0, 31)}…` : g.group;
    const full = g.parent
      ? `${g.group} (parent ${g.parent}): ${num(g.members)}`
      : `${g.group}: ${num(g.members)}`;
    return (
      `<g><title>${esc(full)}</title>` +
      `<text class="bar-label" x="${labelW - 8}" y="${yy + row / 2}" text-anchor="end" dy="0.32em">${esc(label)}</text>` +
      `<rect class="bar" x="${labelW}" y="${yy + 3}" width="${r1(w)}" height="${row - 6}" rx="2"/>` +
      `<text class="tick" x="${r1(labelW + w + 6)}" y="${yy + row / 2}" dy="0.32em">${num(g.members)}</text></g>`
    );
  });
  const more = rest.length
    ? `<p class="more">and ${num(rest.length)} more group${rest.length === 1 ? '' : 's'} (${num(
        rest.reduce((s, g) => s + finite(g.members), 0),
      )} memberships)</p>`
    : '';
  return `<svg class="chart" viewBox="0 0 ${width} ${h}" role="img" aria-label="Members per group"><title>Members per group</title>${bars.join('')}</svg>${more}`;
};
