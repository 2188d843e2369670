import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExpectations } from '../../local/scenario/expectations';
import { parseScenario } from '../../local/scenario/load';
import { playScenario } from './scenario-harness';

// scenarios/continuous-query.yml as `npm start -- --scenario` plays it: the last stage of the rollout is
// CONTINUOUS over a fleet indexing query; devices provisioned later match it, get the update and are
// counted by the gate; an operator completes the rollout.
const scenario = parseScenario(readFileSync('scenarios/continuous-query.yml', 'utf8'));
const plans = {
  'plans/firmware-2.8-query.yml': readFileSync('scenarios/plans/firmware-2.8-query.yml', 'utf8'),
};
let played: Awaited<ReturnType<typeof playScenario>>;

beforeAll(async () => {
  played = await playScenario(scenario, plans);
}, 300_000);
afterAll(async () => {
  played?.run.stop();
  await played?.stack.close();
});

const rolloutId = () => played.run.rollouts.get('Q')?.rolloutId ?? '';
const view = async () =>
  (await played.run.api.rollout('dave', rolloutId())).body as {
    status: string;
    stages: {
      name: string;
      status: string;
      query?: string;
      queryGroup?: string;
      gate: { lastDecision?: { outcome: string; evidence: { exposed: number } } };
    }[];
  };
const actions = () => played.audit.filter((a) => a.pk === `ROLLOUT#${rolloutId()}`).map((a) => a.action);

describe('continuous-query scenario', () => {
  it('meets every expectation the scenario file declares', async () => {
    const results = checkExpectations(scenario.expect, new Map([['Q', (await view()) as never]]));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(played.run.errors).toEqual([]);
  });

  it('gave the update to devices provisioned while the continuous stage ran, and counted them', async () => {
    const { iot } = played.stack.services;
    const job = iot.state.jobs.get(`${rolloutId()}-s1`);
    if (!job) throw new Error('no job for the query stage');
    const lateTh200 = played.run.devices
      .slice(200)
      .filter((d) => d.attributes.model === 'th200')
      .map((d) => d.thingName);
    expect(lateTh200.length).toBeGreaterThan(20);
    // Every late th200 device got an execution of the continuous job and ran it.
    for (const thing of lateTh200)
      expect(['SUCCEEDED', 'FAILED'], thing).toContain(job.executions.get(thing)?.status);
    // Exposed: every th200 but those the early ring already moved to 2.8 (their $package no longer
    // matches `firmware.version:2.7*`).
    const early = iot.state.jobs.get(`${rolloutId()}-s0`);
    const updatedEarly = [...(early?.executions.values() ?? [])]
      .filter((e) => e.status === 'SUCCEEDED')
      .map((e) => e.thingName);
    const th200 = played.run.devices.filter((d) => d.attributes.model === 'th200').map((d) => d.thingName);
    const stage = (await view()).stages[1];
    expect(stage?.gate.lastDecision?.evidence.exposed).toBe(
      th200.filter((t) => !updatedEarly.includes(t)).length,
    );
    expect(updatedEarly.some((t) => th200.includes(t))).toBe(true);
    // Every device reports 2.8 now in its $package shadow, as the index shows.
    const reported = (t: string) =>
      (iot.state.shadows.get(t)?.get('$package')?.reported as { firmware?: { version?: string } } | undefined)
        ?.firmware?.version;
    expect(th200.map(reported).every((v) => v === '2.8.0')).toBe(true);
    // No th300 device was reached by the query stage.
    expect(
      [...job.executions.keys()].every(
        (t) => played.run.devices.find((d) => d.thingName === t)?.attributes.model === 'th200',
      ),
    ).toBe(true);
  });

  it('watched the stage after its gate, completed it on request: job cancelled without force, group deleted', async () => {
    const { iot } = played.stack.services;
    const job = iot.state.jobs.get(`${rolloutId()}-s1`);
    expect(job).toMatchObject({ status: 'CANCELED', forceCanceled: false, reasonCode: 'ROLLOUT_COMPLETED' });
    expect(iot.state.groups.has(`fleet-autopilot-${rolloutId()}-s1`)).toBe(false);
    expect(actions()).toEqual(
      expect.arrayContaining([
        'rollout.query-group.created',
        'rollout.stage.watching',
        'rollout.complete.requested',
        'rollout.job.cancelled',
        'rollout.query-group.deleted',
        'rollout.completed',
      ]),
    );
    const requested = played.audit.find((a) => a.action === 'rollout.complete.requested');
    expect(requested?.actor).toBe('arn:aws:iam::000000000000:user/bob');
  });

  it('loses no event', () => {
    expect(played.stack.router.stats.lost).toBe(0);
  });
});
