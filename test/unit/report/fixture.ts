/** A realistic RunReport for the HTML report tests: two rollouts (one promoted, one halted), tunnels, audit. */

import { seededRandom } from '../../../local/emulators/common/random';
import type { DecisionRecord, RolloutReport, RunReport } from '../../../local/report/model';

type Series = RolloutReport['stages'][number]['series'];

const T0 = Date.UTC(2025, 2, 14, 9, 0, 0);
const MIN = 60_000;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export const rng = seededRandom;

/**
 * A gate series of up to `n` finished devices failing with probability `p`, bounds narrowing like
 * sqrt(log n / n); it stops early, as the gate would halt, once the lower bound clears the threshold.
 */
export const gateSeries = (n: number, p: number, threshold: number, start: number, seed = 7): Series => {
  const next = rng(seed);
  const out: Series = [];
  let failed = 0;
  for (let i = 1; i <= n; i++) {
    if (next() < p) failed++;
    const rate = failed / i;
    const width = Math.sqrt((2 * (rate * (1 - rate) + 0.25 / i) * Math.log(Math.E * i)) / i);
    out.push({
      at: start + i * 1_500 + Math.floor(next() * 1_000),
      finished: i,
      failureRate: rate,
      lower: Math.max(0, rate - width),
      upper: Math.min(1, rate + width),
      threshold,
    });
    if (rate - width > threshold) break;
  }
  return out;
};

/**
 * A decision record as the audit trail holds one, taken at `series[index]`: the gate's evidence at
 * that evaluation (counts, bounds, threshold), plus any `extra` fields (e.g. ones the gate adds later).
 */
export const decisionAt = (
  series: Series,
  index: number,
  outcome: string,
  reason: string,
  targets: number,
  extra: { record?: Record<string, unknown>; evidence?: Record<string, unknown> } = {},
): DecisionRecord => {
  const p = series[index < 0 ? series.length + index : index];
  if (!p) throw new Error(`no evaluation ${index}`);
  const failed = Math.round(p.failureRate * p.finished);
  return {
    outcome,
    reason,
    explanation: `${failed} failed of ${p.finished} finished (${(100 * p.failureRate).toFixed(2)}%)`,
    // The gate evaluates a moment after the execution event that tipped it.
    at: p.at + 700,
    evidence: {
      method: 'beta-binomial-confidence-sequence',
      targets,
      succeeded: p.finished - failed,
      failed,
      excluded: 0,
      finished: p.finished,
      pending: targets - p.finished,
      observedFailureRate: p.failureRate,
      lowerBound: p.lower,
      upperBound: p.upper,
      failureThreshold: p.threshold,
      confidence: 0.95,
      minFinished: 10,
      bakeSeconds: 600,
      deadlineSeconds: 86_400,
      ...extra.evidence,
    },
    ...extra.record,
  };
};

/** The first evaluation where `test` holds (the gate decides there), else the last. */
const firstWhere = (series: Series, test: (p: Series[number]) => boolean): number => {
  const i = series.findIndex(test);
  return i < 0 ? series.length - 1 : i;
};

const groups = (): RunReport['grouping']['membership'] => {
  const regions = ['eu-west-1', 'us-east-1', 'ap-south-1', 'sa-east-1'];
  const models = ['thermo-x1', 'thermo-x2', 'gateway-g4', 'meter-m3', 'sensor-s9', 'cam-c2'];
  const out: RunReport['grouping']['membership'] = [];
  for (const r of regions) out.push({ group: `region-${r}`, members: 0 });
  for (const [i, m] of models.entries()) {
    for (const [j, r] of regions.entries()) {
      out.push({ group: `${m}.${r}`, members: 40 + ((i * 97 + j * 31) % 260), parent: `region-${r}` });
    }
  }
  for (const g of out) {
    if (!g.parent) g.members = out.filter((x) => x.parent === g.group).reduce((s, x) => s + x.members, 0);
  }
  return out.sort((a, b) => b.members - a.members);
};

export const fixtureReport = (): RunReport => {
  const canary = gateSeries(50, 0.01, 0.05, T0 + 5 * MIN, 1);
  const wave = gateSeries(500, 0.02, 0.05, T0 + 40 * MIN, 2);
  const bad = gateSeries(400, 0.2, 0.05, T0 + 70 * MIN, 3);
  const rest = gateSeries(1, 0, 0.05, T0 + 60 * MIN, 4);
  return {
    scenario: {
      name: 'firmware-2.4-staged',
      seed: 42,
      devices: 5000,
      file: 'examples/scenarios/firmware.yml',
    },
    startedAt: T0,
    finishedAt: T0 + 3 * 60 * MIN + 17_000,
    wallMs: 48_250,
    steps: [
      { at: T0, text: 'registered 5000 things' },
      { at: T0 + 2 * MIN, text: 'grouping: 5000 things in 28 groups' },
      { at: T0 + 5 * MIN, text: 'rollout fw-2.4 stage canary started (50 targets)' },
      { at: T0 + 72 * MIN, text: 'rollout fw-2.4-eu stage wave-1 HALTED: lower bound above threshold' },
    ],
    grouping: { things: 5000, groupsCreated: 28, membership: groups() },
    rollouts: [
      {
        id: 'ro-01HQ7ZK3',
        name: 'fw-2.4',
        status: 'COMPLETED',
        stages: [
          {
            name: 'canary',
            jobId: 'fw-2.4-s0-3f9a',
            decision: 'PROMOTED',
            reason: 'upper bound below threshold after bake',
            targets: 50,
            ...counts(canary),
            approvals: [
              {
                decision: 'APPROVED',
                by: 'dave@ops',
                kind: 'promote',
                reason: 'stage canary passed its gate; approve to start stage wave-1',
              },
            ],
            decisionRecord: decisionAt(canary, -1, 'PROMOTE', 'STAGE_RATE_BELOW_THRESHOLD', 50),
            series: canary,
          },
          {
            name: 'wave-1',
            jobId: 'fw-2.4-s1-77c0',
            decision: 'PROMOTED',
            reason: 'operator approved',
            targets: 500,
            ...counts(wave),
            approvals: [{ decision: 'APPROVED', by: 'alice@ops', comment: 'error budget ok, proceed' }],
            decisionRecord: decisionAt(
              wave,
              firstWhere(wave, (p) => p.upper < p.threshold),
              'PROMOTE',
              'RATE_BELOW_THRESHOLD',
              500,
            ),
            series: wave,
          },
          {
            name: 'rest',
            jobId: 'fw-2.4-s2-a1d2',
            decision: 'PROMOTED',
            reason: 'single-point stage',
            targets: 1,
            succeeded: 1,
            failed: 0,
            approvals: [],
            decisionRecord: decisionAt(rest, 0, 'INCONCLUSIVE_AT_DEADLINE', 'AWAITING_MIN_FINISHED', 1, {
              record: { action: 'promote', trigger: 'STAGE_COMPLETE' },
            }),
            series: rest,
          },
        ],
      },
      {
        id: 'ro-01HQ80AA',
        name: 'fw-2.4-eu',
        status: 'HALTED',
        stages: [
          {
            name: 'wave-1',
            jobId: 'fw-2.4-eu-s0-9bb1',
            decision: 'HALTED',
            reason: 'lower bound above threshold 5%',
            targets: 400,
            ...counts(bad),
            approvals: [
              { decision: 'REJECTED', by: 'bob@ops', comment: 'do not resume, rollback' },
              { decision: 'APPROVED', by: 'carol@sre' },
            ],
            // Fields the gate's records may gain (issue 12) ride along: a rule name, its confidence,
            // devices that started the update, and one the report has no words for.
            decisionRecord: decisionAt(
              bad,
              firstWhere(bad, (p) => p.lower > p.threshold),
              'HALT',
              'RATE_ABOVE_THRESHOLD',
              400,
              {
                record: { rule: 'halt-lower-bound', ruleConfidence: 0.95 },
                evidence: { started: 161, haltLogBoundary: 2.674, peerVerdict: 'aws-abort-config: none' },
              },
            ),
            series: bad,
          },
          {
            name: 'wave-2',
            jobId: 'fw-2.4-eu-s1-0000',
            decision: 'PENDING',
            targets: 1200,
            succeeded: 0,
            failed: 0,
            approvals: [],
            series: [],
          },
        ],
      },
    ],
    tunnels: [
      {
        thingName: 'thermo-x1-0042',
        alarmName: 'cpu-temp-high',
        tunnelId: 'a1b2c3d4-0001',
        openedAt: T0 + 20 * MIN,
        closedAt: T0 + 50 * MIN,
        outcome: 'CLOSED',
      },
      {
        thingName: 'gateway-g4-0007',
        alarmName: 'link-flap',
        tunnelId: 'a1b2c3d4-0002',
        openedAt: T0 + 80 * MIN,
        outcome: 'OPEN',
      },
      { thingName: 'meter-m3-1200', alarmName: 'tamper', outcome: 'SKIPPED_QUOTA' },
      {
        thingName: 'cam-c2-0300',
        alarmName: 'offline',
        tunnelId: 'a1b2c3d4-0003',
        openedAt: T0 + 90 * MIN,
        closedAt: T0 + 102 * MIN,
        outcome: 'TIMED_OUT',
      },
    ],
    audit: {
      total: 6189,
      byAction: {
        'thing.grouped': 5000,
        'rollout.stage.started': 4,
        'rollout.stage.promoted': 3,
        'rollout.stage.halted': 1,
        'gate.evaluated': 1171,
        'approval.recorded': 3,
        'tunnel.opened': 3,
        'tunnel.closed': 2,
        'rollout.created': 2,
      },
    },
    delivery: { published: 12480, delivered: 12471, duplicated: 37, lost: 2, parked: 7 },
    phases: [
      { name: 'start the stack', wallMs: 1_250 },
      { name: 'provision', wallMs: 4_100 },
      { name: 'grouping', wallMs: 18_400 },
      { name: 'rollouts and alarms', wallMs: 23_900 },
      { name: 'report', wallMs: 600 },
    ],
    calls: [
      { operation: 'iot:AddThingToThingGroup', accepted: 5000, throttled: 212 },
      { operation: 'iot:CreateJob', accepted: 4, throttled: 0 },
      { operation: 'iot:DescribeJobExecution', accepted: 1840, throttled: 35 },
      { operation: 'iotsecuretunneling:OpenTunnel', accepted: 3, throttled: 1 },
      { operation: 'dynamodb:UpdateItem', accepted: 9210, throttled: 0 },
      { operation: 'sfn:SendTaskSuccess', accepted: 6, throttled: 0 },
    ],
  };
};

/** Succeeded and failed device counts at the end of a series. */
const counts = (series: Series): { succeeded: number; failed: number } => {
  const last = series[series.length - 1];
  if (!last) return { succeeded: 0, failed: 0 };
  const failed = Math.round(last.failureRate * last.finished);
  return { succeeded: last.finished - failed, failed };
};

/**
 * A rollout like the default scenario's firmware 3.1: every device of its first stage reports SUCCEEDED,
 * 4 never come back within the 10-minute reconnect window, the gate halts the stage on them, and the
 * rollback puts the old firmware back on 199 of the 200 reachable devices (1 never reached).
 */
export const healthRollout = (): RolloutReport => {
  // The gate's view: a success counts once its window is over, so failures (devices that never came
  // back) arrive late; the fourth lifts the lower bound just over the 0.5 % threshold.
  const series: Series = Array.from({ length: 158 }, (_, k) => {
    const finished = k + 1;
    const failed = [40, 80, 120, 158].filter((n) => n <= finished).length;
    return {
      at: T0 + 100 * MIN + finished * 7_000,
      started: 204,
      finished,
      failureRate: failed / finished,
      lower: finished === 158 ? 0.0054 : 0,
      upper: Math.min(1, (failed + 46) / 204 + 2 / Math.sqrt(finished)),
      threshold: 0.005,
    };
  });
  const at = T0 + 125 * MIN;
  const signals = { reconnectMinutes: 10, selfCheck: ['selfTest'] };
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: 'fw-3-1-37f96658',
    name: 'fw-3.1',
    status: 'HALTED',
    stages: [
      {
        name: 'early',
        jobId: 'fw-3-1-37f96658-s0',
        decision: 'HALT',
        reason: 'RATE_ABOVE_THRESHOLD',
        targets: 204,
        succeeded: 154,
        failed: 4,
        approvals: [],
        decisionRecord: decisionAt(series, -1, 'HALT', 'RATE_ABOVE_THRESHOLD', 204),
        health: {
          signals,
          unhealthy: 4,
          unjudged: 0,
          suspects: 204,
          checkedAt: at,
          examples: [1, 2, 3, 4].map((n) => ({
            thingName: `sensor-0041${n}`,
            reason: 'reconnect',
            evidence: `disconnected at ${iso(T0 + (100 + n) * MIN)} and not back within 10 min of its success at ${iso(T0 + (100 + n) * MIN - 20_000)}`,
          })),
        },
        jobOutcome: { succeeded: 204, failed: 0, notFinished: 0 },
        rollback: { devices: 200, succeeded: 199, failed: 0, inProgress: 0, notReached: 1 },
        series,
      },
      {
        name: 'fleet',
        jobId: '',
        decision: 'NOT_STARTED',
        targets: 0,
        succeeded: 0,
        failed: 0,
        approvals: [],
        health: { signals, unhealthy: 0, unjudged: 0, suspects: 0, examples: [] },
        series: [],
      },
    ],
    rollback: {
      state: 'COMPLETED',
      scope: 'rollout',
      trigger: 'halt',
      stageIndexes: [0],
      groupName: 'fleet-autopilot-rollback-fw-3-1-37f96658',
      jobId: 'fw-3-1-37f96658-rb0',
      devices: 200,
      excluded: 4,
      notAdded: 0,
      counts: { succeeded: 199, failed: 0, rejected: 0, timedOut: 0, inProgress: 0, notReached: 1 },
      jobStatus: 'IN_PROGRESS',
      startedAt: at,
      completedAt: at + 24 * 60 * MIN + 14 * MIN,
    },
  };
};

/** A report of a run that did nothing. */
export const emptyReport = (): RunReport => ({
  scenario: { name: 'empty', seed: 0, devices: 0 },
  startedAt: T0,
  finishedAt: T0,
  wallMs: 0,
  steps: [],
  grouping: { things: 0, groupsCreated: 0, membership: [] },
  rollouts: [],
  tunnels: [],
  audit: { total: 0, byAction: {} },
  delivery: { published: 0, delivered: 0, duplicated: 0, lost: 0, parked: 0 },
  calls: [],
});
