import { describe, expect, it } from 'vitest';
import { controlRollout, decideApproval, getRollout } from '../../../shared/services/rollout-api';
import { resumeWithDocument } from '../../../shared/services/rollout-resume';
import { trackExecution } from '../../../shared/services/rollout-tracker';
import {
  ALICE,
  BOB,
  CAROL,
  caller,
  created,
  executionOf,
  MINUTE,
  rolloutWorld,
  stageOf,
  startedStage,
  step,
  T0,
  terminal,
  twoStages,
  type World,
  withRings,
} from '../../fakes/rollout-world';

const BAD = { operation: 'update', version: '2.4.0' };
const FIXED = { operation: 'update', version: '2.4.1' };
const RESUMED = T0 + 10 * MINUTE;
const LATER = T0 + 60 * MINUTE;
const thing = (n: number) => `ring-canary-t${n}`;

/**
 * A two-stage rollout whose canary (approval required) halted on its job's failures: 8 failed, 2
 * succeeded, 10 still running (a cancel without force lets them finish), 80 never started.
 */
async function halted(extra: Record<string, unknown> = {}) {
  const w = rolloutWorld();
  withRings(w);
  const rolloutId = await created(
    w,
    twoStages('fw', { document: BAD, ...extra }, { approval: { required: true } }),
  );
  const { jobId } = await startedStage(w, rolloutId);
  w.setNow(T0 + 2 * MINUTE);
  for (let i = 0; i < 10; i++)
    await trackExecution(
      terminal(jobId, thing(i), i < 8 ? 'FAILED' : 'SUCCEEDED', T0 + MINUTE + i),
      w.tracker,
    );
  w.iot.progress(jobId, { FAILED: 8, SUCCEEDED: 2, IN_PROGRESS: 10 });
  const decided = await step(w, rolloutId, 'reconcile', 0, T0 + 2 * MINUTE);
  if (decided.outcome !== 'HALT') throw new Error(`the canary did not halt: ${JSON.stringify(decided)}`);
  await step(w, rolloutId, 'halt', 0, T0 + 2 * MINUTE, { state: { gate: decided } });
  return { w, rolloutId, oldJob: jobId, newJob: `${rolloutId}-s0-a1` };
}

const resume = (
  w: World,
  rolloutId: string,
  principal: string,
  body: Record<string, unknown>,
  at = RESUMED,
) => resumeWithDocument(w.api, rolloutId, { comment: '', ...body }, caller(principal, at));

/** Resumed by Bob with the fixed document; the new execution's StartStage ran. */
async function restarted() {
  const world = await halted();
  const answer = await resume(world.w, world.rolloutId, BOB, { document: FIXED, comment: 'fixed in 2.4.1' });
  await step(world.w, world.rolloutId, 'checkpoint', 0, LATER);
  await step(world.w, world.rolloutId, 'startStage', 0, LATER);
  return { ...world, answer };
}

describe('resumeWithDocument: the resume', () => {
  it('answers with the new attempt, its execution and its job', async () => {
    // Prepare
    const { w, rolloutId } = await halted();

    // Act
    const answer = await resume(w, rolloutId, BOB, { document: FIXED });

    // Assess
    expect(answer).toMatchObject({
      accepted: true,
      status: 'RUNNING',
      attempt: 1,
      stageIndex: 0,
      stage: 'canary',
      stageAttempt: 1,
      jobId: `${rolloutId}-s0-a1`,
      warnings: [],
    });
    expect(answer.execution).toMatch(new RegExp(`^${rolloutId}--r1-[0-9a-f]{8}$`));
    expect(answer.digest).not.toBe(answer.previousDigest);
  });

  it('swaps the document, digest, attempt and execution on the halted rollout in one write', async () => {
    // Prepare
    const { w, rolloutId } = await halted();

    // Act
    const answer = await resume(w, rolloutId, BOB, { document: FIXED });

    // Assess
    expect(await w.store.getRollout(rolloutId)).toMatchObject({
      status: 'RUNNING',
      reason: 'resumed-with-document',
      attempt: 1,
      digest: answer.digest,
      executionArn: executionOf(answer.execution),
      plan: { document: FIXED },
      resumes: [expect.objectContaining({ attempt: 1, by: BOB, byIdentity: 'person:bob', stageIndex: 0 })],
    });
  });

  it('starts the new execution at the halted stage', async () => {
    // Prepare
    const { w, rolloutId } = await halted();

    // Act
    const answer = await resume(w, rolloutId, BOB, { document: FIXED });

    // Assess
    expect(w.sfn.executions.get(answer.execution)).toEqual({
      input: JSON.stringify({ rolloutId, stageIndex: 0 }),
      status: 'RUNNING',
    });
  });

  it('audits, publishes and announces the resume with the halted attempt’s evidence', async () => {
    // Prepare
    const { w, rolloutId, oldJob } = await halted();

    // Act
    const answer = await resume(w, rolloutId, BOB, { document: FIXED, comment: 'bootloader fixed in 2.4.1' });

    // Assess
    expect(w.effects.audited('rollout.resumed.with-document')).toEqual([
      expect.objectContaining({
        actor: BOB,
        details: expect.objectContaining({
          attempt: 1,
          execution: answer.execution,
          haltReason: 'gate-halt',
          comment: 'bootloader fixed in 2.4.1',
          haltedAttempt: expect.objectContaining({
            attempt: 0,
            jobId: oldJob,
            job: expect.objectContaining({ failed: 8, succeeded: 2, inProgress: 10 }),
            events: expect.objectContaining({ failed: 8, succeeded: 2 }),
            decision: expect.objectContaining({ outcome: 'HALT' }),
          }),
          nextAttempt: { attempt: 1, jobId: `${rolloutId}-s0-a1` },
          note: expect.stringMatching(/starts from zero.*kept apart/),
        }),
      }),
    ]);
    expect(w.effects.published()).toContain('RolloutResumedWithDocument');
    expect(w.effects.notices.map((n) => n.subject)).toContain('Rollout resumed with a new document: fw');
  });

  it('answers a retried request with the same execution, recorded once', async () => {
    // Prepare
    const { w, rolloutId } = await halted();
    const first = await resume(w, rolloutId, BOB, { document: FIXED });

    // Act
    const again = await resume(w, rolloutId, BOB, { document: FIXED }, RESUMED + MINUTE);

    // Assess
    expect(again).toEqual(first);
    expect([...w.sfn.executions.keys()]).toEqual([rolloutId, first.execution]);
    expect(w.effects.audited('rollout.resumed.with-document')).toHaveLength(1);
  });

  it.each([
    ['another person, the same document', CAROL, FIXED],
    ['the same person, another document', BOB, { ...FIXED, version: '2.4.2' }],
  ])('refuses %s once resumed: never two executions', async (_what, who, document) => {
    // Prepare
    const { w, rolloutId } = await halted();
    const first = await resume(w, rolloutId, BOB, { document: FIXED });

    // Act
    const other = resume(w, rolloutId, who, { document });

    // Assess
    await expect(other).rejects.toMatchObject({ name: 'RolloutConflictError' });
    expect([...w.sfn.executions.keys()]).toEqual([rolloutId, first.execution]);
  });

  it('starts the recorded execution when a throttled start is retried, recorded once', async () => {
    // Prepare
    const { w, rolloutId } = await halted();
    w.sfn.throttle('start');
    await expect(resume(w, rolloutId, BOB, { document: FIXED })).rejects.toMatchObject({
      name: 'ThrottlingException',
    });

    // Act
    const retried = await resume(w, rolloutId, BOB, { document: FIXED }, RESUMED + MINUTE);

    // Assess
    expect((await w.store.getRollout(rolloutId))?.executionArn).toBe(executionOf(retried.execution));
    expect(w.sfn.executions.has(retried.execution)).toBe(true);
    expect(w.effects.audited('rollout.resumed.with-document')).toHaveLength(1);
  });

  it('refuses the old execution’s steps once the resume is recorded', async () => {
    // Prepare
    const { w, rolloutId } = await halted();
    await resume(w, rolloutId, BOB, { document: FIXED });

    // Act
    const old = step(w, rolloutId, 'reconcile', 0, LATER, { executionId: executionOf(rolloutId) });

    // Assess
    await expect(old).rejects.toMatchObject({ name: 'ExecutionRefusedError' });
  });
});

describe('resumeWithDocument: refusals', () => {
  it('refuses the creator a new document in a plan with approvals (four-eyes on the document)', async () => {
    // Prepare
    const { w, rolloutId } = await halted();

    // Act
    const resuming = resume(w, rolloutId, ALICE, { document: FIXED });

    // Assess
    await expect(resuming).rejects.toMatchObject({
      name: 'ForbiddenActionError',
      message: expect.stringContaining('another person resumes it'),
    });
    expect([...w.sfn.executions.keys()]).toEqual([rolloutId]);
  });

  it.each([
    [{ document: BAD }, 'InvalidRequestError', /the document the halted stage ran/],
    [{ document: 'update' }, 'InvalidPlanError', /must be an object/],
    [
      { document: FIXED, documentSource: 's3://fleet-firmware-artifacts/k' },
      'InvalidPlanError',
      /exactly one/,
    ],
    [
      { document: { url: 'https://evil.example.com/fw.bin' } },
      'InvalidPlanError',
      /host evil.example.com is not allowed/,
    ],
    [
      { documentSource: 's3://other-bucket/fw.json' },
      'InvalidPlanError',
      /S3 bucket "other-bucket" is not allowed/,
    ],
  ])('refuses %j', async (body, name, message) => {
    // Prepare
    const { w, rolloutId } = await halted();

    // Act
    const resuming = resume(w, rolloutId, BOB, body);

    // Assess
    await expect(resuming).rejects.toMatchObject({ name });
    await resuming.catch((e: Error & { issues?: string[] }) =>
      expect([e.message, ...(e.issues ?? [])].join('\n')).toMatch(message),
    );
    expect((await w.store.getRollout(rolloutId))?.status).toBe('HALTED');
  });

  it.each([
    ['promotion-refused', /task token/],
    ['approval-expired', /nobody judged/],
  ])('refuses a rollout halted for %s: a document does not answer it', async (reason, message) => {
    // Prepare
    const { w, rolloutId } = await halted();
    await w.store.updateRollout(rolloutId, { reason, updatedAt: RESUMED });

    // Act
    const resuming = resume(w, rolloutId, BOB, { document: FIXED });

    // Assess
    await expect(resuming).rejects.toMatchObject({
      name: 'RolloutConflictError',
      message: expect.stringMatching(message),
    });
  });

  it('refuses a document for a PAUSED rollout, whose plain resume keeps its document', async () => {
    // Prepare
    const w = rolloutWorld();
    withRings(w);
    const rolloutId = await created(w, {
      name: 'paused',
      document: BAD,
      targets: ['ring-canary'],
      defaults: { gate: { onInconclusive: 'halt' } },
    });
    await controlRollout(w.api, rolloutId, 'pause', '', caller(BOB));

    // Act
    const resuming = resume(w, rolloutId, BOB, { document: FIXED });

    // Assess
    await expect(resuming).rejects.toMatchObject({
      name: 'InvalidRequestError',
      message: expect.stringContaining('PAUSED: resume it without a document'),
    });
    expect((await w.store.getRollout(rolloutId))?.plan.document).toEqual(BAD);
  });

  it('refuses while the halted attempt’s rollback runs', async () => {
    // Prepare
    const { w, rolloutId } = await halted({
      rollback: { document: { operation: 'install', version: '2.3.7' } },
    });
    await step(w, rolloutId, 'startRollback', 0, RESUMED, { cursor: { stage: 0, page: 0 } });

    // Act
    const resuming = resume(w, rolloutId, BOB, { document: FIXED });

    // Assess
    await expect(resuming).rejects.toMatchObject({ message: expect.stringMatching(/rollback is RUNNING/) });
  });

  it('refuses before the halted attempt’s rollback began', async () => {
    // Prepare
    const { w, rolloutId } = await halted({
      rollback: { document: { operation: 'install', version: '2.3.7' } },
    });

    // Act
    const resuming = resume(w, rolloutId, BOB, { document: FIXED });

    // Assess
    await expect(resuming).rejects.toMatchObject({ message: expect.stringMatching(/has not begun yet/) });
  });

  it('refuses while a FAILED rollback’s job still runs on the devices', async () => {
    // Prepare
    const { w, rolloutId } = await halted({
      rollback: { document: { operation: 'install', version: '2.3.7' } },
    });
    await step(w, rolloutId, 'startRollback', 0, RESUMED, { cursor: { stage: 0, page: 0 } });
    await step(w, rolloutId, 'failRollback', 0, RESUMED, { state: { error: { Error: 'Boom' } } });

    // Act
    const resuming = resume(w, rolloutId, BOB, { document: FIXED });

    // Assess
    await expect(resuming).rejects.toMatchObject({ message: expect.stringMatching(/still runs/) });
  });

  it('resumes once the halted attempt’s rollback ended', async () => {
    // Prepare
    const { w, rolloutId } = await halted({
      rollback: { document: { operation: 'install', version: '2.3.7' } },
    });
    await step(w, rolloutId, 'startRollback', 0, RESUMED, { cursor: { stage: 0, page: 0 } });
    w.iot.progress(`${rolloutId}-rb0`, { SUCCEEDED: 2 });
    await step(w, rolloutId, 'reconcileRollback', 0, RESUMED + MINUTE);

    // Act
    const answer = await resume(w, rolloutId, BOB, { document: FIXED }, RESUMED + 2 * MINUTE);

    // Assess
    expect(answer.status).toBe('RUNNING');
    expect((await getRollout(w.api, rolloutId, LATER)).rollback).toMatchObject({
      state: 'NOT_STARTED',
      earlier: [expect.objectContaining({ attempt: 0, state: 'COMPLETED', devices: 2 })],
    });
  });
});

describe('the resumed stage’s new attempt', () => {
  it('keeps the halted attempt apart, as it was, and starts a new job from zero', async () => {
    // Prepare
    const { w, rolloutId, oldJob, newJob } = await halted();
    await resume(w, rolloutId, BOB, { document: FIXED });
    await step(w, rolloutId, 'checkpoint', 0, LATER);

    // Act
    await step(w, rolloutId, 'startStage', 0, LATER);

    // Assess
    expect(await stageOf(w, rolloutId)).toMatchObject({
      jobId: newJob,
      attempt: 1,
      status: 'RUNNING',
      startedAt: LATER,
      succeeded: 0,
      failed: 0,
    });
    expect((await w.store.details(rolloutId))?.attempts).toEqual([
      expect.objectContaining({
        jobId: oldJob,
        status: 'HALTED',
        failed: 8,
        succeeded: 2,
        lastOutcome: 'HALT',
        archivedAt: LATER,
      }),
    ]);
    expect(w.iot.jobs.get(newJob)?.request).toMatchObject({ document: JSON.stringify(FIXED) });
  });

  it('counts the halted job’s late events nowhere', async () => {
    // Prepare
    const { w, rolloutId, oldJob } = await restarted();
    w.setNow(LATER + 2 * MINUTE);

    // Act
    const results = [];
    for (let i = 10; i < 20; i++)
      results.push(await trackExecution(terminal(oldJob, thing(i), 'FAILED', LATER + MINUTE + i), w.tracker));

    // Assess
    expect(new Set(results)).toEqual(new Set(['unknown-stage']));
    expect((await stageOf(w, rolloutId)).failed).toBe(0);
    expect((await w.store.details(rolloutId))?.attempts[0]).toMatchObject({ failed: 8 });
  });

  it('keeps a late event counted while the switch was made in the halted attempt', async () => {
    // Prepare
    const { w, rolloutId, oldJob } = await halted();
    await resume(w, rolloutId, BOB, { document: FIXED });
    await step(w, rolloutId, 'checkpoint', 0, LATER);
    w.store.race('restartStage', async () => {
      await w.store.counters(rolloutId, 0, terminal(oldJob, thing(12), 'FAILED', LATER - 1));
    });

    // Act
    await step(w, rolloutId, 'startStage', 0, LATER);

    // Assess
    expect((await w.store.details(rolloutId))?.attempts[0]).toMatchObject({ failed: 9 });
    expect((await stageOf(w, rolloutId)).failed).toBe(0);
  });

  it('gives up with a retryable error when the halted attempt keeps changing', async () => {
    // Prepare
    const { w, rolloutId, oldJob } = await halted();
    await resume(w, rolloutId, BOB, { document: FIXED });
    await step(w, rolloutId, 'checkpoint', 0, LATER);
    for (let i = 0; i < 5; i++)
      w.store.race('restartStage', async () => {
        await w.store.counters(rolloutId, 0, terminal(oldJob, thing(20 + i), 'FAILED', LATER - 1));
      });

    // Act
    const starting = step(w, rolloutId, 'startStage', 0, LATER);

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'RolloutStoreBusyError', retryable: true });
    expect((await stageOf(w, rolloutId)).jobId).toBe(oldJob);
  });

  it('is judged on its own job, after its own bake', async () => {
    // Prepare
    const { w, rolloutId, newJob } = await restarted();
    w.iot.progress(newJob, { SUCCEEDED: 100 });

    // Act
    const decision = await step(w, rolloutId, 'reconcile', 0, LATER + 31 * MINUTE);

    // Assess
    expect(decision).toMatchObject({ outcome: 'PROMOTE' });
  });

  it('needs an approval by someone who neither created nor resumed it', async () => {
    // Prepare
    const { w, rolloutId, newJob } = await restarted();
    w.iot.progress(newJob, { SUCCEEDED: 100 });
    await step(w, rolloutId, 'reconcile', 0, LATER + 31 * MINUTE);
    await step(w, rolloutId, 'requestApproval', 0, LATER + 31 * MINUTE, {
      kind: 'promote',
      token: w.sfn.issueToken(),
    });

    // Act
    const byResumer = decideApproval(w.api, rolloutId, 'approve', '', caller(BOB, LATER + 32 * MINUTE));
    const byCreator = decideApproval(w.api, rolloutId, 'approve', '', caller(ALICE, LATER + 32 * MINUTE));

    // Assess
    await expect(byResumer).rejects.toMatchObject({ name: 'ForbiddenActionError' });
    await expect(byCreator).rejects.toMatchObject({ name: 'ForbiddenActionError' });
    expect((await w.store.getApproval(rolloutId, 0, 'promote', 1))?.status).toBe('PENDING');
  });

  it('promotes, and the next stage runs the fixed document', async () => {
    // Prepare
    const { w, rolloutId, newJob } = await restarted();
    w.iot.progress(newJob, { SUCCEEDED: 100 });
    await step(w, rolloutId, 'reconcile', 0, LATER + 31 * MINUTE);
    await step(w, rolloutId, 'requestApproval', 0, LATER + 31 * MINUTE, {
      kind: 'promote',
      token: w.sfn.issueToken(),
    });
    await decideApproval(w.api, rolloutId, 'approve', 'ok', caller(CAROL, LATER + 32 * MINUTE));
    await step(w, rolloutId, 'promote', 0, LATER + 40 * MINUTE);
    await step(w, rolloutId, 'checkpoint', 1, LATER + 40 * MINUTE);

    // Act
    await step(w, rolloutId, 'startStage', 1, LATER + 40 * MINUTE);

    // Assess
    expect(w.iot.jobs.get(`${rolloutId}-s1`)?.request).toMatchObject({ document: JSON.stringify(FIXED) });
    const view = await getRollout(w.api, rolloutId, LATER + 41 * MINUTE);
    expect(view).toMatchObject({ attempt: 1, resumes: [expect.objectContaining({ attempt: 1, by: BOB })] });
    expect(view.stages[0]).toMatchObject({ attempt: 1, jobId: newJob, status: 'PROMOTED' });
  });

  it('rolls back with its own group and job, from the resumed stage, when it halts again', async () => {
    // Prepare
    const { w, rolloutId } = await halted({
      rollback: { document: { operation: 'install', version: '2.3.7' } },
    });
    await step(w, rolloutId, 'startRollback', 0, RESUMED, { cursor: { stage: 0, page: 0 } });
    w.iot.progress(`${rolloutId}-rb0`, { SUCCEEDED: 2 });
    await step(w, rolloutId, 'reconcileRollback', 0, RESUMED + MINUTE);
    await resume(w, rolloutId, BOB, { document: FIXED }, RESUMED + 2 * MINUTE);
    await step(w, rolloutId, 'checkpoint', 0, LATER);
    await step(w, rolloutId, 'startStage', 0, LATER);
    w.iot.progress(`${rolloutId}-s0-a1`, { SUCCEEDED: 1, FAILED: 9 });
    const decided = await step(w, rolloutId, 'reconcile', 0, LATER + 5 * MINUTE);
    await step(w, rolloutId, 'halt', 0, LATER + 5 * MINUTE, { state: { gate: decided } });

    // Act
    let answer = await step(w, rolloutId, 'startRollback', 0, LATER + 6 * MINUTE, {
      cursor: { stage: 0, page: 0 },
    });
    while (answer.next === 'fill')
      answer = await step(w, rolloutId, 'startRollback', 0, LATER + 6 * MINUTE, {
        cursor: answer.cursor as { stage: number; page: number },
      });

    // Assess
    expect(answer).toMatchObject({ next: 'watch' });
    expect(w.iot.membersOf(`fleet-autopilot-rollback-${rolloutId}-r1`)).toEqual([thing(0)]);
    expect(w.iot.jobs.has(`${rolloutId}-rb1`)).toBe(true);
    expect(await w.store.getRollback(rolloutId)).toMatchObject({
      attempt: 1,
      state: 'RUNNING',
      stageIndexes: [0],
    });
    expect((await w.store.details(rolloutId))?.earlierRollbacks).toEqual([
      expect.objectContaining({ jobId: `${rolloutId}-rb0`, state: 'COMPLETED' }),
    ]);
  });
});
