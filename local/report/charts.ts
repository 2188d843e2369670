/** Inline SVG charts for the HTML report; colours come from CSS classes so dark and light both work. */
import { downsample } from './downsample';
import { type Evidence, isDecided } from './evidence';
import { esc, num, shortDuration, tone } from './format';
import type { RolloutReport } from './model';

export type GatePoint = RolloutReport['stages'][number]['series'][number];
export type Membership = { group: string; members: number; parent?: string }[];

/** Most points a line chart draws; longer series are downsampled keeping extremes. */
export const MAX_CHART_POINTS = 500;
/** Groups drawn in the membership chart; the rest are summarised as "n more". */
export const TOP_GROUPS = 20;

const W = 560;
const H = 250;
const M = { left: 46, right: 14, top: 26, bottom: 36 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
/** Room right of the last point, so a decision at the end is not drawn on the edge. */
const RIGHT_PAD = 0.07;
const r1 = (v: number): string => (Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '0');
const finite = (v: number | undefined): number => (v !== undefined && Number.isFinite(v) ? v : 0);

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `raw`. */
const niceStep = (raw: number): number => {
  const p = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= raw * (1 - 1e-9)) ?? 10) * p;
};

/**
 * The y axis fitted to what matters: the observed rate, the lower bound, the threshold and the
 * decision's own numbers, with some headroom; the wide early upper bound is cut at the top instead.
 */
export const yAxis = (series: readonly GatePoint[], decision?: Evidence): { max: number; step: number } => {
  let top = 0;
  for (const p of series) top = Math.max(top, finite(p.failureRate), finite(p.lower), finite(p.threshold));
  if (decision)
    top = Math.max(top, finite(decision.rate), finite(decision.lower), finite(decision.threshold));
  top = Math.min(1, top * 1.15);
  if (top <= 0) return { max: 0.05, step: 0.01 };
  const step = niceStep(top / 4);
  return { max: Math.min(1, Math.ceil(top / step - 1e-9) * step), step };
};

const empty = (text: string): string => `<div class="chart-empty">${esc(text)}</div>`;

/** The first evaluation where the deciding bound is past the threshold: the crossing the decision rests on. */
const crossing = (series: readonly GatePoint[], decision: Evidence | undefined): GatePoint | undefined => {
  if (decision?.outcome === 'HALT') return series.find((p) => p.lower > p.threshold);
  if (decision?.outcome === 'PROMOTE' && decision.reason !== 'STAGE_RATE_BELOW_THRESHOLD')
    return series.find((p) => p.finished > 0 && p.upper < p.threshold);
  return undefined;
};

/**
 * Line chart of one stage's gate: observed failure rate, the always-valid [lower, upper] band with
 * its lower edge drawn, the threshold, the point where the deciding bound crossed it, and the
 * decision marked where it was taken with the record's own numbers (rate and bounds as a whisker).
 */
export const gateChart = (
  series: readonly GatePoint[],
  decision: Evidence | undefined,
  title: string,
): string => {
  if (series.length === 0) return empty('No gate evaluations recorded for this stage.');
  const pts = downsample(series, MAX_CHART_POINTS, [(p) => p.failureRate, (p) => p.lower, (p) => p.upper]);
  const first = pts[0] as GatePoint;
  const last = pts[pts.length - 1] as GatePoint;
  const decided = decision && isDecided(decision) ? decision : undefined;
  const decisionAt =
    decided?.at ?? (decided ? (series.find((p) => p.finished === decided.finished) ?? last).at : undefined);
  const end = Math.max(last.at, decisionAt ?? last.at);
  const span = end - first.at;
  const t0 = span > 0 ? first.at : first.at - 500;
  const t1 = span > 0 ? end + span * RIGHT_PAD : first.at + 500;
  const { max: yMax, step } = yAxis(pts, decided);
  const x = (at: number): number => M.left + ((at - t0) / (t1 - t0)) * PLOT_W;
  const y = (v: number): number => M.top + PLOT_H - (Math.min(Math.max(finite(v), 0), yMax) / yMax) * PLOT_H;
  const line = (get: (p: GatePoint) => number): string =>
    pts.map((p) => `${r1(x(p.at))},${r1(y(get(p)))}`).join(' ');
  // Threshold drawn as steps: it holds until the next evaluation changes it.
  const steps = pts.flatMap((p, i) => {
    const next = pts[i + 1];
    const stop = next ? next.at : t1;
    return [`${r1(x(p.at))},${r1(y(p.threshold))}`, `${r1(x(stop))},${r1(y(p.threshold))}`];
  });
  if (pts.length === 1) steps.unshift(`${r1(M.left)},${r1(y(first.threshold))}`);
  const band = `${line((p) => p.upper)} ${[...pts]
    .reverse()
    .map((p) => `${r1(x(p.at))},${r1(y(p.lower))}`)
    .join(' ')}`;

  const parts: string[] = [];
  const tickCount = Math.round(yMax / step);
  for (let i = 0; i <= tickCount; i++) {
    const v = Math.min(yMax, i * step);
    const yy = r1(y(v));
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}"/>`);
    parts.push(
      `<text class="tick y-tick" x="${M.left - 6}" y="${yy}" text-anchor="end" dy="0.32em">${+(v * 100).toFixed(2)}%</text>`,
    );
  }
  // A single instant gets one tick; otherwise six across the evaluations.
  const ticks = span > 0 ? [0, 1, 2, 3, 4, 5] : [2.5];
  for (const i of ticks) {
    const at = span > 0 ? first.at + (span * i) / 5 : t0 + (t1 - t0) / 2;
    parts.push(
      `<text class="tick" x="${r1(x(at))}" y="${H - M.bottom + 16}" text-anchor="${i === 0 ? 'start' : 'middle'}">${esc(shortDuration(at - first.at))}</text>`,
    );
  }
  parts.push(
    `<text class="axis-label" x="${M.left + PLOT_W / 2}" y="${H - 4}" text-anchor="middle">virtual time since first evaluation</text>`,
  );
  // The decision's line and the time after it sit behind the data, so no crossing hides behind them.
  const dx = decisionAt === undefined ? undefined : x(decisionAt);
  const t = tone(decided?.outcome);
  if (decided && dx !== undefined) {
    parts.push(
      `<rect class="after" x="${r1(dx)}" y="${M.top}" width="${r1(W - M.right - dx)}" height="${PLOT_H}"/>`,
      `<line class="decision ${t}" x1="${r1(dx)}" x2="${r1(dx)}" y1="${M.top - 4}" y2="${M.top + PLOT_H}"/>`,
    );
  }
  parts.push(`<polygon class="band" points="${band}"/>`);
  parts.push(`<polyline class="lower" points="${line((p) => p.lower)}"/>`);
  parts.push(`<polyline class="threshold" points="${steps.join(' ')}"/>`);
  parts.push(`<polyline class="rate" points="${line((p) => p.failureRate)}"/>`);
  if (pts.length === 1) {
    parts.push(`<circle class="rate-dot" cx="${r1(x(first.at))}" cy="${r1(y(first.failureRate))}" r="3.5"/>`);
  }
  if (decided && dx !== undefined) parts.push(decisionMark(decided, dx, y));
  const cross = crossing(series, decided);
  if (cross) {
    const cx = x(cross.at);
    const bound = decided?.outcome === 'HALT' ? cross.lower : cross.upper;
    const left = cx > M.left + PLOT_W / 2;
    const label = `${decided?.outcome === 'HALT' ? 'lower' : 'upper'} bound ${decided?.outcome === 'HALT' ? '>' : '<'} threshold at ${num(cross.finished)} finished`;
    parts.push(
      `<circle class="crossing" cx="${r1(cx)}" cy="${r1(y(bound))}" r="5"/>`,
      `<text class="cross-label" x="${r1(left ? cx - 9 : cx + 9)}" y="${r1(y(bound) + (decided?.outcome === 'HALT' ? 16 : -10))}" text-anchor="${left ? 'end' : 'start'}">${esc(label)}</text>`,
    );
  }
  const note = series.length > pts.length ? ` (${num(series.length)} evaluations, ${pts.length} drawn)` : '';
  const threshold = Math.max(...pts.map((p) => finite(p.threshold)));
  const clipped = pts.some((p) => p.upper > yMax);
  return `<svg class="chart gate" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`${title}${note}`)}" data-y-max="${yMax}" data-threshold="${threshold}" data-upper-cut="${clipped}"${
    decisionAt === undefined ? '' : ` data-decision-at="${decisionAt}"`
  }><title>${esc(`${title}${note}`)}</title>${parts.join('')}</svg>`;
};

/** The decision where it was taken: its observed rate as a dot, its bounds as a whisker, a short label on top. */
const decisionMark = (d: Evidence, dx: number, y: (v: number) => number): string => {
  const t = tone(d.outcome);
  const out: string[] = [`<g class="decision-mark ${t}">`];
  if (d.lower !== undefined && d.upper !== undefined) {
    const [yl, yu] = [y(d.lower), y(d.upper)];
    out.push(
      `<line class="whisker" x1="${r1(dx)}" x2="${r1(dx)}" y1="${r1(yu)}" y2="${r1(yl)}"/>`,
      `<line class="whisker" x1="${r1(dx - 5)}" x2="${r1(dx + 5)}" y1="${r1(yl)}" y2="${r1(yl)}"/>`,
      `<line class="whisker" x1="${r1(dx - 5)}" x2="${r1(dx + 5)}" y1="${r1(yu)}" y2="${r1(yu)}"/>`,
    );
  }
  if (d.rate !== undefined)
    out.push(`<circle class="decision-dot" cx="${r1(dx)}" cy="${r1(y(d.rate))}" r="4"/>`);
  const counts =
    d.failed !== undefined && d.finished !== undefined ? ` ${num(d.failed)}/${num(d.finished)} failed` : '';
  const word = d.outcome === 'INCONCLUSIVE_AT_DEADLINE' ? 'INCONCLUSIVE' : d.outcome;
  const left = dx > M.left + PLOT_W / 2;
  out.push(
    `<text class="decision-label" x="${r1(left ? dx + 4 : dx - 4)}" y="${M.top - 9}" text-anchor="${left ? 'end' : 'start'}">${esc(`${word}${counts}`)}</text>`,
    '</g>',
  );
  return out.join('');
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
