import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../local/scenario/load';
import { effectsOfIotCalls, verifyAuditTrail } from '../../shared/domain/audit-query/verify';
import { fleet, playScenario } from './scenario-harness';

// Issue 17 on the local stack: a bad update halts in its first stage and the plan's rollback goes
// to exactly the devices that applied it, through the real handlers, the real state machine (the
// fill loop, the Wait + ReconcileRollback watch) and the IoT emulator's groups and jobs.
const PLAN = `name: fw-bad-rb
document: { operation: update, version: "fw-bad-rb" }
defaults:
  gate: { failureThreshold: 0.05, confidence: 0.95, minFinished: 1, bakeMinutes: 30, deadlineMinutes: 600, onInconclusive: ask }
  job: { inProgressTimeoutMinutes: 30 }
stages:
  - { name: early, targets: [ring-early] }
  - { name: fleet, targets: [sites] }
rollback:
  document: { operation: install, version: "fw-previous" }
  job: { maximumPerMinute: 50, inProgressTimeoutMinutes: 10 }
`;
const scenario = parseScenario(
  JSON.stringify({
    name: 'rollback',
    seed: 17,
    devices: fleet(150),
    cohorts: [
      // Only the update fails; the rollback (no rollout's job) runs everywhere.
      // Failures report late, so some devices have applied the update before the gate halts it.
      {
        name: 'bad',
        rollouts: ['fw-bad-rb'],
        outcomes: { succeed: 0.5, fail: 0.5 },
        runtime: { fail: { min: 600, max: 900 } },
      },
      { name: 'rest', outcomes: { succeed: 1 }, latency: { min: 10, max: 300 } },
    ],
    timeline: [
      { at: '0s', provision: {} },
      { at: '10m', startRollout: { ref: 'B', plan: 'bad.yml', principal: 'alice' } },
    ],
  }),
);
let played: Awaited<ReturnType<typeof playScenario>>;
let rolloutId = '';

beforeAll(async () => {
  played = await playScenario(scenario, { 'bad.yml': PLAN });
  rolloutId = played.run.rollouts.get('B')?.rolloutId ?? '';
}, 120_000);
afterAll(async () => {
  played?.run.stop();
  await played?.stack.close();
});

const audited = (action: string) =>
  played.audit.filter((a) => (a.subject as { id?: string })?.id === rolloutId && a.action === action);

describe('rollback on the local stack', () => {
  it('halts, then rolls back exactly the devices whose execution SUCCEEDED, and completes', async () => {
    const iot = played.stack.services.iot.state;
    const stageJob = iot.jobs.get(`${rolloutId}-s0`);
    const succeeded = [...(stageJob?.executions.values() ?? [])]
      .filter((e) => e.status === 'SUCCEEDED')
      .map((e) => e.thingName)
      .sort();
    const others = [...(stageJob?.executions.values() ?? [])].filter((e) => e.status !== 'SUCCEEDED');
    expect(succeeded.length).toBeGreaterThan(0);
    expect(others.length).toBeGreaterThan(0);

    const group = iot.groups.get(`fleet-autopilot-rollback-${rolloutId}`);
    expect([...(group?.things ?? [])].sort()).toEqual(succeeded);
    const rollbackJob = iot.jobs.get(`${rolloutId}-rb0`);
    expect(rollbackJob).toMatchObject({ targetSelection: 'SNAPSHOT', status: 'COMPLETED' });
    expect(rollbackJob?.abortConfig).toBeUndefined();
    expect([...(rollbackJob?.executions.keys() ?? [])].sort()).toEqual(succeeded);
    // The fleet stage never started: no device outside the halted stage was touched.
    expect(iot.jobs.has(`${rolloutId}-s1`)).toBe(false);

    expect(audited('rollout.halted')).toHaveLength(1);
    expect(audited('rollout.rollback.started')).toHaveLength(1);
    expect(audited('rollout.rollback.started')[0]?.details).toMatchObject({
      stageIndexes: [0],
      devices: succeeded.length,
    });
    const completed = audited('rollout.rollback.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.details).toMatchObject({
      devices: succeeded.length,
      attention: false,
      counts: { succeeded: succeeded.length, failed: 0, timedOut: 0, notReached: 0 },
    });
    expect(audited('rollout.rollback.attention')).toHaveLength(0);

    const view = (await played.run.api.rollout('dave', rolloutId)).body as {
      status: string;
      rollback?: { state: string; devices: number };
    };
    expect(view.status).toBe('HALTED');
    expect(view.rollback).toMatchObject({ state: 'COMPLETED', devices: succeeded.length });
    expect(played.run.errors).toEqual([]);
  });

  it('audits every side effect of the rollback: its job and each membership, nothing more', () => {
    const records = played.audit.map((r) => ({
      pk: String(r.pk),
      action: String(r.action),
      outcome: String(r.outcome),
      details: (r.details ?? {}) as Record<string, unknown>,
    }));
    const result = verifyAuditTrail(effectsOfIotCalls(played.stack.services.iot.calls), records);
    expect(result.unaudited).toEqual([]);
    expect(result.unperformed).toEqual([]);
    expect(result.ok).toBe(true);
    expect(records.filter((r) => r.action === 'thing.rollback.added').length).toBeGreaterThan(0);
  });
});
