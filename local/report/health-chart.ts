/**
 * Health after success and the rollback, per rollout: for each stage that ran, one bar of what its job's
 * devices came to (healthy after success, unhealthy after success, failed...) and one of what the
 * rollback did for that stage's devices, on the same scale; the sentences behind it; a few examples.
 */
import { esc, num, time } from './format';
import { evidenceText, healthSentence, healthSplit, reasonWords, rollbackLines } from './health-text';
import type { RolloutReport } from './model';
import { badgeHtml } from './table';

type Stage = RolloutReport['stages'][number];
type Segment = { kind: SegmentKind; n: number };

/** Segment kinds, in the order they are drawn and listed; each has a class (colour) and a label. */
const SEGMENTS = {
  healthy: 'healthy after success',
  succeeded: 'succeeded (no health signals)',
  unjudged: 'succeeded, not judged',
  unhealthy: 'unhealthy after success',
  failed: 'job failed',
  open: 'not finished',
  rolledback: 'rolled back',
  rbfailed: 'rollback failed',
  rbopen: 'rollback in progress',
  unreached: 'rollback not reached',
} as const;
type SegmentKind = keyof typeof SEGMENTS;

/** Narrower than the gate charts' 560: on a phone it is scaled down the least. */
const W = 520;
const LABEL_W = 70;
const COUNT_W = 44;
const BAR_W = W - LABEL_W - COUNT_W;
const ROW = 22;
const BAR_H = 15;
const HEAD = 20;
const r1 = (v: number): string => String(Math.round(v * 10) / 10);

/** The stages worth a bar: they ran a job, and have health signals or devices in the rollback. */
const charted = (r: RolloutReport): { s: Stage; i: number }[] =>
  r.stages.flatMap((s, i) => (s.jobOutcome && (s.health || s.rollback) ? [{ s, i }] : []));

const updateSegments = (s: Stage): Segment[] => {
  const job = s.jobOutcome ?? { succeeded: 0, failed: 0, notFinished: 0 };
  const split = healthSplit(s);
  return [
    ...(split
      ? [
          { kind: 'healthy' as const, n: split.healthy },
          { kind: 'unjudged' as const, n: split.notJudged },
          { kind: 'unhealthy' as const, n: split.unhealthy },
        ]
      : [{ kind: 'succeeded' as const, n: job.succeeded }]),
    { kind: 'failed' as const, n: job.failed },
    { kind: 'open' as const, n: job.notFinished },
  ].filter((x) => x.n > 0);
};

const rollbackSegments = (s: Stage): Segment[] => {
  const rb = s.rollback;
  if (!rb) return [];
  return [
    { kind: 'rolledback' as const, n: rb.succeeded },
    { kind: 'rbfailed' as const, n: rb.failed },
    { kind: 'rbopen' as const, n: rb.inProgress },
    { kind: 'unreached' as const, n: rb.notReached },
  ].filter((x) => x.n > 0);
};

const segmentsText = (segments: readonly Segment[]): string =>
  segments.length ? segments.map((x) => `${num(x.n)} ${SEGMENTS[x.kind]}`).join(', ') : 'none';

/** One bar: its segments left to right on the stage's scale, the total after it. */
const bar = (
  segments: readonly Segment[],
  label: string,
  y: number,
  scale: number,
  stage: string,
  kind: string,
): string => {
  let x = LABEL_W;
  const rects = segments.map((seg) => {
    const w = Math.max(1.5, (seg.n / scale) * BAR_W);
    const rect = `<rect class="seg ${seg.kind}" x="${r1(x)}" y="${r1(y + (ROW - BAR_H) / 2)}" width="${r1(w)}" height="${BAR_H}" data-count="${seg.n}"><title>${esc(
      `${stage}, ${label}: ${num(seg.n)} ${SEGMENTS[seg.kind]}`,
    )}</title></rect>`;
    const text =
      w >= 30
        ? `<text class="seg-label ${seg.kind}" x="${r1(x + w / 2)}" y="${r1(y + ROW / 2)}" text-anchor="middle" dy="0.32em">${num(seg.n)}</text>`
        : '';
    x += w;
    return rect + text;
  });
  const total = segments.reduce((n, seg) => n + seg.n, 0);
  return `<g class="health-bar" data-stage="${esc(stage)}" data-kind="${kind}" data-total="${total}"><text class="bar-label" x="${LABEL_W - 8}" y="${r1(
    y + ROW / 2,
  )}" text-anchor="end" dy="0.32em">${esc(label)}</text>${rects.join('')}<text class="tick" x="${r1(x + 6)}" y="${r1(
    y + ROW / 2,
  )}" dy="0.32em">${num(total)}</text></g>`;
};

/** The chart alone: per stage a heading, the update bar and (when the rollback reached it) the rollback bar. */
export const healthChart = (r: RolloutReport): string => {
  const stages = charted(r);
  if (stages.length === 0) return '';
  const parts: string[] = [];
  const said: string[] = [];
  let y = 0;
  for (const { s, i } of stages) {
    const update = updateSegments(s);
    const rollback = rollbackSegments(s);
    const scale = Math.max(
      1,
      update.reduce((n, seg) => n + seg.n, 0),
    );
    const name = `stage ${i + 1} ${s.name}`;
    parts.push(
      `<text class="stage-label" x="0" y="${r1(y + 14)}">${esc(`Stage ${i + 1}: ${s.name}`)} <tspan class="dim-text">(${esc(
        `${num(scale)} executions`,
      )})</tspan></text>`,
    );
    y += HEAD;
    parts.push(bar(update, 'update', y, scale, name, 'update'));
    y += ROW;
    if (s.rollback) {
      parts.push(bar(rollback, 'rollback', y, scale, name, 'rollback'));
      y += ROW;
    }
    y += 8;
    said.push(
      `${name}: update ${segmentsText(update)}${s.rollback ? `; rollback ${segmentsText(rollback)}` : ''}`,
    );
  }
  const title = `Health after success and rollback of ${r.name}: ${said.join('; ')}`;
  return `<svg class="chart health" viewBox="0 0 ${W} ${r1(y)}" role="img" aria-label="${esc(title)}"><title>${esc(
    title,
  )}</title>${parts.join('')}</svg>`;
};

/** The keys of the segments the chart draws, in drawing order. */
const legend = (r: RolloutReport): string => {
  const kinds = new Set(
    charted(r).flatMap(({ s }) => [...updateSegments(s), ...rollbackSegments(s)].map((x) => x.kind)),
  );
  const keys = (Object.keys(SEGMENTS) as SegmentKind[]).filter((k) => kinds.has(k));
  return `<div class="legend">${keys
    .map((k) => `<span><span class="key seg ${k}"></span>${esc(SEGMENTS[k])}</span>`)
    .join('')}</div>`;
};

const examples = (r: RolloutReport): string => {
  const rows = r.stages.flatMap((s) =>
    (s.health?.examples ?? []).map((e) => ({ stage: s.name, signals: s.health?.signals ?? {}, ...e })),
  );
  if (rows.length === 0) return '';
  return `<details class="record"><summary>Unhealthy devices, examples (${num(rows.length)})</summary><ul class="examples">${rows
    .map(
      (e) =>
        `<li><code>${esc(e.thingName)}</code> (${esc(e.stage)}, ${esc(reasonWords(e.reason, e.signals))}): ${esc(
          evidenceText(e.evidence, time),
        )}</li>`,
    )
    .join('')}</ul></details>`;
};

/**
 * The rollout's health and rollback figure, or nothing when no stage that ran has health signals and
 * no rollback started: the sentences (a stage's unhealthy devices, the rollback's state and counts),
 * the chart, its legend, the examples.
 */
export const healthFigure = (r: RolloutReport): string => {
  const rb = r.rollback && r.rollback.state !== 'NOT_STARTED' ? r.rollback : undefined;
  const svg = healthChart(r);
  if (!svg && !rb) return '';
  const lines = [
    ...r.stages.flatMap((s, i) => {
      const sentence = healthSentence(s, time);
      return sentence ? [`Stage ${i + 1} ${s.name}: ${sentence}.`] : [];
    }),
    ...(rb ? rollbackLines(rb, r.stages, time) : []),
  ];
  return `<figure class="health-figure" data-rollout="${esc(r.id)}"><figcaption><b>Health after success${
    rb ? ' and rollback' : ''
  }</b>${rb ? ` ${badgeHtml(`ROLLBACK ${rb.state}`)}` : ''}</figcaption>${
    lines.length ? `<ul class="why">${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : ''
  }${svg}${svg ? legend(r) : ''}${examples(r)}</figure>`;
};
