/** Grouping, tunnel, audit, delivery, API-call and progress-log sections of the HTML report. */
import { membershipChart } from './charts';
import { duration, esc, num, pct, time } from './format';
import type { RunReport } from './model';
import { badge, type Cell, table } from './table';

/** Progress lines shown at most; the JSON report keeps them all. */
const MAX_STEP_LINES = 2000;

const share = (part: number, whole: number): Cell => ({
  html: whole > 0 ? pct(part / whole) : '–',
  numeric: true,
});

export const grouping = (r: RunReport): string =>
  `<section id="grouping"><h2>Membership per group</h2><p class="dim">${num(r.grouping.things)} things in ${num(
    r.grouping.membership.length,
  )} groups (${num(r.grouping.groupsCreated)} created during the run).</p>${membershipChart(
    r.grouping.membership,
  )}</section>`;

export const tunnels = (r: RunReport): string => {
  const rows: Cell[][] = r.tunnels.map((t) => [
    t.thingName,
    t.alarmName,
    t.tunnelId ? { html: `<code>${esc(t.tunnelId)}</code>` } : undefined,
    t.openedAt === undefined ? undefined : time(t.openedAt),
    t.closedAt === undefined ? undefined : time(t.closedAt),
    t.openedAt !== undefined && t.closedAt !== undefined ? duration(t.closedAt - t.openedAt) : undefined,
    badge(t.outcome),
  ]);
  return `<section id="tunnels"><h2>Tunnels</h2>${table(
    ['Thing', 'Alarm', 'Tunnel id', 'Opened', 'Closed', 'Open for', 'Outcome'],
    rows,
    { empty: 'No alarms opened a tunnel.', stack: true },
  )}</section>`;
};

export const audit = (r: RunReport): string => {
  const rows: Cell[][] = Object.entries(r.audit.byAction)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([action, n]) => [{ html: `<code>${esc(action)}</code>` }, n, share(n, r.audit.total)]);
  return `<section id="audit"><h2>Audit records by action</h2>${table(['Action', 'Records', 'Share'], rows, {
    empty: 'No audit records.',
    foot: ['Total', r.audit.total, undefined],
  })}</section>`;
};

export const delivery = (r: RunReport): string => {
  const d = r.delivery;
  const rows: Cell[][] = [
    ['Published', d.published, undefined],
    ['Delivered', d.delivered, share(d.delivered, d.published)],
    ['Duplicated', d.duplicated, share(d.duplicated, d.published)],
    [
      { html: d.lost > 0 ? '<span class="bad-text">Lost</span>' : 'Lost' },
      d.lost,
      share(d.lost, d.published),
    ],
    ['Parked (DLQ)', d.parked, share(d.parked, d.published)],
  ];
  return `<div><h2>Event delivery</h2>${table(['Events', 'Count', 'Of published'], rows)}</div>`;
};

export const calls = (r: RunReport): string => {
  const sorted = [...r.calls].sort(
    (a, b) => b.accepted + b.throttled - (a.accepted + a.throttled) || a.operation.localeCompare(b.operation),
  );
  const rows: Cell[][] = sorted.map((c) => [
    { html: `<code>${esc(c.operation)}</code>` },
    c.accepted,
    c.throttled > 0 ? { html: `<span class="warn-text">${num(c.throttled)}</span>`, numeric: true } : 0,
    share(c.throttled, c.accepted + c.throttled),
  ]);
  const acc = r.calls.reduce((s, c) => s + c.accepted, 0);
  const thr = r.calls.reduce((s, c) => s + c.throttled, 0);
  return `<div><h2>API calls</h2>${table(['Operation', 'Accepted', 'Throttled', 'Throttled %'], rows, {
    empty: 'No API calls recorded.',
    foot: ['Total', acc, thr, share(thr, acc + thr)],
  })}</div>`;
};

/** Where the wall time went, phase by phase (reports written before phases were timed have none). */
export const phases = (r: RunReport): string => {
  const list = r.phases ?? [];
  if (list.length === 0) return '';
  const total = list.reduce((n, p) => n + p.wallMs, 0);
  const rows: Cell[][] = list.map((p) => [
    p.name,
    { html: esc(duration(p.wallMs)), numeric: true },
    share(p.wallMs, total),
  ]);
  return `<div id="phases"><h2>Wall time by phase</h2>${table(['Phase', 'Wall time', 'Share'], rows, {
    foot: ['Total', { html: esc(duration(total)), numeric: true }, undefined],
  })}</div>`;
};

export const steps = (r: RunReport): string => {
  if (r.steps.length === 0) return '';
  const shown = r.steps.slice(-MAX_STEP_LINES);
  const cut = r.steps.length - shown.length;
  const lines = shown.map(
    (s) => `<span class="dim">+${esc(duration(s.at - r.startedAt))}</span>  ${esc(s.text)}`,
  );
  return `<section id="steps"><details><summary>Progress log (${num(r.steps.length)} lines${
    cut ? `, last ${num(shown.length)} shown` : ''
  })</summary><pre>${lines.join('\n')}</pre></details></section>`;
};
