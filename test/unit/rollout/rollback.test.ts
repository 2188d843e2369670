import { describe, expect, it } from 'vitest';
import { executionVerdict } from '../../../shared/domain/rollout/execution';
import { jobIdFor, parseJobId } from '../../../shared/domain/rollout/ids';
import type { JobSnapshot } from '../../../shared/domain/rollout/job-snapshot';
import type { Rollout } from '../../../shared/domain/rollout/model';
import { type ResolvedRollback, resolvePlan } from '../../../shared/domain/rollout/plan';
import {
  createRollbackJobRequest,
  parseRollbackJobId,
  rollbackGroupName,
  rollbackJobId,
  rollbackStageIndexes,
  rollbackVerdict,
  rollbackWaitSeconds,
  rollbackWanted,
} from '../../../shared/domain/rollout/rollback';

const ARN = 'arn:aws:iot:us-east-1:123456789012';
const planWith = (rollback: Record<string, unknown> | undefined) =>
  resolvePlan({
    name: 'fw-2.4',
    document: { op: 'update' },
    stages: [
      { name: 'canary', targets: ['ring-canary'] },
      { name: 'early', targets: ['ring-early'] },
      { name: 'fleet', targets: ['ring-fleet'] },
    ],
    ...(rollback ? { rollback } : {}),
  });
const plan = planWith({ document: { op: 'install', version: '2.3' } });
const rollback = plan.rollback as ResolvedRollback;

const job = (over: Partial<JobSnapshot> = {}): JobSnapshot => ({
  at: 10_000,
  status: 'IN_PROGRESS',
  targetsOpen: false,
  queued: 0,
  inProgress: 0,
  succeeded: 0,
  failed: 0,
  rejected: 0,
  timedOut: 0,
  canceled: 0,
  removed: 0,
  ...over,
});

describe('rollback ids', () => {
  it('names the job <rolloutId>-rb<attempt>, which parses back and is never a stage job', () => {
    expect(rollbackJobId('fw-2-4-1a2b3c4d')).toBe('fw-2-4-1a2b3c4d-rb0');
    expect(rollbackJobId('fw-2-4-1a2b3c4d', 3)).toBe('fw-2-4-1a2b3c4d-rb3');
    expect(parseRollbackJobId('fw-2-4-1a2b3c4d-rb3')).toEqual({ rolloutId: 'fw-2-4-1a2b3c4d', attempt: 3 });
    // The tracker counts only stage jobs: a rollback's events must not move any stage's counters.
    for (const id of ['fw-2-4-1a2b3c4d', 'a-s1', 'x-s12-s3'])
      for (const attempt of [0, 1, 12, 99]) expect(parseJobId(rollbackJobId(id, attempt))).toBeUndefined();
    expect(parseRollbackJobId(jobIdFor('fw-2-4-1a2b3c4d', 0))).toBeUndefined();
    expect(parseRollbackJobId('fw-rb01')).toBeUndefined();
    expect(parseRollbackJobId('FW-rb1')).toBeUndefined();
    expect(() => rollbackJobId('Not An Id')).toThrow();
    expect(() => rollbackJobId('fw', 100)).toThrow();
    expect(() => rollbackJobId('fw', -1)).toThrow();
    // At most 55 of AWS's 64 characters for the longest rollout id.
    expect(rollbackJobId('a'.repeat(50), 99)).toHaveLength(55);
  });

  it('names a static thing group AWS accepts', () => {
    const name = rollbackGroupName('a'.repeat(50));
    expect(name).toMatch(/^[a-zA-Z0-9:_-]{1,128}$/);
    expect(rollbackGroupName('fw-2-4-1a2b3c4d')).toBe('fleet-autopilot-rollback-fw-2-4-1a2b3c4d');
    expect(() => rollbackGroupName('a/b')).toThrow();
  });
});

describe('rollback scope', () => {
  it('is the halted stage and every earlier one by default, or the halted stage alone', () => {
    expect(rollbackStageIndexes(plan, 2)).toEqual([0, 1, 2]);
    expect(rollbackStageIndexes(plan, 0)).toEqual([0]);
    const stageOnly = planWith({ document: { op: 'install' }, scope: 'stage' });
    expect(rollbackStageIndexes(stageOnly, 1)).toEqual([1]);
    expect(() => rollbackStageIndexes(plan, 3)).toThrow();
    expect(() => rollbackStageIndexes(planWith(undefined), 0)).toThrow(/names no rollback/);
  });

  it('rolls back after every halt, after an abort only when the plan or the operator asks', () => {
    expect(rollbackWanted(plan, 'halt', false)).toBe(true);
    expect(rollbackWanted(plan, 'abort', false)).toBe(false);
    expect(rollbackWanted(plan, 'abort', true)).toBe(true);
    expect(rollbackWanted(planWith({ document: { op: 'x' }, onAbort: true }), 'abort', false)).toBe(true);
    expect(rollbackWanted(planWith(undefined), 'halt', true)).toBe(false);
  });
});

describe('rollback job request', () => {
  it('is a SNAPSHOT job over the rollback group at a constant rate, with no abortConfig', () => {
    const request = createRollbackJobRequest(plan, 'fw-2-4-1a2b3c4d', 'fw-2-4-1a2b3c4d-rb0', ARN, [0, 1]);
    expect(request).toEqual({
      jobId: 'fw-2-4-1a2b3c4d-rb0',
      targets: [`${ARN}:thinggroup/fleet-autopilot-rollback-fw-2-4-1a2b3c4d`],
      document: JSON.stringify({ op: 'install', version: '2.3' }),
      description: 'fw-2.4: rollback of stages 1-2 (canary, early)',
      targetSelection: 'SNAPSHOT',
      jobExecutionsRolloutConfig: { maximumPerMinute: 100 },
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      jobExecutionsRetryConfig: {
        criteriaList: [
          { failureType: 'FAILED', numberOfRetries: 1 },
          { failureType: 'TIMED_OUT', numberOfRetries: 1 },
        ],
      },
    });
    expect(request).not.toHaveProperty('abortConfig');
  });

  it("takes the rollback's documentSource, rate, timeout and retries", () => {
    const custom = planWith({
      documentSource: 's3://fleet-firmware-artifacts/rollback/2.3.json',
      scope: 'stage',
      job: { maximumPerMinute: 7, inProgressTimeoutMinutes: 12, retries: { failed: 0, timedOut: 0 } },
    });
    const request = createRollbackJobRequest(custom, 'fw-1', 'fw-1-rb0', ARN, [2]);
    expect(request).toMatchObject({
      documentSource: 'https://fleet-firmware-artifacts.s3.amazonaws.com/rollback/2.3.json',
      description: 'fw-2.4: rollback of stage 3 (fleet)',
      jobExecutionsRolloutConfig: { maximumPerMinute: 7 },
      timeoutConfig: { inProgressTimeoutInMinutes: 12 },
    });
    expect(request).not.toHaveProperty('document');
    expect(request).not.toHaveProperty('jobExecutionsRetryConfig');
    expect(request).not.toHaveProperty('abortConfig');
  });
});

describe('rollback verdict', () => {
  it('is running while devices are queued or running, and while AWS is still creating executions', () => {
    expect(rollbackVerdict(rollback, job({ queued: 40, succeeded: 10 }), 0, 10_000).verdict).toBe('running');
    expect(rollbackVerdict(rollback, job({ inProgress: 3, succeeded: 47 }), 0, 10_000).verdict).toBe(
      'running',
    );
    expect(rollbackVerdict(rollback, job({ targetsOpen: true }), 0, 10_000).verdict).toBe('running');
    // Just created: no execution yet, and AWS not (yet) showing the targets it processes.
    expect(rollbackVerdict(rollback, job(), 0, 10_000).verdict).toBe('running');
  });

  it('is done when the job completed or nothing is left to run, and when it was stopped or deleted outside', () => {
    expect(rollbackVerdict(rollback, job({ succeeded: 50 }), 0, 10_000)).toMatchObject({
      verdict: 'done',
      attention: false,
      counts: { succeeded: 50, notReached: 0 },
    });
    expect(rollbackVerdict(rollback, job({ status: 'COMPLETED', succeeded: 5 }), 0, 1).verdict).toBe('done');
    expect(
      rollbackVerdict(rollback, job({ status: 'CANCELED', queued: 4, canceled: 2 }), 0, 10_000),
    ).toMatchObject({ verdict: 'done', stoppedOutside: true, counts: { notReached: 6 } });
    expect(rollbackVerdict(rollback, undefined, 0, 10_000)).toMatchObject({
      verdict: 'done',
      stoppedOutside: true,
    });
  });

  it("asks for attention when the project's gate would halt at the plan's threshold, never otherwise", () => {
    const failing = job({ queued: 80, failed: 8, succeeded: 2 });
    expect(rollbackVerdict(rollback, failing, 0, 10_000)).toMatchObject({
      verdict: 'attention',
      attention: true,
      gate: { outcome: 'HALT' },
    });
    // The same failures under a looser threshold: no halt, keep running.
    const loose = { ...rollback, failureThreshold: 0.5 };
    expect(rollbackVerdict(loose, failing, 0, 10_000)).toMatchObject({
      verdict: 'running',
      attention: false,
    });
    // One failure among many successes is not attention.
    expect(
      rollbackVerdict(rollback, job({ queued: 50, failed: 1, succeeded: 49 }), 0, 10_000).attention,
    ).toBe(false);
    // Done, and failing: the human still has to hear about it.
    expect(rollbackVerdict(rollback, job({ failed: 8, succeeded: 2 }), 0, 10_000)).toMatchObject({
      verdict: 'done',
      attention: true,
    });
  });

  it('waits a tenth of the time the rollback has run, between a minute and six hours', () => {
    expect(rollbackWaitSeconds(0, 0)).toBe(60);
    expect(rollbackWaitSeconds(0, 3_600_000)).toBe(360);
    expect(rollbackWaitSeconds(0, 30 * 86_400_000)).toBe(21_600);
    expect(rollbackWaitSeconds(5000, 0)).toBe(60);
  });
});

describe('rollback steps and the execution check', () => {
  const rollout = (status: Rollout['status']): Rollout => ({
    rolloutId: 'fw-1',
    name: 'fw',
    digest: 'd',
    plan,
    creator: 'alice',
    createdAt: 0,
    status,
    currentStage: 1,
    paused: false,
    abortRequested: false,
    executionArn: 'arn:exec',
    updatedAt: 0,
  });

  it('runs only on a halted or aborted rollout, and only for its own execution', () => {
    for (const action of ['startRollback', 'reconcileRollback', 'failRollback']) {
      expect(executionVerdict(rollout('HALTED'), 'arn:exec', action, 0).ok, action).toBe(true);
      expect(executionVerdict(rollout('ABORTED'), 'arn:exec', action, 5).ok, action).toBe(true);
      for (const status of ['RUNNING', 'PAUSED', 'COMPLETED', 'FAILED'] as const)
        expect(executionVerdict(rollout(status), 'arn:exec', action, 1), `${action} ${status}`).toMatchObject(
          {
            ok: false,
            reason: 'rollout-not-stopped',
          },
        );
      expect(executionVerdict(rollout('HALTED'), 'arn:other', action, 1)).toMatchObject({
        ok: false,
        reason: 'foreign-execution',
      });
    }
  });
});
