import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../local/scenario/load';
import { effectsOfIotCalls, verifyAuditTrail } from '../../shared/domain/audit-query/verify';
import { fleet, playScenario } from './scenario-harness';

// Issue 17 on the local stack: a bad document halts the first stage; an operator resumes the rollout
// with a fixed one; the halted stage runs again as a new job and promotes, then the last stage, while
// the devices still running the bad job report their failures late. Real handlers, the real state
// machine (an execution started at the halted stage), the IoT emulator's jobs and virtual devices.
const PLAN = `name: fw-resume
document: { operation: update, version: "fw-resume-1" }
defaults:
  gate: { failureThreshold: 0.05, confidence: 0.95, minFinished: 1, bakeMinutes: 30, deadlineMinutes: 600, onInconclusive: promote }
  job: { inProgressTimeoutMinutes: 180, rollout: { maximumPerMinute: 100 } }
stages:
  - { name: early, targets: [ring-early] }
  - { name: fleet, targets: [sites] }
`;
const RESUME_AT = 60 * 60_000;
const scenario = parseScenario(
  JSON.stringify({
    name: 'resume',
    seed: 23,
    devices: fleet(300),
    cohorts: [
      // The bad document: most devices fail, over the next 90 minutes; the fixed one works everywhere.
      {
        name: 'bad',
        rollouts: ['fw-resume'],
        documents: ['fw-resume-1'],
        outcomes: { succeed: 0.3, fail: 0.7 },
        latency: { min: 5, max: 30 },
        runtime: { fail: { min: 60, max: 5400 }, succeed: { min: 60, max: 600 } },
      },
      { name: 'rest', outcomes: { succeed: 1 }, latency: { min: 10, max: 120 } },
    ],
    timeline: [
      { at: '0s', provision: {} },
      { at: '10m', startRollout: { ref: 'R', plan: 'resume.yml', principal: 'alice' } },
      {
        at: '60m',
        resume: {
          rollout: 'R',
          principal: 'bob',
          comment: 'fw-resume-2 fixes the bootloader',
          document: { operation: 'update', version: 'fw-resume-2' },
        },
      },
    ],
  }),
);
let played: Awaited<ReturnType<typeof playScenario>>;
let rolloutId = '';

beforeAll(async () => {
  played = await playScenario(scenario, { 'resume.yml': PLAN });
  rolloutId = played.run.rollouts.get('R')?.rolloutId ?? '';
}, 180_000);
afterAll(async () => {
  played?.run.stop();
  await played?.stack.close();
});

const audited = (action: string) =>
  played.audit.filter((a) => (a.subject as { id?: string })?.id === rolloutId && a.action === action);

type View = {
  status: string;
  attempt: number;
  resumes: { attempt: number; execution: string; by: string }[];
  stages: {
    status: string;
    attempt: number;
    jobId?: string;
    counts?: { failed: number; succeeded: number };
    attempts: { attempt: number; jobId: string; status: string; events: { failed: number } }[];
  }[];
};

describe('resume with a fixed document on the local stack', () => {
  it('halts on the bad document, then promotes the halted stage and the next with the fixed one', async () => {
    expect(played.run.errors).toEqual([]);
    expect(
      played.run.progress.lines.some((l) =>
        /resume rollout R by bob with a new document: HTTP 200/.test(l.text),
      ),
    ).toBe(true);
    const view = (await played.run.api.rollout('dave', rolloutId)).body as View;
    expect(view.status).toBe('COMPLETED');
    expect(view.attempt).toBe(1);
    const execution = view.resumes[0]?.execution ?? '';
    expect(execution).toMatch(new RegExp(`^${rolloutId}--r1-[0-9a-f]{8}$`));
    expect(view.resumes).toEqual([expect.objectContaining({ attempt: 1, execution })]);
    expect(view.stages.map((s) => [s.status, s.attempt, s.jobId])).toEqual([
      ['PROMOTED', 1, `${rolloutId}-s0-a1`],
      ['PROMOTED', 0, `${rolloutId}-s1`],
    ]);
    expect(view.stages[0]?.attempts).toEqual([
      expect.objectContaining({ attempt: 0, jobId: `${rolloutId}-s0`, status: 'HALTED' }),
    ]);
    expect(view.stages[0]?.counts?.failed).toBe(0);

    // Two executions: the first (halted), and the resume's, started at the halted stage.
    const executions = [...played.stack.services.sfn.executions.values()].map((e) => e.executionArn);
    expect(executions.filter((arn) => arn.includes(rolloutId)).map((arn) => arn.split(':').at(-1))).toEqual([
      rolloutId,
      execution,
    ]);
    const iot = played.stack.services.iot.state;
    expect(iot.jobs.get(`${rolloutId}-s0`)?.document).toContain('fw-resume-1');
    expect(iot.jobs.get(`${rolloutId}-s0-a1`)?.document).toContain('fw-resume-2');
    expect(iot.jobs.get(`${rolloutId}-s1`)?.document).toContain('fw-resume-2');
    expect(audited('rollout.halted')).toHaveLength(1);
    expect(audited('rollout.resumed.with-document')).toEqual([
      expect.objectContaining({ actor: expect.stringMatching(/user\/bob$/) }),
    ]);
  });

  it('counts none of the bad job late failures, which keep arriving after the resume', async () => {
    const iot = played.stack.services.iot.state;
    const resumedAt = played.run.start + RESUME_AT;
    const oldJob = [...(iot.jobs.get(`${rolloutId}-s0`)?.executions.values() ?? [])];
    const late = oldJob.filter((e) => e.status === 'FAILED' && e.lastUpdatedAt > resumedAt);
    expect(late.length).toBeGreaterThan(0);
    const newJob = [...(iot.jobs.get(`${rolloutId}-s0-a1`)?.executions.values() ?? [])];
    expect(newJob.length).toBeGreaterThan(0);
    expect(newJob.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    // The new attempt's counters hold its own job's events; the halted attempt's, what came before the switch.
    const docs = DynamoDBDocumentClient.from(new DynamoDBClient(played.stack.clientConfig('dynamodb')));
    const item = async (sk: string) =>
      (await docs.send(new GetCommand({ TableName: 'StateTable', Key: { pk: `ROLLOUT#${rolloutId}`, sk } })))
        .Item;
    expect(await item('STAGE#000')).toMatchObject({ failed: 0, succeeded: newJob.length });
    const kept = await item('ATTEMPT#000#000');
    expect(kept).toMatchObject({ jobId: `${rolloutId}-s0`, status: 'HALTED' });
    const failedOld = oldJob.filter((e) => e.status === 'FAILED').length;
    expect(Number(kept?.failed)).toBeGreaterThan(0);
    expect(Number(kept?.failed)).toBeLessThan(failedOld);
  });

  it('audits every side effect: both jobs of the stage, their cancel, nothing more', () => {
    const records = played.audit.map((r) => ({
      pk: String(r.pk),
      action: String(r.action),
      outcome: String(r.outcome),
      details: (r.details ?? {}) as Record<string, unknown>,
    }));
    const result = verifyAuditTrail(effectsOfIotCalls(played.stack.services.iot.calls), records);
    expect(result.unaudited).toEqual([]);
    expect(result.unperformed).toEqual([]);
    expect(played.stack.router.stats.lost).toBe(0);
  });
});
