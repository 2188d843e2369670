/** The header, summary strip and rollout sections of the HTML report. */
import { gateChart } from './charts';
import { duration, esc, num, pct, time, tone } from './format';
import type { RolloutReport, RunReport } from './model';
import { badge, badgeHtml, type Cell, table } from './table';

type Stage = RolloutReport['stages'][number];

const PROMOTED = /^(COMPLETED|PROMOTED|SUCCEEDED)$/i;
const HALTED = /^(HALTED|ABORTED|FAILED)$/i;

export const header = (r: RunReport): string => {
  const virtualMs = r.finishedAt - r.startedAt;
  const speed = r.wallMs > 0 && virtualMs > 0 ? `${(virtualMs / r.wallMs).toFixed(0)}× real time` : '';
  const facts: [string, string][] = [
    ['Seed', num(r.scenario.seed)],
    ['Devices', num(r.scenario.devices)],
    ['Virtual time', `${duration(virtualMs)} (${time(r.startedAt)} → ${time(r.finishedAt)})`],
    ['Wall time', `${duration(r.wallMs)}${speed ? ` · ${speed}` : ''}`],
  ];
  if (r.scenario.file) facts.push(['Scenario file', r.scenario.file]);
  return `<header><p class="eyebrow">Fleet Autopilot · local-stack run</p><h1>${esc(r.scenario.name)}</h1><dl class="facts">${facts
    .map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`)
    .join('')}</dl></header>`;
};

const card = (label: string, value: string, detail: string, kind = 'neutral'): string =>
  `<div class="card ${kind}"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div><div class="detail">${esc(detail)}</div></div>`;

export const summary = (r: RunReport): string => {
  const promoted = r.rollouts.filter((x) => PROMOTED.test(x.status)).length;
  const halted = r.rollouts.filter((x) => HALTED.test(x.status)).length;
  const other = r.rollouts.length - promoted - halted;
  const opened = r.tunnels.filter((t) => t.openedAt !== undefined).length;
  const closed = r.tunnels.filter((t) => t.closedAt !== undefined).length;
  const d = r.delivery;
  const lostKind = d.lost > 0 ? 'bad' : d.parked > 0 ? 'warn' : 'good';
  const throttled = r.calls.reduce((s, c) => s + c.throttled, 0);
  const calls = r.calls.reduce((s, c) => s + c.accepted + c.throttled, 0);
  return `<section class="summary" aria-label="Summary">${[
    card('Things grouped', num(r.grouping.things), `${num(r.grouping.groupsCreated)} groups created`),
    card(
      'Rollouts promoted / halted',
      `${num(promoted)} / ${num(halted)}`,
      `${num(r.rollouts.length)} total${other ? `, ${num(other)} other` : ''}`,
      halted > 0 ? 'warn' : promoted > 0 ? 'good' : 'neutral',
    ),
    card(
      'Tunnels opened / closed',
      `${num(opened)} / ${num(closed)}`,
      `${num(r.tunnels.length)} alarms handled`,
    ),
    card('Audit records', num(r.audit.total), `${num(Object.keys(r.audit.byAction).length)} actions`),
    card(
      'Events lost / parked',
      `${num(d.lost)} / ${num(d.parked)}`,
      `of ${num(d.published)} published`,
      lostKind,
    ),
    card('API calls', num(calls), `${num(throttled)} throttled`, throttled > 0 ? 'warn' : 'neutral'),
  ].join('')}</section>`;
};

const approvals = (s: Stage): Cell => {
  if (s.approvals.length === 0) return undefined;
  return {
    html: `<ul class="approvals">${s.approvals
      .map(
        (a) =>
          `<li><span class="badge ${tone(a.decision)}">${esc(a.decision)}</span> by <b>${esc(a.by)}</b>${
            a.comment ? ` <q>${esc(a.comment)}</q>` : ''
          }</li>`,
      )
      .join('')}</ul>`,
  };
};

const failureRate = (s: Stage): string => {
  const done = s.succeeded + s.failed;
  return done > 0 ? pct(s.failed / done) : '–';
};

const LEGEND =
  '<div class="legend"><span class="key rate"></span>observed failure rate <span class="key band"></span>' +
  'always-valid bounds <span class="key threshold"></span>threshold <span class="key decision"></span>decision</div>';

const stageFigure = (r: RolloutReport, s: Stage, i: number): string => {
  const last = s.series[s.series.length - 1];
  const stats = last
    ? `final: rate ${pct(last.failureRate)}, bounds [${pct(last.lower)}, ${pct(last.upper)}], threshold ${pct(
        last.threshold,
      )}, ${num(last.finished)} finished`
    : 'no evaluations';
  const title = `Gate of ${r.name}, stage ${i + 1} ${s.name}`;
  return `<figure class="stage-chart"><figcaption><b>Stage ${i + 1}: ${esc(s.name)}</b> ${badgeHtml(s.decision)} <span class="dim">${esc(stats)}</span></figcaption>${gateChart(
    s.series,
    s.decision,
    title,
  )}${s.series.length ? LEGEND : ''}</figure>`;
};

const rollout = (r: RolloutReport): string => {
  const rows: Cell[][] = r.stages.map((s, i) => [
    i + 1,
    { html: `<span class="nw">${esc(s.name)}</span>` },
    { html: `<code>${esc(s.jobId)}</code>` },
    badge(s.decision),
    s.reason,
    s.targets,
    s.succeeded,
    s.failed,
    { html: failureRate(s), numeric: true },
    approvals(s),
  ]);
  const stages = table(
    [
      '#',
      'Stage',
      'Job',
      'Decision',
      'Reason',
      'Targets',
      'Succeeded',
      'Failed',
      'Failure rate',
      'Approvals',
    ],
    rows,
    { empty: 'This rollout has no stages.' },
  );
  return `<article class="rollout"><h3>${esc(r.name)} ${badgeHtml(r.status)} <code class="dim">${esc(
    r.id,
  )}</code></h3>${stages}<div class="stage-grid">${r.stages.map((s, i) => stageFigure(r, s, i)).join('')}</div></article>`;
};

export const rollouts = (r: RunReport): string =>
  `<section id="rollouts"><h2>Rollouts</h2>${
    r.rollouts.length ? r.rollouts.map(rollout).join('') : '<p class="dim">No rollouts ran.</p>'
  }</section>`;
