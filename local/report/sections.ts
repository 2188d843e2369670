/** The header, summary strip and rollout sections of the HTML report. */
import { gateChart } from './charts';
import { type Evidence, evidenceParts, isDecided, otherFields, ruleText, stageEvidence } from './evidence';
import { duration, esc, num, pct, time, tone } from './format';
import { healthFigure } from './health-chart';
import type { RolloutReport, RunReport } from './model';
import { badge, badgeHtml, type Cell, table } from './table';
import { healthWhyText, whyText } from './why';

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

const shortRule = (s: Stage, ev: Evidence | undefined): string | undefined => {
  if (ev?.rule) return ev.rule;
  if (!ev?.reason) return s.reason;
  const rule = ruleText(ev);
  const cut = rule.indexOf(':');
  return cut > 0 ? rule.slice(0, cut) : rule;
};

const atDecision = (ev: Evidence | undefined): Cell => {
  if (!ev || ev.finished === undefined) return undefined;
  const counts =
    ev.failed === undefined ? `${num(ev.finished)} finished` : `${num(ev.failed)}/${num(ev.finished)} failed`;
  const bounds =
    ev.lower !== undefined && ev.upper !== undefined ? ` [${pct(ev.lower)}, ${pct(ev.upper)}]` : '';
  // Two unbreakable halves that may sit on two lines, so the column stays narrow.
  return {
    html: `<span class="lines"><span class="nw">${esc(counts)}</span>${bounds ? ` <span class="nw">${esc(bounds.trim())}</span>` : ''}</span>`,
    numeric: true,
  };
};

const recordList = (s: Stage): string => {
  const rec = s.decisionRecord;
  if (!rec) return '';
  const show = (v: unknown): string =>
    typeof v === 'number' ? String(+v.toPrecision(6)) : typeof v === 'string' ? v : JSON.stringify(v);
  const rows: [string, unknown][] = [
    ...Object.entries(rec).filter(([k]) => k !== 'evidence'),
    ...Object.entries(rec.evidence ?? {}).map(([k, v]): [string, unknown] => [`evidence.${k}`, v]),
  ];
  const extra = new Set(otherFields(rec).map(([k]) => k));
  return `<details class="record"><summary>Decision record (${num(rows.length)} fields, as recorded)</summary><dl>${rows
    .map(
      ([k, v]) =>
        `<div${extra.has(k.replace(/^evidence\./, '')) ? ' class="extra"' : ''}><dt>${esc(k)}</dt><dd>${esc(show(v))}</dd></div>`,
    )
    .join('')}</dl></details>`;
};

const legend = (svg: string): string => {
  const cut = /data-upper-cut="true"/.test(svg) ? ' (upper edge cut at the top)' : '';
  return (
    '<div class="legend"><span><span class="key rate"></span>observed failure rate</span>' +
    `<span><span class="key band"></span>always-valid bounds${cut}</span>` +
    '<span><span class="key lower"></span>lower bound</span>' +
    '<span><span class="key threshold"></span>threshold</span>' +
    '<span><span class="key crossing"></span>bound crosses threshold</span>' +
    '<span><span class="key decision"></span>decision (dot: rate, whisker: bounds)</span></div>'
  );
};

const stageFigure = (r: RolloutReport, s: Stage, i: number): string => {
  const { ev, recorded } = stageEvidence(s);
  const decided = isDecided(ev);
  let evidence = '<p class="evidence dim">No gate evaluations.</p>';
  if (ev) {
    const label = !decided
      ? 'Latest evaluation'
      : recorded
        ? `At the decision${ev.at !== undefined ? ` (${time(ev.at)})` : ''}`
        : 'Last evaluation (no decision record)';
    const { head, facts, rule } = evidenceParts(ev);
    evidence = `<p class="evidence ${decided ? tone(ev.outcome) : 'neutral'}" data-outcome="${esc(ev.outcome)}"><span class="dim">${esc(
      label,
    )}:</span> <b>${esc(head)}</b>${facts ? `: ${esc(facts)}` : ''} <span class="rule">(${esc(rule)})</span></p>`;
  }
  const why = recorded ? whyText(ev) : [];
  const asked = s.approvals
    .filter((a) => a.reason)
    .map(
      (a) =>
        `Asked a person${a.kind ? ` (${a.kind})` : ''}: ${a.reason}; ${a.decision.toLowerCase()}${a.by ? ` by ${a.by}` : ''}.`,
    );
  const lines = [...why, ...healthWhyText(s), ...asked];
  const title = `Gate of ${r.name}, stage ${i + 1} ${s.name}`;
  const svg = gateChart(s.series, decided ? ev : undefined, title);
  return `<figure class="stage-chart"><figcaption><b>Stage ${i + 1}: ${esc(s.name)}</b> ${badgeHtml(
    s.decision,
  )}</figcaption>${evidence}${
    lines.length ? `<ul class="why">${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : ''
  }${svg}${s.series.length ? legend(svg) : ''}${recordList(s)}</figure>`;
};

const rollout = (r: RolloutReport): string => {
  const evidence = r.stages.map((s) => stageEvidence(s).ev);
  const withStarted = evidence.some((ev) => ev?.started !== undefined);
  const rows: Cell[][] = r.stages.map((s, i) => {
    const ev = evidence[i];
    return [
      i + 1,
      {
        html: `<span><span class="nw">${esc(s.name)}</span>${s.jobId ? `<br><code class="dim">${esc(s.jobId)}</code>` : ''}</span>`,
      },
      badge(s.decision),
      ((rule) => (rule ? { html: `<span class="nw">${esc(rule)}</span>` } : undefined))(shortRule(s, ev)),
      s.targets,
      ...(withStarted ? [ev?.started] : []),
      s.succeeded,
      s.failed,
      { html: failureRate(s), numeric: true },
      atDecision(isDecided(ev) ? ev : undefined),
      approvals(s),
    ];
  });
  const stages = table(
    [
      '#',
      'Stage and job',
      'Decision',
      'Rule',
      'Targets',
      ...(withStarted ? ['Started'] : []),
      'Succeeded',
      'Failed',
      'Failure rate',
      'At decision',
      'Approvals',
    ],
    rows,
    { empty: 'This rollout has no stages.', stack: true, className: 'stages' },
  );
  return `<article class="rollout"><h3>${esc(r.name)} ${badgeHtml(r.status)} <code class="dim">${esc(
    r.id,
  )}</code></h3>${stages}<div class="stage-grid">${r.stages.map((s, i) => stageFigure(r, s, i)).join('')}</div>${healthFigure(r)}</article>`;
};

export const rollouts = (r: RunReport): string =>
  `<section id="rollouts"><h2>Rollouts</h2>${
    r.rollouts.length ? r.rollouts.map(rollout).join('') : '<p class="dim">No rollouts ran.</p>'
  }</section>`;
