/**
 * The HTML report in a real browser (Debian's Chromium, headless, driven by playwright-core): at
 * desktop, tablet and phone widths, every column (numeric ones above all) of every stage table is on screen, each gate
 * chart's y axis covers its data and threshold, and each decision is marked with the evidence of
 * its decision record. The page is rendered from a run.json written from the fixture, as
 * `npm start` writes its report.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDecision } from '../../local/report/evidence';
import { pct } from '../../local/report/format';
import { renderHtml } from '../../local/report/html';
import type { RunReport } from '../../local/report/model';
import { fixtureReport, healthRollout } from '../unit/report/fixture';
import {
  clippedCells,
  type GateChartFacts,
  gateChartFacts,
  type HealthChartFacts,
  healthChartFacts,
  pageOverflow,
} from './report-probes';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const present = existsSync(CHROMIUM);
// CI installs Chromium (.ci/run), so there a missing browser is a failure, never a skip.
const required = process.env.CI === 'true' || process.env.CI === '1';
if (!present && !required)
  console.warn(
    `SKIPPED the browser test of the HTML report: no Chromium at ${CHROMIUM}. Install it with 'apt-get install -y chromium' (.ci/run does) or set CHROMIUM_PATH.`,
  );

describe.runIf(!present && required)('the HTML report in headless Chromium (CI)', () => {
  it('has Chromium to run in', () => {
    expect.fail(`no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium before npm test`);
  });
});

describe.runIf(present)('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let url: string;
  let report: RunReport;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'report-browser-'));
    // With a rollout like the default scenario's firmware 3.1: halted on health, then rolled back.
    const fixture = fixtureReport();
    fixture.rollouts.push(healthRollout());
    writeFileSync(path.join(dir, 'run.json'), `${JSON.stringify(fixture, null, 2)}\n`);
    report = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunReport;
    writeFileSync(path.join(dir, 'run.html'), renderHtml(report));
    url = pathToFileURL(path.join(dir, 'run.html')).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 120_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The stages as the report draws them: one chart per stage with evaluations, in page order. */
  const chartedStages = () =>
    report.rollouts.flatMap((r) =>
      r.stages
        .map((s, i) => ({ rollout: r.name, stage: s, title: `Gate of ${r.name}, stage ${i + 1} ${s.name}` }))
        .filter((x) => x.stage.series.length > 0),
    );

  // The two widths, and 800 px where the old table lost its numeric columns.
  for (const width of [1400, 800, 400]) {
    describe(`at ${width} px`, () => {
      let page: Page;
      let charts: GateChartFacts[];
      let health: HealthChartFacts[];

      beforeAll(async () => {
        page = await browser.newPage({ viewport: { width, height: 900 } });
        await page.goto(url);
        charts = await page.evaluate(gateChartFacts);
        health = await page.evaluate(healthChartFacts);
      }, 120_000);

      afterAll(async () => {
        await page?.close();
      });

      it('shows every column of every stage table inside the viewport, numeric ones included, none clipped', async () => {
        const { cells, numericCells, problems } = await page.evaluate(clippedCells, 'table.stages');
        const stages = report.rollouts.reduce((n, r) => n + r.stages.length, 0);
        // #, Targets, Started (one rollout's records have it), Succeeded, Failed, Failure rate, At decision.
        expect(numericCells).toBeGreaterThanOrEqual(stages * 6);
        expect(cells).toBeGreaterThan(numericCells);
        expect(problems).toEqual([]);
      });

      it('is no wider than the viewport', async () => {
        expect(await page.evaluate(pageOverflow)).toEqual([]);
      });

      it("fits each gate chart's y axis to its data and threshold", () => {
        const expected = chartedStages();
        expect(charts.map((c) => c.title)).toEqual(expected.map((x) => x.title));
        for (const [i, { stage }] of expected.entries()) {
          const chart = charts[i] as GateChartFacts;
          const ev = readDecision(stage.decisionRecord);
          const need = Math.max(
            ...stage.series.flatMap((p) => [p.failureRate, p.lower, p.threshold]),
            ev?.rate ?? 0,
            ev?.lower ?? 0,
          );
          expect(chart.yMax, chart.title).toBeGreaterThanOrEqual(need);
          // The top tick says the axis maximum, and is drawn: not a fixed 20 %.
          expect(chart.topTick, chart.title).toBeCloseTo(chart.yMax * 100, 6);
          // The threshold line lies inside the plot, below its top edge.
          expect(chart.thresholdTop, chart.title).toBeGreaterThanOrEqual(chart.plotTop - 0.5);
          expect(chart.inViewport, chart.title).toBe(true);
        }
        // Fitted, not fixed: the charts' axes differ with their data.
        expect(new Set(charts.map((c) => c.yMax)).size).toBeGreaterThan(1);
      });

      it('draws the health and rollback chart on screen: bars on one scale per stage, keyed by its legend', () => {
        // One chart, for the one rollout with health signals and a rollback.
        expect(health.map((h) => h.label)).toEqual([
          expect.stringMatching(
            /^Health after success and rollback of fw-3\.1: stage 1 early: update 154 healthy/,
          ),
        ]);
        const [chart] = health as [HealthChartFacts];
        expect(chart.inViewport).toBe(true);
        expect(chart.bars.map((b) => `${b.stage} ${b.kind}`)).toEqual([
          'stage 1 early update',
          'stage 1 early rollback',
        ]);
        const stage = report.rollouts.find((r) => r.name === 'fw-3.1')?.stages[0];
        const want = {
          update: [
            ['healthy', stage?.succeeded],
            ['unjudged', 46],
            ['unhealthy', stage?.health?.unhealthy],
          ],
          rollback: [
            ['rolledback', stage?.rollback?.succeeded],
            ['unreached', stage?.rollback?.notReached],
          ],
        };
        const perDevice: number[] = [];
        for (const bar of chart.bars) {
          expect(bar.segments.map((s) => [s.kind, s.count])).toEqual(want[bar.kind as keyof typeof want]);
          expect(bar.totalText).toBe(String(bar.segments.reduce((n, s) => n + s.count, 0)));
          expect(bar.total).toBe(bar.segments.reduce((n, s) => n + s.count, 0));
          for (const [i, seg] of bar.segments.entries()) {
            // Laid end to end, left to right, each as wide as its count on the stage's scale.
            if (i > 0) expect(seg.left).toBeCloseTo(bar.segments[i - 1]?.right ?? 0, 0);
            if (seg.count >= 40) perDevice.push((seg.right - seg.left) / seg.count);
            expect(seg.right - seg.left).toBeGreaterThan(0.5);
          }
        }
        // The counts of the wide segments are written on them, inside them.
        expect(chart.bars.flatMap((b) => b.labels)).toEqual([
          { text: '154', inside: true },
          { text: '46', inside: true },
          { text: '199', inside: true },
        ]);
        const scale = perDevice[0] ?? 0;
        for (const p of perDevice) expect(Math.abs(p / scale - 1)).toBeLessThan(0.02);
        // Each kind has its own colour, and the legend's key for it has the same one.
        const fills = new Map(chart.bars.flatMap((b) => b.segments.map((s) => [s.kind, s.fill] as const)));
        expect(new Set(fills.values()).size).toBe(fills.size);
        expect(chart.legend.map((k) => k.kind).sort()).toEqual([...fills.keys()].sort());
        for (const key of chart.legend) {
          expect(key.visible, key.kind).toBe(true);
          expect(key.colour, key.kind).toBe(fills.get(key.kind));
        }
        // The rollback, in words beside it.
        expect(chart.why).toContain(
          '200 devices to roll back: 199 rolled back, 0 failed, 1 not reached; 4 left out as gone (never came back)',
        );
      });

      it('marks each decision where its record says, with the evidence of that record', () => {
        const expected = chartedStages();
        for (const [i, { stage }] of expected.entries()) {
          const chart = charts[i] as GateChartFacts;
          const ev = readDecision(stage.decisionRecord);
          if (!ev) continue;
          const { failed, finished } = ev;
          expect(chart.decisionAt, chart.title).toBe(ev.at);
          expect(chart.markVisible, chart.title).toBe(true);
          const word = ev.outcome === 'INCONCLUSIVE_AT_DEADLINE' ? 'INCONCLUSIVE' : ev.outcome;
          expect(chart.markLabel, chart.title).toBe(`${word} ${failed}/${finished} failed`);
          expect(chart.evidenceOutcome, chart.title).toBe(ev.outcome);
          expect(chart.evidence, chart.title).toContain(`${failed}/${finished} failed`);
          if (ev.outcome === 'HALT' && ev.lower !== undefined && ev.threshold !== undefined) {
            expect(chart.evidence).toContain(`lower bound ${pct(ev.lower)} > ${pct(ev.threshold)} threshold`);
            // The crossing is drawn, on screen, clear of the chart's right edge.
            expect(chart.crossing, chart.title).not.toBeNull();
            expect(chart.crossing?.visible).toBe(true);
            expect(chart.crossing?.fromRightEdge).toBeGreaterThan(10);
          }
        }
      });
    });
  }
});
