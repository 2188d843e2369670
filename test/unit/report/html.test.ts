import { describe, expect, it } from 'vitest';
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
    expect(html).toContain('lower bound above threshold 5%');
    expect(html).toMatch(/REJECTED<\/span> by <b>bob@ops<\/b> <q>do not resume, rollback<\/q>/);
    expect(html).toContain('by <b>alice@ops</b>');
    expect(html.match(/class="rate"/g)).toHaveLength(4);
    expect(html).toContain('No gate evaluations recorded for this stage.');
    expect(html).toContain('HALTED @ ');
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
