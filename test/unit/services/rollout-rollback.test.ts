import { describe, expect, it } from 'vitest';
import { PAGES_PER_CALL, reconcileRollback, startRollback } from '../../../shared/services/rollout-rollback';
import type { ExecutionStatus } from '../../fakes/rollout-iot';
import {
  ARN_PREFIX,
  created,
  HOUR,
  MINUTE,
  rolloutWorld,
  step,
  T0,
  thingNames,
  type World,
} from '../../fakes/rollout-world';

const ROLLBACK = { document: { op: 'install', version: '2.3' } };
const STAGES = [
  { name: 'canary', targets: ['ring-canary'] },
  { name: 'early', targets: ['ring-early'] },
  { name: 'fleet', targets: ['ring-fleet'] },
];
const FILL = T0 + 3 * HOUR;

/** `{thing: status}` for `n` things named `<prefix><from + i>`. */
const statuses = (prefix: string, n: number, status: ExecutionStatus, from = 0) =>
  Object.fromEntries(
    thingNames(prefix, n + from)
      .slice(from)
      .map((t) => [t, status]),
  );

/**
 * A three-stage rollout with a rollback; stages 0..`halted` started, their executions as given (the
 * things are each stage's group), then halted.
 */
async function halted(
  halt: number,
  executions: Record<string, ExecutionStatus>[],
  rollback: Record<string, unknown> = ROLLBACK,
) {
  const w = rolloutWorld();
  for (const [i, s] of STAGES.entries()) w.iot.addGroup(s.targets[0] ?? '', Object.keys(executions[i] ?? {}));
  const rolloutId = await created(w, { name: 'fw', document: { op: 'update' }, stages: STAGES, rollback });
  for (let s = 0; s <= halt; s++) {
    await w.store.updateRollout(rolloutId, { currentStage: s, updatedAt: T0 });
    await step(w, rolloutId, 'startStage', s, T0 + s * HOUR);
    for (const [thing, status] of Object.entries(executions[s] ?? {}))
      w.iot.report(`${rolloutId}-s${s}`, thing, status);
  }
  const answer = await step(w, rolloutId, 'halt', halt, T0 + (halt + 1) * HOUR, {
    state: { gate: { outcome: 'HALT' } },
  });
  return { w, rolloutId, answer, group: `fleet-autopilot-rollback-${rolloutId}`, rbJob: `${rolloutId}-rb0` };
}

/** StartRollback on its own cursor until it stops asking to be called again. */
async function fillAll(w: World, rolloutId: string, stageIndex: number, at = FILL) {
  const answers: Record<string, unknown>[] = [];
  let answer = await step(w, rolloutId, 'startRollback', stageIndex, at, { cursor: { stage: 0, page: 0 } });
  answers.push(answer);
  while (answer.next === 'fill') {
    answer = await step(w, rolloutId, 'startRollback', stageIndex, at, {
      cursor: answer.cursor as { stage: number; page: number },
    });
    answers.push(answer);
  }
  return answers;
}

const BIG = [
  { ...statuses('c', 8, 'SUCCEEDED'), c8: 'FAILED', c9: 'QUEUED', c10: 'IN_PROGRESS', c11: 'REJECTED' },
  { ...statuses('e', 550, 'SUCCEEDED'), ...statuses('e', 50, 'FAILED', 550), ...statuses('q', 30, 'QUEUED') },
] as Record<string, ExecutionStatus>[];
const SUCCEEDED = [
  ...Object.keys(statuses('c', 8, 'SUCCEEDED')),
  ...Object.keys(statuses('e', 550, 'SUCCEEDED')),
];

describe('startRollback: filling the rollback group', () => {
  it('is asked for after a halt when the plan names a rollback', async () => {
    // Act
    const { answer } = await halted(0, [statuses('c', 2, 'SUCCEEDED')]);

    // Assess
    expect(answer).toEqual({ rollback: true });
  });

  it('adds only the devices whose execution SUCCEEDED in the stages in scope', async () => {
    // Prepare
    const { w, rolloutId, group } = await halted(1, BIG);

    // Act
    await fillAll(w, rolloutId, 1);

    // Assess
    expect(w.iot.membersOf(group)).toEqual([...SUCCEEDED].sort());
    expect(w.iot.groups.get(group)?.managed).toBe(true);
  });

  it(`fills ${PAGES_PER_CALL} pages per call and says where to go on`, async () => {
    // Prepare
    const { w, rolloutId } = await halted(1, BIG);

    // Act
    const first = await step(w, rolloutId, 'startRollback', 1, FILL, { cursor: { stage: 0, page: 0 } });

    // Assess
    expect(first).toMatchObject({
      next: 'fill',
      cursor: { stage: 1, page: 2, token: '250' },
      waitSeconds: 0,
    });
  });

  it('goes on from the stored progress when a call is retried: every device is added once', async () => {
    // Prepare
    const { w, rolloutId, group } = await halted(1, BIG);
    await step(w, rolloutId, 'startRollback', 1, FILL, { cursor: { stage: 0, page: 0 } });

    // Act
    const retried = await step(w, rolloutId, 'startRollback', 1, FILL, { cursor: { stage: 0, page: 0 } });

    // Assess
    expect(retried).toMatchObject({ next: 'watch', cursor: { stage: 2, page: 4 } });
    expect(w.iot.calls.filter((c) => c.startsWith(`addThing:${group}/`))).toHaveLength(558);
  });

  it('makes the rollback job once, whoever calls again', async () => {
    // Prepare
    const { w, rolloutId, rbJob } = await halted(1, BIG);
    const answers = await fillAll(w, rolloutId, 1);

    // Act
    const again = await step(w, rolloutId, 'startRollback', 1, FILL, { cursor: { stage: 2, page: 4 } });

    // Assess
    expect(again).toEqual(answers.at(-1));
    expect(w.iot.calls.filter((c) => c === `createJob:${rbJob}`)).toHaveLength(1);
  });

  it('creates a SNAPSHOT job of the plan’s rollback document over the group, which never cancels itself', async () => {
    // Prepare
    const { w, rolloutId, group, rbJob } = await halted(1, BIG);

    // Act
    await fillAll(w, rolloutId, 1);

    // Assess
    const request = w.iot.jobs.get(rbJob)?.request;
    expect(request).toMatchObject({
      targets: [`${ARN_PREFIX}:thinggroup/${group}`],
      targetSelection: 'SNAPSHOT',
      document: JSON.stringify(ROLLBACK.document),
      jobExecutionsRolloutConfig: { maximumPerMinute: 100 },
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
    });
    expect(request).not.toHaveProperty('abortConfig');
  });

  it('records the rollback RUNNING with its counts, and audits its start once', async () => {
    // Prepare
    const { w, rolloutId, group, rbJob } = await halted(1, BIG);

    // Act
    await fillAll(w, rolloutId, 1);
    await step(w, rolloutId, 'startRollback', 1, FILL, { cursor: { stage: 2, page: 4 } });

    // Assess
    expect(await w.store.getRollback(rolloutId)).toMatchObject({ state: 'RUNNING', added: 558, excluded: 0 });
    expect(w.effects.audited('rollout.rollback.started')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({
          jobId: rbJob,
          groupName: group,
          stageIndexes: [0, 1],
          devices: 558,
          trigger: 'halt',
        }),
      }),
    ]);
  });

  it('audits each device put in the group under the device, once', async () => {
    // Prepare
    const { w, rolloutId, group, rbJob } = await halted(0, [statuses('c', 3, 'SUCCEEDED')]);

    // Act
    await fillAll(w, rolloutId, 0);

    // Assess
    const memberships = w.effects.audited('thing.rollback.added');
    expect(memberships.map((r) => r.subject.id).sort()).toEqual(['c0', 'c1', 'c2']);
    expect(memberships[0]?.details).toEqual({ rolloutId, groupName: group, jobId: rbJob, stageIndex: 0 });
  });

  it('with scope stage, rolls back the halted stage alone', async () => {
    // Prepare
    const executions = [statuses('c', 5, 'SUCCEEDED'), { ...statuses('e', 3, 'SUCCEEDED'), e3: 'TIMED_OUT' }];
    const { w, rolloutId, group } = await halted(1, executions as Record<string, ExecutionStatus>[], {
      ...ROLLBACK,
      scope: 'stage',
    });

    // Act
    await fillAll(w, rolloutId, 1);

    // Assess
    expect(w.iot.membersOf(group)).toEqual(['e0', 'e1', 'e2']);
    expect(w.effects.audited('rollout.rollback.started')[0]?.details).toMatchObject({
      stageIndexes: [1],
      devices: 3,
    });
  });

  it('makes no group and no job when no device applied the update, and says so', async () => {
    // Prepare
    const { w, rolloutId, group, rbJob } = await halted(0, [{ ...statuses('c', 4, 'FAILED'), c4: 'QUEUED' }]);

    // Act
    const answers = await fillAll(w, rolloutId, 0);

    // Assess
    expect(answers).toEqual([{ next: 'done', cursor: { stage: 1, page: 1 }, waitSeconds: 0 }]);
    expect(w.iot.groups.has(group)).toBe(false);
    expect(w.iot.jobs.has(rbJob)).toBe(false);
    expect(await w.store.getRollback(rolloutId)).toMatchObject({ state: 'COMPLETED' });
    expect(w.effects.audited('rollout.rollback.completed')[0]?.details).toMatchObject({
      devices: 0,
      jobId: null,
      why: expect.stringContaining('no device'),
    });
  });

  it('leaves out the things the caller excludes, and counts them', async () => {
    // Prepare
    const { w, rolloutId, group } = await halted(0, [statuses('c', 6, 'SUCCEEDED')]);

    // Act
    const answer = await startRollback(w.steps, rolloutId, 0, FILL, undefined, new Set(['c1', 'c4']));

    // Assess
    expect(answer).toMatchObject({ next: 'watch' });
    expect(w.iot.membersOf(group)).toEqual(['c0', 'c2', 'c3', 'c5']);
    expect(await w.store.getRollback(rolloutId)).toMatchObject({ added: 4, excluded: 2 });
  });

  it('counts devices AWS would not add (deleted, or in 10 groups already), and names some', async () => {
    // Prepare
    const { w, rolloutId } = await halted(0, [statuses('c', 4, 'SUCCEEDED')]);
    w.iot.things.delete('c1');
    for (let g = 0; g < 10; g++) w.iot.addGroup(`other-${g}`, ['c2']);

    // Act
    await fillAll(w, rolloutId, 0);

    // Assess
    expect(await w.store.getRollback(rolloutId)).toMatchObject({
      added: 2,
      notAdded: 2,
      notAddedSample: ['c1', 'c2'],
    });
  });

  it('goes on after a throttled membership: the retry adds every device once more, recorded once', async () => {
    // Prepare
    const { w, rolloutId, group } = await halted(0, [statuses('c', 4, 'SUCCEEDED')]);
    w.iot.throttle('addThing', 1, 2);
    await expect(
      step(w, rolloutId, 'startRollback', 0, FILL, { cursor: { stage: 0, page: 0 } }),
    ).rejects.toMatchObject({
      name: 'ThrottlingException',
    });

    // Act
    await fillAll(w, rolloutId, 0);

    // Assess
    expect(w.iot.membersOf(group)).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(w.iot.calls.filter((c) => c.startsWith('addThing:'))).toHaveLength(6);
    expect(await w.store.getRollback(rolloutId)).toMatchObject({ added: 4 });
    expect(w.effects.audited('thing.rollback.added')).toHaveLength(4);
  });

  it.each([
    ['made by someone else', false],
    ['that looks like its own (tagged) but predates the rollback', true],
  ])('never uses a rollback group %s', async (_what, managed) => {
    // Prepare
    const w0 = await halted(0, [statuses('c', 3, 'SUCCEEDED')]);
    const { w, rolloutId, group } = w0;
    w.iot.addGroup(group, ['never-updated'], { managed });

    // Act
    const starting = step(w, rolloutId, 'startRollback', 0, FILL, { cursor: { stage: 0, page: 0 } });

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'RollbackGroupConflictError' });
    expect(w.iot.membersOf(group)).toEqual(['never-updated']);
    expect(w.iot.jobs.has(`${rolloutId}-rb0`)).toBe(false);
  });

  it('rolls back an aborted rollout as an abort', async () => {
    // Prepare
    const w = rolloutWorld();
    w.iot.addGroup('ring-canary', ['c0', 'c1']);
    w.iot.addGroup('ring-early', []);
    w.iot.addGroup('ring-fleet', []);
    const rolloutId = await created(w, {
      name: 'fw',
      document: { op: 'update' },
      stages: STAGES,
      rollback: ROLLBACK,
    });
    await step(w, rolloutId, 'startStage', 0, T0);
    w.iot.progress(`${rolloutId}-s0`, { SUCCEEDED: 2 });
    await w.store.updateRollout(rolloutId, { abortRequested: true, rollbackRequested: true, updatedAt: T0 });
    await step(w, rolloutId, 'abort', 0, T0 + HOUR);

    // Act
    await fillAll(w, rolloutId, 0, T0 + HOUR);

    // Assess
    expect(w.effects.audited('rollout.rollback.started')[0]?.details).toMatchObject({
      trigger: 'abort',
      devices: 2,
    });
  });
});

describe('reconcileRollback: watching the rollback job', () => {
  async function filled() {
    const world = await halted(0, [statuses('c', 20, 'SUCCEEDED')], { ...ROLLBACK, scope: 'stage' });
    await fillAll(world.w, world.rolloutId, 0);
    return world;
  }
  const WATCH = FILL + MINUTE;

  it('watches a rollback job that runs, reading it again a while later', async () => {
    // Prepare
    const { w, rolloutId } = await filled();

    // Act
    const answer = await reconcileRollback(w.steps, rolloutId, WATCH);

    // Assess
    expect(answer).toMatchObject({ next: 'watch', verdict: 'running' });
    expect(answer.waitSeconds).toBeGreaterThanOrEqual(60);
  });

  it('asks a human once about a failing rollback, and cancels nothing', async () => {
    // Prepare
    const { w, rolloutId, rbJob } = await filled();
    w.iot.progress(rbJob, { SUCCEEDED: 2, FAILED: 8, IN_PROGRESS: 5, QUEUED: 5 });

    // Act
    const answers = [];
    for (const at of [WATCH, WATCH + MINUTE, WATCH + 10 * MINUTE])
      answers.push(await reconcileRollback(w.steps, rolloutId, at));

    // Assess
    expect(answers[0]).toMatchObject({ next: 'watch', verdict: 'attention' });
    expect(w.effects.notices.filter((n) => n.subject.startsWith('Rollback needs attention'))).toHaveLength(1);
    expect(w.effects.notices.at(-1)?.message).toContain('8 failed');
    expect(w.effects.audited('rollout.rollback.attention')).toHaveLength(1);
    expect(w.iot.cancels.filter((c) => c.jobId === rbJob)).toEqual([]);
  });

  it('completes with the job’s counts once nothing is left to run, recorded once', async () => {
    // Prepare
    const { w, rolloutId, rbJob } = await filled();
    w.iot.progress(rbJob, { SUCCEEDED: 9, FAILED: 8, TIMED_OUT: 2, REMOVED: 1 });
    await reconcileRollback(w.steps, rolloutId, WATCH);

    // Act
    const again = await reconcileRollback(w.steps, rolloutId, WATCH);

    // Assess
    expect(again).toMatchObject({ next: 'done' });
    expect(await w.store.getRollback(rolloutId)).toMatchObject({ state: 'COMPLETED', completedAt: WATCH });
    expect(w.effects.audited('rollout.rollback.completed')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({
          jobId: rbJob,
          devices: 20,
          attention: true,
          counts: { succeeded: 9, failed: 8, rejected: 0, timedOut: 2, inProgress: 0, notReached: 1 },
        }),
      }),
    ]);
  });

  it('ends a rollback whose job someone else deleted', async () => {
    // Prepare
    const { w, rolloutId, rbJob } = await filled();
    w.iot.stopOutside(rbJob, 'delete');

    // Act
    const answer = await reconcileRollback(w.steps, rolloutId, WATCH);

    // Assess
    expect(answer).toMatchObject({ next: 'done' });
    expect(w.effects.audited('rollout.rollback.completed')[0]?.details).toMatchObject({
      stoppedOutside: true,
    });
  });

  it('is an error before the rollback has a job', async () => {
    // Prepare
    const { w, rolloutId } = await halted(1, BIG);
    await step(w, rolloutId, 'startRollback', 1, FILL, { cursor: { stage: 0, page: 0 } });

    // Act
    const reconciling = reconcileRollback(w.steps, rolloutId, WATCH);

    // Assess
    await expect(reconciling).rejects.toThrow(/has no job yet/);
  });
});

describe('failRollback', () => {
  const error = {
    Error: 'RollbackGroupConflictError',
    Cause: JSON.stringify({ errorMessage: 'thing group exists before the rollback began' }),
  };

  it('marks a rollback that never began FAILED with why, and leaves the rollout HALTED', async () => {
    // Prepare
    const { w, rolloutId } = await halted(0, [statuses('c', 3, 'SUCCEEDED')]);

    // Act
    await step(w, rolloutId, 'failRollback', 0, FILL, { state: { error } });

    // Assess
    expect(await w.store.getRollback(rolloutId)).toMatchObject({
      state: 'FAILED',
      error: 'error RollbackGroupConflictError: thing group exists before the rollback began',
    });
    expect(await w.store.getRollout(rolloutId)).toMatchObject({ status: 'HALTED', reason: 'gate-halt' });
  });

  it('ends a rollback that was under way FAILED', async () => {
    // Prepare
    const { w, rolloutId } = await halted(1, BIG);
    await step(w, rolloutId, 'startRollback', 1, FILL, { cursor: { stage: 0, page: 0 } });

    // Act
    await step(w, rolloutId, 'failRollback', 1, FILL + MINUTE, { state: { error } });

    // Assess
    expect(await w.store.getRollback(rolloutId)).toMatchObject({
      state: 'FAILED',
      added: 258,
      completedAt: FILL + MINUTE,
    });
  });

  it('tells the operators and audits the failure once', async () => {
    // Prepare
    const { w, rolloutId } = await halted(0, [statuses('c', 3, 'SUCCEEDED')]);
    await step(w, rolloutId, 'failRollback', 0, FILL, { state: { error } });

    // Act
    await step(w, rolloutId, 'failRollback', 0, FILL, { state: { error } });

    // Assess
    expect(w.effects.audited('rollout.rollback.failed')).toHaveLength(1);
    expect(w.effects.notices.map((n) => n.subject)).toContain(`Rollback failed: ${rolloutId}`);
  });
});
