import { describe, expect, it } from 'vitest';
import { pct } from '../../../local/report/format';
import { renderHtml } from '../../../local/report/html';
import type { RunReport } from '../../../local/report/model';
import { emptyReport, fixtureReport, gateSeries } from './fixture';

const XSS = '<script>alert(1)</script>';
const ATTR = '" onmouseover="alert(2)';

/** A report with hostile text in every field that comes from devices or operators. */
const hostile = (): RunReport => {
  const r = fixtureReport();
  r.scenario.name = XSS;
  r.grouping.membership.unshift({ group: XSS, members: 99_999, parent: ATTR });
  r.grouping.membership.push({ group: ATTR, members: 1 });
  const rollout = r.rollouts[0];
  const stage = rollout?.stages[1];
  if (!rollout || !stage) throw new Error('fixture changed');
  rollout.name = XSS;
  rollout.status = ATTR;
  stage.name = XSS;
  stage.decision = `<img src=x onerror=alert(3)>`;
  stage.reason = XSS;
  stage.approvals.push({ decision: ATTR, by: XSS, comment: '</q><script>alert(4)</script>' });
  r.tunnels.push({ thingName: XSS, alarmName: ATTR, tunnelId: XSS, outcome: XSS });
  r.audit.byAction[XSS] = 3;
  r.calls.push({ operation: XSS, accepted: 1, throttled: 0 });
  r.steps.push({ at: r.startedAt, text: XSS });
  return r;
};

describe('renderHtml', () => {
  const html = renderHtml(fixtureReport());

  it('renders a complete, self-contained page', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('</html>');
    expect(html).not.toMatch(/<script|<link|<iframe|\ssrc=|@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain("default-src 'none'");
  });

  it('shows the header facts', () => {
    expect(html).toContain('<h1>firmware-2.4-staged</h1>');
    expect(html).toMatch(/Seed<\/dt><dd>42</);
    expect(html).toMatch(/Devices<\/dt><dd>5,000</);
    expect(html).toContain('3 h 00 m (2025-03-14 09:00:00Z → 2025-03-14 12:00:17Z)');
    expect(html).toContain('48.3 s');
  });

  it('shows the summary strip', () => {
    expect(html).toMatch(/Things grouped<\/div><div class="value">5,000</);
    expect(html).toMatch(/Rollouts promoted \/ halted<\/div><div class="value">1 \/ 1</);
    expect(html).toMatch(/Tunnels opened \/ closed<\/div><div class="value">3 \/ 2</);
    expect(html).toMatch(/Audit records<\/div><div class="value">6,189</);
    expect(html).toMatch(/Events lost \/ parked<\/div><div class="value">2 \/ 7</);
  });

  it('shows each rollout with its stages, approvals and one gate chart per stage with data', () => {
    for (const id of ['rollouts', 'grouping', 'tunnels', 'audit', 'steps'])
      expect(html).toContain(`id="${id}"`);
    expect(html).toContain('fw-2.4-eu');
    expect(html).toContain('<span class="badge bad">HALTED</span>');
    expect(html).toMatch(/REJECTED<\/span> by <b>bob@ops<\/b> <q>do not resume, rollback<\/q>/);
    expect(html).toContain('by <b>alice@ops</b>');
    expect(html.match(/class="rate"/g)).toHaveLength(4);
    expect(html).toContain('No gate evaluations recorded for this stage.');
  });

  it('shows the evidence at the decision from the decision record, not the final state', () => {
    const r = fixtureReport();
    const stage = r.rollouts[1]?.stages[0];
    const rec = stage?.decisionRecord;
    const ev = rec?.evidence as Record<string, number>;
    if (!stage || !rec || !ev) throw new Error('fixture changed');
    const last = stage.series.at(-1);
    // The record is taken before the last evaluation, so the final state differs from it.
    expect(ev.finished).toBeLessThanOrEqual(last?.finished ?? 0);
    stage.series = [
      ...stage.series,
      { ...(last as NonNullable<typeof last>), at: (last?.at ?? 0) + 60_000, finished: 399 },
    ];
    const out = renderHtml(r);
    const evidence = /<p class="evidence bad" data-outcome="HALT">(.*?)<\/p>/.exec(out)?.[1] ?? '';
    expect(evidence).toContain(`${ev.failed}/${ev.finished} failed`);
    expect(evidence).toContain(
      `lower bound ${pct(ev.lowerBound)} &gt; ${pct(ev.failureThreshold)} threshold`,
    );
    expect(evidence).not.toContain('399');
    // Optional fields the record holds show when present: devices started, the rule and its confidence.
    expect(evidence).toContain('161 started');
    expect(evidence).toContain(
      'halt rule: the lower bound, running executions counted as successes, is above the threshold',
    );
    expect(evidence).toContain('halts with probability at most 5.0%');
    // A field the report has no words for is still listed, marked as such.
    expect(out).toMatch(/<div class="extra"><dt>evidence\.peerVerdict<\/dt><dd>aws-abort-config: none<\/dd>/);
    // The decision is drawn where the record says it was taken.
    expect(out).toContain(`data-decision-at="${rec.at}"`);
    expect(out).toContain(`HALT ${ev.failed}/${ev.finished} failed`);
  });

  it('says why a stage promoted, halted or was left to its plan, and what would have had to happen', () => {
    expect(html).toMatch(/Promoted by the finite-stage rule: with 0 failed of 50 finished and 0 pending/);
    expect(html).toMatch(/It would have halted had \d+ of those 50 failed\./);
    expect(html).toMatch(/Promoted: the upper bound \([\d.]+%\) fell below the [\d.]+% threshold/);
    expect(html).toMatch(
      /To promote instead, the upper bound would have had to fall below 5\.0%, which takes at least \d+ finished/,
    );
    expect(html).toContain('With 1 target the stage can never reach minFinished 10');
    expect(html).toContain(
      'Asked a person (promote): stage canary passed its gate; approve to start stage wave-1; approved by dave@ops.',
    );
  });

  it('never prints two different rates as equal in a comparison', () => {
    const r = fixtureReport();
    const ev = r.rollouts[1]?.stages[0]?.decisionRecord?.evidence as Record<string, number>;
    ev.lowerBound = 0.0504;
    ev.failureThreshold = 0.05;
    expect(renderHtml(r)).toContain('lower bound 5.04% &gt; 5.00% threshold');
  });

  it('shows where the wall time went', () => {
    expect(html).toContain('id="phases"');
    expect(html).toMatch(/grouping<\/td><td class="n">18\.4 s<\/td><td class="n">38%</);
  });

  it('keeps every stage-table cell, labelled, for the narrow-screen card layout', () => {
    const table = /<table class="stack stages">.*?<\/table>/.exec(html)?.[0] ?? '';
    expect(table).not.toBe('');
    for (const label of ['Targets', 'Succeeded', 'Failed', 'Failure rate', 'At decision'])
      expect(table).toContain(`data-label="${label}"`);
  });

  it('shows membership, tunnels, audit, delivery and API calls', () => {
    expect(html.match(/class="bar"/g)).toHaveLength(20);
    expect(html).toContain('and 8 more groups');
    expect(html).toContain('<code>a1b2c3d4-0001</code>');
    expect(html).toContain('2025-03-14 09:20:00Z');
    expect(html).toContain('<span class="badge bad">TIMED_OUT</span>');
    expect(html).toMatch(/<code>thing\.grouped<\/code><\/td><td class="n">5,000</);
    expect(html).toMatch(/Parked \(DLQ\)<\/td><td class="n">7</);
    expect(html).toMatch(
      /iot:AddThingToThingGroup<\/code><\/td><td class="n">5,000<\/td><td class="n"><span class="warn-text">212</,
    );
    expect(html).toMatch(/Total<\/td><td class="n">16,063<\/td><td class="n">248</);
  });

  it('renders hostile strings inert', () => {
    const out = renderHtml(hostile());
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).not.toMatch(/<script/i);
    expect(out).not.toMatch(/<img/i);
    expect(out).not.toContain('</q><script');
    // A literal quote would let text break out of an attribute.
    expect(out).not.toContain(ATTR);
    expect(out).toContain('&quot; onmouseover=&quot;alert(2)');
  });

  it('renders an empty report', () => {
    const out = renderHtml(emptyReport());
    expect(out).toContain('<h1>empty</h1>');
    expect(out).toContain('No rollouts ran.');
    expect(out).toContain('No groups were populated.');
    expect(out).toContain('No alarms opened a tunnel.');
    expect(out).toContain('No API calls recorded.');
    expect(out).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('renders a 10,000-evaluation stage without drawing every point', () => {
    const r = fixtureReport();
    const stage = r.rollouts[0]?.stages[0];
    if (!stage) throw new Error('fixture changed');
    stage.series = gateSeries(10_000, 0.02, 0.05, r.startedAt, 11);
    const out = renderHtml(r);
    expect(out).toContain('10,000 evaluations');
    expect(out.length).toBeLessThan(400_000);
  });
});
