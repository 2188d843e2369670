import { describe, expect, it } from 'vitest';
import { InvalidPlanError } from '../../../shared/domain/rollout/errors';
import { executionArnFor } from '../../../shared/domain/rollout/execution';
import { attemptOfJob, jobIdFor, parseJobId, stageRef } from '../../../shared/domain/rollout/ids';
import type {
  Approval,
  ResumeRecord,
  Rollout,
  Stage,
  StageAttempt,
} from '../../../shared/domain/rollout/model';
import { planDigest, resolvePlan } from '../../../shared/domain/rollout/plan';
import { promotionVerdict } from '../../../shared/domain/rollout/promotion';
import {
  authorsOf,
  documentHash,
  documentOf,
  executionNameOf,
  type PlanDocument,
  resumeDocument,
  resumeExecutionName,
  resumeRefusal,
  resumerProblem,
  resumeWarnings,
  withDocument,
} from '../../../shared/domain/rollout/resume';
import {
  parseRollbackJobId,
  type Rollback,
  rollbackGroupName,
  rollbackJobId,
} from '../../../shared/domain/rollout/rollback';
import { rolloutStatusView } from '../../../shared/domain/rollout/status-view';

const ID = 'fw-12345678';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:staged-rollout';
const BAD = { operation: 'update', version: '2.4.0' };
const FIXED = { operation: 'update', version: '2.4.1' };

function rollout(over: Partial<Rollout> = {}, rollback = false): Rollout {
  const plan = resolvePlan({
    name: 'fw',
    document: BAD,
    stages: [
      { name: 'canary', targets: ['ring-canary'] },
      { name: 'early', targets: ['ring-early'], approval: { required: true } },
      { name: 'fleet', targets: ['ring-fleet'] },
    ],
    ...(rollback ? { rollback: { document: { operation: 'install', version: '2.3.7' } } } : {}),
  });
  return {
    rolloutId: ID,
    name: 'fw',
    digest: planDigest(plan),
    plan,
    creator: 'arn:aws:iam::123456789012:user/alice',
    creatorIdentity: 'person:alice',
    createdAt: 0,
    status: 'HALTED',
    reason: 'gate-halt',
    currentStage: 1,
    paused: false,
    abortRequested: false,
    executionArn: executionArnFor(MACHINE, ID),
    updatedAt: 0,
    ...over,
  };
}

const stage = (over: Partial<Stage> = {}): Stage => ({
  rolloutId: ID,
  index: 1,
  name: 'early',
  jobId: jobIdFor(ID, 1),
  startedAt: 0,
  targets: 100,
  succeeded: 10,
  failed: 9,
  excluded: 0,
  status: 'HALTED',
  ...over,
});

const rollback = (over: Partial<Rollback> = {}): Rollback => ({
  rolloutId: ID,
  trigger: 'halt',
  stageIndex: 1,
  stageIndexes: [0, 1],
  groupName: rollbackGroupName(ID),
  jobId: rollbackJobId(ID),
  state: 'COMPLETED',
  startedAt: 0,
  fill: { stage: 2, page: 2 },
  added: 40,
  excluded: 0,
  notAdded: 0,
  notAddedSample: [],
  ...over,
});

const fixed: PlanDocument = { document: FIXED };
const refusal = (r: Rollout, s: Stage | undefined = stage(), rb?: Rollback, doc: PlanDocument = fixed) =>
  resumeRefusal({ rollout: r, stage: s, rollback: rb, document: doc });

describe('stage attempts in job ids', () => {
  it('names the first attempt as before and every later one apart, and parses each back', () => {
    expect(jobIdFor(ID, 2)).toBe('fw-12345678-s2');
    expect(jobIdFor(ID, 2, 0)).toBe('fw-12345678-s2');
    expect(jobIdFor(ID, 2, 1)).toBe('fw-12345678-s2-a1');
    expect(jobIdFor(ID, 49, 99)).toBe('fw-12345678-s49-a99');
    expect(parseJobId('fw-12345678-s2')).toEqual({ rolloutId: ID, stageIndex: 2 });
    expect(parseJobId('fw-12345678-s2-a1')).toEqual({ rolloutId: ID, stageIndex: 2, attempt: 1 });
    expect(parseJobId(jobIdFor(ID, 49, 99))).toEqual({ rolloutId: ID, stageIndex: 49, attempt: 99 });
    // A rollout id that looks like a stage is still read from the end.
    expect(parseJobId(jobIdFor('x-s1-a2', 3, 4))).toEqual({
      rolloutId: 'x-s1-a2',
      stageIndex: 3,
      attempt: 4,
    });
    expect(attemptOfJob('fw-12345678-s2-a7')).toBe(7);
    expect(attemptOfJob('fw-12345678-s2')).toBe(0);
    expect(stageRef(2)).toBe('s2');
    expect(stageRef(2, 3)).toBe('s2-a3');
  });

  it('has one spelling per attempt and fits AWS IoT job ids', () => {
    for (const other of [
      'fw-12345678-s2-a0',
      'fw-12345678-s2-a01',
      'fw-12345678-s2-a100',
      'fw-12345678-s2-b1',
    ])
      expect(parseJobId(other)).toBeUndefined();
    expect(() => jobIdFor(ID, 0, 100)).toThrow();
    expect(() => jobIdFor(ID, 0, -1)).toThrow();
    expect(() => jobIdFor(ID, 0, 1.5)).toThrow();
    const longest = jobIdFor('a'.repeat(50), 49, 99);
    expect(longest).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    // Rollback jobs are no stage's, whatever the attempt.
    for (const attempt of [0, 1, 99]) expect(parseJobId(rollbackJobId(ID, attempt))).toBeUndefined();
    expect(parseRollbackJobId(jobIdFor(ID, 0, 1))).toBeUndefined();
  });

  it('gives a later attempt rollback its own group', () => {
    expect(rollbackGroupName(ID)).toBe('fleet-autopilot-rollback-fw-12345678');
    expect(rollbackGroupName(ID, 2)).toBe('fleet-autopilot-rollback-fw-12345678-r2');
    expect(rollbackGroupName('a'.repeat(50), 99).length).toBeLessThanOrEqual(128);
  });
});

describe('Function: resumeDocument()', () => {
  it('takes exactly one of an inline document and an s3 documentSource', () => {
    expect(resumeDocument({ document: FIXED })).toEqual({ document: FIXED });
    expect(resumeDocument({ documentSource: 's3://fleet-firmware-artifacts/fw/2.4.1.json' })).toEqual({
      documentSource: 's3://fleet-firmware-artifacts/fw/2.4.1.json',
    });
    const issues = (body: object) => {
      try {
        resumeDocument(body);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidPlanError);
        return [...(error as InvalidPlanError).issues];
      }
    };
    expect(issues({})).toEqual([expect.stringMatching(/^document: give exactly one/)]);
    expect(issues({ document: FIXED, documentSource: 's3://b-b/k' })).toEqual([
      expect.stringMatching(/^document: give exactly one/),
    ]);
    expect(issues({ document: 'update' })).toEqual(['document: must be an object']);
    expect(issues({ document: [1] })).toEqual(['document: must be an object']);
    expect(issues({ documentSource: 'https://evil.example.com/x' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^documentSource: must be s3:\/\//)]),
    );
    expect(issues({ documentSource: 's3://bucket-a/../k' })).toEqual([
      expect.stringMatching(/^documentSource: must not contain/),
    ]);
    expect(issues({ document: JSON.parse('{"a": {"__proto__": {"x": 1}}}') })).toEqual([
      'document.a.__proto__: "__proto__" is a reserved key name',
    ]);
    expect(issues({ document: { n: 2 ** 60 } })).toEqual([
      expect.stringMatching(/^document\.n: .* cannot be stored/),
    ]);
    expect(issues({ document: { blob: 'x'.repeat(33_000) } })).toEqual([
      expect.stringMatching(/^document: larger than AWS IoT's 32768 bytes/),
    ]);
  });

  it('replaces only the document: the digest changes, the hash is the document alone', () => {
    const r = rollout();
    const next = withDocument(r.plan, { documentSource: 's3://fleet-firmware-artifacts/fw/2.4.1.json' });
    expect(next.document).toBeUndefined();
    expect(next.documentSource).toBe('s3://fleet-firmware-artifacts/fw/2.4.1.json');
    expect(next.stages).toEqual(r.plan.stages);
    expect(planDigest(withDocument(r.plan, fixed))).not.toBe(r.digest);
    expect(planDigest(withDocument(r.plan, { document: BAD }))).toBe(r.digest);
    expect(documentHash(documentOf(r.plan))).toBe(
      documentHash({ document: { version: '2.4.0', operation: 'update' } }),
    );
    expect(documentHash(fixed)).toMatch(/^[0-9a-f]{64}$/);
    expect(resumeExecutionName(ID, 0, '')).toBe(ID);
    expect(resumeExecutionName(ID, 3, '0a1b2c3d')).toBe('fw-12345678--r3-0a1b2c3d');
    expect(() => resumeExecutionName(ID, 3, 'guess')).toThrow();
    // Within Step Functions' 80 characters and the steps' execution id pattern.
    expect(resumeExecutionName('a'.repeat(50), 99, 'ffffffff')).toMatch(/^[\w-]{1,80}$/);
    expect(executionNameOf(executionArnFor(MACHINE, `${ID}--r3-0a1b2c3d`))).toBe(`${ID}--r3-0a1b2c3d`);
  });
});

describe('Function: resumeRefusal()', () => {
  it('resumes a rollout the gate halted, with a document other than the one that halted', () => {
    expect(refusal(rollout())).toBeUndefined();
    for (const reason of ['inconclusive-halt', 'fleet-alarm', 'job-stopped-outside', 'approval-rejected'])
      expect(refusal(rollout({ reason }))).toBeUndefined();
    expect(refusal(rollout(), stage(), undefined, { document: BAD })).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/^document: it is the document the halted stage ran/),
    });
  });

  it('keeps the paused resume apart (400) and refuses every other status (409)', () => {
    expect(refusal(rollout({ status: 'PAUSED', paused: true }))).toMatchObject({ kind: 'invalid' });
    for (const status of ['RUNNING', 'ABORTED', 'COMPLETED', 'FAILED'] as const)
      expect(refusal(rollout({ status }))).toMatchObject({ kind: 'conflict' });
    expect(refusal(rollout({ abortRequested: true }))).toMatchObject({ kind: 'conflict' });
  });

  it('refuses a halt a new document does not answer: a refused promotion, an expired approval', () => {
    expect(refusal(rollout({ reason: 'promotion-refused' }))?.message).toMatch(/task token/);
    expect(refusal(rollout({ reason: 'approval-expired' }))?.message).toMatch(/nobody judged the update/);
    expect(refusal(rollout({ reason: 'something-else' }))).toMatchObject({ kind: 'conflict' });
  });

  it('needs the halted stage on record, and at most 99 resumes', () => {
    const unrecorded = resumeRefusal({
      rollout: rollout(),
      stage: undefined,
      rollback: undefined,
      document: fixed,
    });
    expect(unrecorded).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/not recorded/) });
    expect(refusal(rollout(), stage({ status: 'PROMOTED' }))).toMatchObject({ kind: 'conflict' });
    expect(refusal(rollout(), stage({ index: 0 }))).toMatchObject({ kind: 'conflict' });
    expect(refusal(rollout({ attempt: 99 }))).toMatchObject({ kind: 'conflict' });
    expect(refusal(rollout(), stage({ attempt: 99 }))).toMatchObject({ kind: 'conflict' });
  });

  it('waits for the halted attempt rollback to end (COMPLETED or FAILED)', () => {
    const r = rollout({}, true);
    expect(refusal(r, stage(), undefined)?.message).toMatch(/rollback has not begun/);
    for (const state of ['FILLING', 'RUNNING'] as const)
      expect(refusal(r, stage(), rollback({ state }))).toMatchObject({ kind: 'conflict' });
    expect(refusal(r, stage(), rollback({ state: 'RUNNING', attentionAt: 1 }))?.message).toMatch(/ATTENTION/);
    expect(refusal(r, stage(), rollback({ state: 'COMPLETED' }))).toBeUndefined();
    expect(refusal(r, stage(), rollback({ state: 'FAILED' }))).toBeUndefined();
    // The rollback on record is an earlier attempt's: this attempt's has not begun.
    expect(refusal({ ...r, attempt: 1 }, stage(), rollback())?.message).toMatch(/has not begun/);
  });

  it('warns that the stages before the halted one are not run again', () => {
    expect(resumeWarnings(rollout({ currentStage: 0 }), undefined)).toEqual([]);
    expect(resumeWarnings(rollout(), undefined)).toEqual([
      expect.stringMatching(/^stages before early \(canary\) are not run again/),
    ]);
    expect(resumeWarnings(rollout({}, true), rollback())[0]).toMatch(/stages 0\), the rollback document/);
  });
});

const resumeBy = (byIdentity: string): ResumeRecord => ({
  attempt: 1,
  stageIndex: 1,
  stageAttempt: 0,
  haltReason: 'gate-halt',
  by: `arn:aws:iam::123456789012:user/${byIdentity.slice(7)}`,
  byIdentity,
  at: 1,
  comment: '',
  previousDigest: 'a',
  digest: 'b',
  previousDocumentHash: 'c',
  documentHash: 'd',
  executionArn: executionArnFor(MACHINE, `${ID}--r1-0a1b2c3d`),
});
const approved = (by: string, attempt?: number): Approval => ({
  rolloutId: ID,
  stageIndex: 1,
  kind: 'promote',
  status: 'APPROVED',
  requestedAt: 0,
  expiresAt: 1,
  reason: 'r',
  decidedBy: `arn:${by}`,
  decidedByIdentity: by,
  ...(attempt ? { attempt } : {}),
});

describe('approvals after a resume', () => {
  const r = rollout({ status: 'RUNNING', attempt: 1, resumes: [resumeBy('person:carol')] });
  const running = stage({ status: 'RUNNING', lastOutcome: 'PROMOTE', attempt: 1, jobId: jobIdFor(ID, 1, 1) });
  const authors = authorsOf(r, 'person:alice');

  it('counts only the approval of the stage current attempt', () => {
    expect(promotionVerdict(r, running, 1, [approved('person:bob')], authors)).toMatchObject({
      reason: 'not-approved',
    });
    expect(promotionVerdict(r, running, 1, [approved('person:bob', 1)], authors)).toEqual({ ok: true });
  });

  it('needs an approver other than the creator and whoever resumed it with a document', () => {
    expect(authors).toEqual(['person:alice', 'person:carol']);
    expect(promotionVerdict(r, running, 1, [approved('person:carol', 1)], authors)).toMatchObject({
      reason: 'approver-not-another-person',
    });
    expect(resumerProblem(r, { key: 'person:carol', describe: 'IAM user carol' })).toMatch(
      /resumed a rollout/,
    );
    expect(resumerProblem(r, { key: 'person:bob', describe: 'IAM user bob' })).toBeUndefined();
  });
});

describe('status of a resumed rollout', () => {
  it('shows the resume, the stage attempt and the halted attempt kept apart', () => {
    const r = rollout({ status: 'RUNNING', attempt: 1, resumes: [resumeBy('person:carol')] }, true);
    const halted: StageAttempt = {
      ...stage({
        job: {
          at: 5,
          status: 'CANCELED',
          targetsOpen: false,
          queued: 0,
          inProgress: 3,
          succeeded: 10,
          failed: 9,
          rejected: 0,
          timedOut: 0,
          canceled: 78,
          removed: 0,
        },
      }),
      archivedAt: 9,
    };
    const current = stage({
      status: 'RUNNING',
      attempt: 1,
      jobId: jobIdFor(ID, 1, 1),
      succeeded: 0,
      failed: 0,
      startedAt: 10,
    });
    const view = rolloutStatusView(r, [current], [approved('person:bob')], 20, rollback(), {
      attempts: [halted],
    });
    expect(view.attempt).toBe(1);
    expect(view.resumes).toEqual([
      expect.objectContaining({
        attempt: 1,
        execution: 'fw-12345678--r1-0a1b2c3d',
        stage: 'early',
        haltReason: 'gate-halt',
      }),
    ]);
    expect(view.stages[1]).toMatchObject({ attempt: 1, jobId: 'fw-12345678-s1-a1', approvals: [] });
    expect(view.stages[1]?.attempts).toEqual([
      expect.objectContaining({
        attempt: 0,
        jobId: 'fw-12345678-s1',
        status: 'HALTED',
        job: expect.objectContaining({ succeeded: 10, failed: 9, inProgress: 3 }),
        events: { succeeded: 10, failed: 9, rejected: 0, timedOut: 0 },
        approvals: [expect.objectContaining({ status: 'APPROVED' })],
      }),
    ]);
    // The rollback on record is the halted attempt's: this attempt's has not started.
    expect(view.rollback).toMatchObject({
      state: 'NOT_STARTED',
      earlier: [expect.objectContaining({ attempt: 0, state: 'COMPLETED' })],
    });
  });
});
