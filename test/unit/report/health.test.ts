import { describe, expect, it } from 'vitest';
import { healthChart, healthFigure } from '../../../local/report/health-chart';
import { rollbackReport, stageHealthReport } from '../../../local/report/health-model';
import { healthSentence, healthSplit, hoursMinutes, rollbackLines } from '../../../local/report/health-text';
import { renderHtml } from '../../../local/report/html';
import type { RolloutReport } from '../../../local/report/model';
import { healthWhyText } from '../../../local/report/why';
import { formatVirtual } from '../../../local/scenario/duration';
import { summaryText } from '../../../local/scenario/summary';
import { fixtureReport, healthRollout } from './fixture';

type Stage = RolloutReport['stages'][number];
const early = (r: RolloutReport): Stage => {
  const s = r.stages[0];
  if (!s?.health) throw new Error('fixture changed');
  return s;
};
const clock = (ms: number) => `t${ms}`;

describe('GET /rollouts/{id} health and rollback into the run report', () => {
  it('keeps the fields under fixed names, times as epoch ms, nulls and absent values left out', () => {
    const health = stageHealthReport({
      signals: { reconnectMinutes: 10, selfCheck: ['selfTest'], alarms: null },
      unhealthy: 4,
      unjudged: 0,
      suspects: 204,
      checkedAt: '2026-01-05T09:55:37.000Z',
      examples: [{ thingName: 'sensor-00411', reason: 'reconnect', evidence: 'disconnected at …' }],
    });
    expect(health).toEqual({
      signals: { reconnectMinutes: 10, selfCheck: ['selfTest'] },
      unhealthy: 4,
      unjudged: 0,
      suspects: 204,
      checkedAt: Date.UTC(2026, 0, 5, 9, 55, 37),
      examples: [{ thingName: 'sensor-00411', reason: 'reconnect', evidence: 'disconnected at …' }],
    });
    // A stage that never ran: no check time at all (JSON would drop an undefined, the report does too).
    const idle = stageHealthReport({ signals: { reconnectMinutes: 10 }, unhealthy: 0, examples: [] });
    expect(idle && 'checkedAt' in idle).toBe(false);
    expect(stageHealthReport(undefined)).toBeUndefined();

    const rollback = rollbackReport({
      state: 'COMPLETED',
      scope: 'rollout',
      onAbort: false,
      failureThreshold: 0.05,
      trigger: 'halt',
      stageIndexes: [0],
      groupName: 'fleet-autopilot-rollback-x',
      jobId: 'x-rb0',
      devices: 200,
      excluded: 4,
      notAdded: 0,
      notAddedSample: [],
      counts: { succeeded: 199, failed: 0, rejected: 0, timedOut: 0, inProgress: 0, notReached: 1 },
      jobStatus: 'IN_PROGRESS',
      jobReadAt: '2026-01-06T10:10:06.950Z',
      startedAt: '2026-01-05T09:55:37.000Z',
      completedAt: '2026-01-06T10:10:06.950Z',
    });
    expect(rollback).toEqual({
      state: 'COMPLETED',
      scope: 'rollout',
      trigger: 'halt',
      stageIndexes: [0],
      groupName: 'fleet-autopilot-rollback-x',
      jobId: 'x-rb0',
      devices: 200,
      excluded: 4,
      notAdded: 0,
      counts: { succeeded: 199, failed: 0, rejected: 0, timedOut: 0, inProgress: 0, notReached: 1 },
      jobStatus: 'IN_PROGRESS',
      startedAt: Date.UTC(2026, 0, 5, 9, 55, 37),
      completedAt: Date.UTC(2026, 0, 6, 10, 10, 6, 950),
    });
    // Not started yet: the state and the plan's scope, nothing made up.
    expect(rollbackReport({ state: 'NOT_STARTED', scope: 'stage', requestedOnAbort: false })).toEqual({
      state: 'NOT_STARTED',
      scope: 'stage',
      stageIndexes: [],
      devices: 0,
      excluded: 0,
      notAdded: 0,
    });
  });
});

describe('health in words', () => {
  it('says how many devices reported SUCCEEDED but never came back, with an example and its times', () => {
    const s = early(healthRollout());
    const line = healthSentence(s, clock);
    const t = (minutes: number) => Date.UTC(2025, 2, 14, 9, 0, 0) + minutes * 60_000;
    expect(line).toBe(
      `4 devices reported SUCCEEDED but never came back within 10 min (e.g. sensor-00411: disconnected at t${t(101)} and not back within 10 min of its success at t${t(101) - 20_000}); 46 more that reported SUCCEEDED were not judged by the last check at t${t(125)}`,
    );
  });

  it('splits the successes into healthy, unhealthy and not judged, from the gate and the job', () => {
    const s = early(healthRollout());
    expect(healthSplit(s)).toEqual({ healthy: 154, unhealthy: 4, notJudged: 46 });
    expect(healthSplit({ ...s, succeeded: 250 })).toEqual({ healthy: 200, unhealthy: 4, notJudged: 0 });
    expect(healthSplit({ ...s, health: undefined })).toBeUndefined();
  });

  it('names the signal only when the examples cover every unhealthy device or it is the only one', () => {
    const s = early(healthRollout());
    const h = s.health;
    if (!h) throw new Error('fixture changed');
    // 9 unhealthy, 4 examples, two signals watched: the others may have failed the self-check.
    expect(healthSentence({ ...s, health: { ...h, unhealthy: 9 } }, clock)).toMatch(
      /^9 devices reported SUCCEEDED but failed a health check after it \(reconnect within 10 min, self-check selfTest\) \(e\.g\. sensor-00411/,
    );
    // Only the reconnect window is watched: every unhealthy device never came back.
    const reconnectOnly = { ...h, unhealthy: 9, signals: { reconnectMinutes: 10 } };
    expect(healthSentence({ ...s, health: reconnectOnly }, clock)).toMatch(
      /^9 devices reported SUCCEEDED but never came back within 10 min/,
    );
    const selfCheck = {
      ...h,
      unhealthy: 1,
      examples: [{ thingName: 'd1', reason: 'selfCheck', evidence: 'self-check: selfTest is "fail"' }],
    };
    expect(healthSentence({ ...s, health: selfCheck }, clock)).toMatch(
      /^1 device reported SUCCEEDED but failed the self-check \(selfTest\) \(e\.g\. d1: self-check: selfTest is "fail"\)/,
    );
    const clean = { ...h, unhealthy: 0, examples: [] };
    expect(healthSentence({ ...s, succeeded: 204, health: clean }, clock)).toBe(
      'no device that reported SUCCEEDED was found unhealthy (reconnect within 10 min, self-check selfTest)',
    );
    // A stage that never ran says nothing.
    expect(healthSentence(healthRollout().stages[1] as Stage, clock)).toBeUndefined();
  });

  it('says why a health halt halted: the job alone shows no failure', () => {
    const s = early(healthRollout());
    expect(healthWhyText(s)).toEqual([
      "The gate counts as failures the 4 devices that reported SUCCEEDED but never came back within 10 min: AWS IoT's job shows them as successes.",
      'The job alone shows 0 failed of 204 executions: the health check halted this stage.',
    ]);
    // With failures of its own the job may have halted the stage by itself: no claim about health.
    expect(healthWhyText({ ...s, jobOutcome: { succeeded: 190, failed: 14, notFinished: 0 } })).toHaveLength(
      1,
    );
    expect(healthWhyText({ ...s, decision: 'PROMOTE' })).toHaveLength(1);
    expect(healthWhyText({ ...s, health: undefined })).toEqual([]);
  });
});

describe('the rollback in words', () => {
  it('gives its state and job, its devices, who was left out, and how long it ran', () => {
    const r = healthRollout();
    const rb = r.rollback;
    if (!rb) throw new Error('fixture changed');
    expect(rollbackLines(rb, r.stages, clock)).toEqual([
      'Rollback: COMPLETED, job fw-3-1-37f96658-rb0 (trigger halt, scope rollout: stage early)',
      '200 devices to roll back: 199 rolled back, 0 failed, 1 not reached; 4 left out as gone (never came back)',
      `started t${rb.startedAt}, completed t${rb.completedAt} (24 h 14 m)`,
    ]);
    const attention = {
      ...rb,
      state: 'ATTENTION',
      completedAt: undefined,
      attentionAt: (rb.startedAt ?? 0) + 600_000,
      counts: { succeeded: 50, failed: 30, rejected: 2, timedOut: 5, inProgress: 100, notReached: 13 },
    };
    expect(rollbackLines(attention, r.stages, clock).slice(1)).toEqual([
      '200 devices to roll back: 50 rolled back, 30 failed, 2 rejected, 5 timed out, 100 in progress, 13 not reached; 4 left out as gone (never came back)',
      `started t${rb.startedAt}, needed attention t${attention.attentionAt} (failing on many devices), still running at the end of the run`,
    ]);
    const failed = { ...rb, state: 'FAILED', jobId: undefined, devices: 0, error: 'error States.Timeout: x' };
    expect(rollbackLines(failed, r.stages, clock)).toContain('error: error States.Timeout: x');
    expect(rollbackLines(failed, r.stages, clock)[0]).toContain('FAILED, no job');
    expect(rollbackLines({ ...rb, state: 'NOT_STARTED' }, r.stages, clock)).toEqual([
      'Rollback: NOT_STARTED (scope rollout; the rollout did not halt)',
    ]);
  });

  it('writes a day-long rollback in hours and minutes', () => {
    expect(hoursMinutes((24 * 60 + 14) * 60_000 + 950)).toBe('24 h 14 m');
    expect(hoursMinutes(90_000)).toBe('1 m 30 s');
  });
});

describe('the console summary of a rollout with health and a rollback', () => {
  it('prints the health line of the stage that ran, the health halt, and the rollback block', () => {
    const report = fixtureReport();
    const rollout = healthRollout();
    report.rollouts = [rollout];
    const text = summaryText(report);
    const at = (ms: number) => formatVirtual(ms, report.startedAt);
    const block = text.slice(text.indexOf('Rollout fw-3.1'), text.indexOf('\nTunnels'));
    expect(block).toContain(
      `  early: 4 devices reported SUCCEEDED but never came back within 10 min (e.g. sensor-00411: disconnected at day 0 10:41:00 and not back within 10 min of its success at day 0 10:40:40); 46 more that reported SUCCEEDED were not judged by the last check at ${at(rollout.rollback?.startedAt ?? 0)}`,
    );
    expect(block).toContain(
      '      The job alone shows 0 failed of 204 executions: the health check halted this stage.',
    );
    expect(block).toContain(
      '  Rollback: COMPLETED, job fw-3-1-37f96658-rb0 (trigger halt, scope rollout: stage early)\n' +
        '      200 devices to roll back: 199 rolled back, 0 failed, 1 not reached; 4 left out as gone (never came back)\n' +
        '      started day 0 11:05:00, completed day 1 11:19:00 (24 h 14 m)',
    );
    // The stage that never ran has nothing to say about health.
    expect(block).not.toMatch(/^ {2}fleet: /m);
  });
});

describe('the health and rollback chart', () => {
  const bars = (svg: string) =>
    [
      ...svg.matchAll(
        /<g class="health-bar" data-stage="([^"]*)" data-kind="([^"]*)" data-total="(\d+)">(.*?)<\/g>/g,
      ),
    ].map((m) => ({
      stage: m[1],
      kind: m[2],
      total: Number(m[3]),
      segments: [
        ...(m[4] ?? '').matchAll(
          /<rect class="seg ([a-z]+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*data-count="(\d+)"/g,
        ),
      ].map((s) => ({ kind: s[1], x: Number(s[2]), width: Number(s[3]), n: Number(s[4]) })),
    }));

  it('draws, for the stage that ran, its devices after the update and after the rollback on one scale', () => {
    const svg = healthChart(healthRollout());
    const drawn = bars(svg);
    expect(drawn.map((b) => `${b.stage} ${b.kind} ${b.total}`)).toEqual([
      'stage 1 early update 204',
      'stage 1 early rollback 200',
    ]);
    const [update, rollback] = drawn;
    expect(update?.segments.map((s) => [s.kind, s.n])).toEqual([
      ['healthy', 154],
      ['unjudged', 46],
      ['unhealthy', 4],
    ]);
    expect(rollback?.segments.map((s) => [s.kind, s.n])).toEqual([
      ['rolledback', 199],
      ['unreached', 1],
    ]);
    // One scale per stage: widths proportional to the counts; each segment starts where the last ended.
    const perDevice = (update?.segments[0]?.width ?? 0) / 154;
    for (const b of drawn) {
      let x = b.segments[0]?.x ?? 0;
      for (const s of b.segments) {
        expect(s.x).toBeCloseTo(x, 0);
        if (s.n >= 4) expect(s.width / s.n).toBeCloseTo(perDevice, 1);
        x = s.x + s.width;
      }
    }
    // Said in words for a screen reader, and as a tooltip.
    expect(svg).toContain(
      'aria-label="Health after success and rollback of fw-3.1: stage 1 early: update 154 healthy after success, 46 succeeded, not judged, 4 unhealthy after success; rollback 199 rolled back, 1 rollback not reached"',
    );
    expect(svg).toContain('<title>stage 1 early, update: 4 unhealthy after success</title>');
    // Counts written on the segments wide enough to hold them, centred on them.
    const labels = [...svg.matchAll(/<text class="seg-label ([a-z]+)" x="([\d.]+)"[^>]*>(\d+)<\/text>/g)];
    expect(labels.map((m) => [m[1], m[3]])).toEqual([
      ['healthy', '154'],
      ['unjudged', '46'],
      ['rolledback', '199'],
    ]);
    const healthy = update?.segments[0];
    expect(Number(labels[0]?.[2])).toBeCloseTo((healthy?.x ?? 0) + (healthy?.width ?? 0) / 2, 0);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('frames the chart with the sentences, a legend of the drawn segments and the examples', () => {
    const figure = healthFigure(healthRollout());
    expect(figure).toContain('<span class="badge good">ROLLBACK COMPLETED</span>');
    expect(figure).toContain(
      '<li>Stage 1 early: 4 devices reported SUCCEEDED but never came back within 10 min',
    );
    expect(figure).toContain('<li>200 devices to roll back: 199 rolled back, 0 failed, 1 not reached;');
    const legend = /<div class="legend">(.*?)<\/div>/.exec(figure)?.[1] ?? '';
    expect([...legend.matchAll(/class="key seg ([a-z]+)"/g)].map((m) => m[1])).toEqual([
      'healthy',
      'unjudged',
      'unhealthy',
      'rolledback',
      'unreached',
    ]);
    expect(figure).toContain('Unhealthy devices, examples (4)');
    expect(figure).toContain(
      '<code>sensor-00414</code> (early, never came back within 10 min): disconnected at 2025-03-14 10:44:00Z',
    );
  });

  it('is left out for a rollout without health signals or a rollback, and drawn for a rollback alone', () => {
    expect(healthFigure(fixtureReport().rollouts[0] as RolloutReport)).toBe('');
    // Health signals on no stage, a rollback that never started: nothing to draw or say.
    const quiet = healthRollout();
    quiet.rollback = { ...(quiet.rollback as NonNullable<RolloutReport['rollback']>), state: 'NOT_STARTED' };
    quiet.stages = quiet.stages.map(({ health: _h, rollback: _r, jobOutcome: _j, ...s }) => s);
    expect(healthFigure(quiet)).toBe('');
    // A rollback without health signals: the stage's successes are plain successes, not called healthy.
    const r = healthRollout();
    r.stages = r.stages.map(({ health: _h, ...s }) => s);
    const svg = healthChart(r);
    expect(svg).toContain('class="seg succeeded"');
    expect(svg).not.toContain('class="seg healthy"');
    expect(healthFigure(r)).toContain('<b>Health after success and rollback</b>');
  });

  it("renders inside the rollout in the HTML report, with the health halt in the stage's why", () => {
    const report = fixtureReport();
    report.rollouts.push(healthRollout());
    const html = renderHtml(report);
    expect(html.match(/<svg class="chart health"/g)).toHaveLength(1);
    const article = html.slice(
      html.indexOf('fw-3.1 <span'),
      html.indexOf('</article>', html.indexOf('fw-3.1 <span')),
    );
    expect(article).toContain('<figure class="health-figure" data-rollout="fw-3-1-37f96658">');
    expect(article).toContain(
      '<li>The job alone shows 0 failed of 204 executions: the health check halted this stage.</li>',
    );
    expect(html).not.toMatch(/<script|https?:\/\//i);
  });

  it('escapes device names and evidence', () => {
    const r = healthRollout();
    const s = r.stages[0];
    if (!s?.health) throw new Error('fixture changed');
    s.name = '<script>x</script>';
    s.health.examples = [{ thingName: '"><img src=x>', reason: 'reconnect', evidence: '<b>' }];
    const out = healthFigure(r);
    expect(out).not.toMatch(/<script|<img/);
    expect(out).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(out).toContain('&quot;&gt;&lt;img src=x&gt;</code>');
    expect(out).toContain(': &lt;b&gt;</li>');
  });
});
