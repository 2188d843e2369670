import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AddThingToThingGroupCommand,
  CancelJobCommand,
  CreateJobCommand,
  CreateThingGroupCommand,
  DescribeJobCommand,
  DescribeThingGroupCommand,
  IoTClient,
  ListJobExecutionsForJobCommand,
  ListThingsInThingGroupCommand,
} from '@aws-sdk/client-iot';
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { rolloutConfigSchema, rolloutDeps } from '../../functions/wiring/rollout';
import { iotRollbackPort } from '../../shared/adapters/rollback-iot';
import { loadConfig } from '../../shared/config';
import { startRollback } from '../../shared/services/rollout-rollback';
import { lambdaContext } from '../helpers/lambda';
import { startLocalDynamoDb } from '../helpers/local-dynamodb';
import { ALICE, apiRequest, BOB, ENV, executionOf, startedExecution } from './rollout-harness';

// Issue 17's rollback through the real handlers, on the local DynamoDB, with AWS IoT mocked the way
// it answers. The group fill paces itself with node:timers/promises: here a sleep returns at once.
vi.mock('node:timers/promises', () => ({ setTimeout: async () => undefined }));

const iot = mockClient(IoTClient);
const sfn = mockClient(SFNClient);
const bus = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
type Handler = (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
let db: Awaited<ReturnType<typeof startLocalDynamoDb>>;
let docs: DynamoDBDocumentClient;
let api: Handler;
let steps: Handler;

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const context = lambdaContext('rollout');
const ACCOUNT_ARN = 'arn:aws:iot:us-east-1:123456789012';

/** What AWS IoT holds: each job's executions (thing → status), thing groups and their members. */
const executions = new Map<string, Map<string, string>>();
const groups = new Map<string, { things: Set<string>; managed: boolean }>();
const jobs = new Map<string, Record<string, unknown>>();
const notFound = (what: string) =>
  Object.assign(new Error(`${what} not found`), { name: 'ResourceNotFoundException', $fault: 'client' });

beforeAll(async () => {
  db = await startLocalDynamoDb();
  docs = DynamoDBDocumentClient.from(db.client);
  Object.assign(process.env, ENV, { AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
  const load = async (name: string) =>
    ((await import(`../../functions/${name}`)) as { handler: Handler }).handler;
  [api, steps] = await Promise.all([load('rollout-api'), load('rollout-steps')]);
});
afterAll(async () => db.close());
beforeEach(() => {
  for (const m of [iot, sfn, bus, sns]) m.reset();
  executions.clear();
  groups.clear();
  jobs.clear();
  // The plan's target groups exist (the API checks), made by someone else.
  for (const ring of ['ring-canary', 'ring-early', 'ring-fleet'])
    groups.set(ring, { things: new Set(), managed: false });
  iot.on(ListThingsInThingGroupCommand).resolves({ things: Array.from({ length: 20 }, (_, i) => `t${i}`) });
  iot.on(CreateJobCommand).callsFake((input: { jobId: string }) => {
    if (jobs.has(input.jobId))
      throw Object.assign(new Error('exists'), { name: 'ResourceAlreadyExistsException', $fault: 'client' });
    jobs.set(input.jobId, { status: 'IN_PROGRESS', jobProcessDetails: { numberOfQueuedThings: 20 } });
    return { jobId: input.jobId };
  });
  iot.on(DescribeJobCommand).callsFake((input: { jobId: string }) => {
    const job = jobs.get(input.jobId);
    if (!job) throw notFound(input.jobId);
    return { job };
  });
  iot.on(CancelJobCommand).resolves({});
  iot
    .on(ListJobExecutionsForJobCommand)
    .callsFake((input: { jobId: string; status?: string; maxResults?: number; nextToken?: string }) => {
      const all = executions.get(input.jobId);
      if (!all) throw notFound(input.jobId);
      const matching = [...all].filter(([, status]) => !input.status || status === input.status);
      const start = Number(input.nextToken ?? 0);
      const end = start + (input.maxResults ?? 50);
      return {
        executionSummaries: matching.slice(start, end).map(([thing, status]) => ({
          thingArn: `${ACCOUNT_ARN}:thing/${thing}`,
          jobExecutionSummary: { status },
        })),
        ...(end < matching.length ? { nextToken: String(end) } : {}),
      };
    });
  // AWS answers 200 for an identical existing group and ResourceAlreadyExists for a different one.
  iot.on(CreateThingGroupCommand).callsFake((input: { thingGroupName: string }) => {
    const group = groups.get(input.thingGroupName);
    if (group && !group.managed)
      throw Object.assign(new Error('exists'), { name: 'ResourceAlreadyExistsException', $fault: 'client' });
    if (!group) groups.set(input.thingGroupName, { things: new Set(), managed: true });
    return { thingGroupName: input.thingGroupName };
  });
  iot.on(DescribeThingGroupCommand).callsFake((input: { thingGroupName: string }) => {
    const group = groups.get(input.thingGroupName);
    if (!group) throw notFound(input.thingGroupName);
    return {
      thingGroupName: input.thingGroupName,
      thingGroupProperties: {
        attributePayload: { attributes: group.managed ? { managedBy: 'fleet-autopilot' } : {} },
      },
    };
  });
  iot.on(AddThingToThingGroupCommand).callsFake((input: { thingGroupName: string; thingName: string }) => {
    const group = groups.get(input.thingGroupName);
    if (!group) throw notFound(input.thingGroupName);
    group.things.add(input.thingName);
    return {};
  });
  sfn.on(StartExecutionCommand).callsFake(startedExecution);
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  sns.on(PublishCommand).resolves({});
});

const STAGES = [
  { name: 'canary', targets: ['ring-canary'] },
  { name: 'early', targets: ['ring-early'] },
  { name: 'fleet', targets: ['ring-fleet'] },
];
const ROLLBACK = { document: { op: 'install', version: '2.3' } };

async function create(name: string, rollback: Record<string, unknown> | null = ROLLBACK) {
  const plan = { name, document: { op: 'update' }, stages: STAGES, ...(rollback ? { rollback } : {}) };
  const created = await api(apiRequest('POST /rollouts', ALICE, { body: plan }), context);
  expect(created.statusCode, String(created.body)).toBe(201);
  return (JSON.parse(String(created.body)) as { rolloutId: string }).rolloutId;
}

function stepOf(rolloutId: string) {
  return (action: string, stageIndex: number, at: number, extra: Record<string, unknown> = {}) =>
    steps(
      {
        action,
        rolloutId,
        stageIndex,
        now: new Date(at).toISOString(),
        executionId: executionOf(rolloutId),
        ...extra,
      },
      context,
    );
}

/** Starts stages 0..`halted` (each with its executions), then halts the last one. */
async function haltAt(rolloutId: string, halted: number, executionsByStage: Record<string, string>[]) {
  const step = stepOf(rolloutId);
  for (let s = 0; s <= halted; s++) {
    if (s > 0)
      await docs.send(
        new UpdateCommand({
          TableName: 'StateTable',
          Key: { pk: `ROLLOUT#${rolloutId}`, sk: 'ROLLOUT' },
          UpdateExpression: 'SET currentStage = :s',
          ExpressionAttributeValues: { ':s': s },
        }),
      );
    await step('startStage', s, T0 + s * HOUR);
    executions.set(`${rolloutId}-s${s}`, new Map(Object.entries(executionsByStage[s] ?? {})));
  }
  return step('halt', halted, T0 + (halted + 1) * HOUR, { state: { gate: { outcome: 'HALT' } } });
}

/** Calls StartRollback on its own cursor until it stops asking to be called again. */
async function fillAll(rolloutId: string, stageIndex: number, at: number) {
  const step = stepOf(rolloutId);
  const answers: Record<string, unknown>[] = [];
  let answer = await step('startRollback', stageIndex, at, { cursor: { stage: 0, page: 0 } });
  answers.push(answer);
  while (answer.next === 'fill') {
    answer = await step('startRollback', stageIndex, at, { cursor: answer.cursor });
    answers.push(answer);
  }
  return answers;
}

/** `{thing: status}` for `n` things named `<prefix><i>`. */
const statuses = (prefix: string, n: number, status: string, from = 0) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${from + i}`, status]));

const audits = async (rolloutId: string, action: string) =>
  ((await docs.send(new ScanCommand({ TableName: 'AuditTable' }))).Items ?? []).filter(
    (i) => i.action === action && i.subject?.id === rolloutId,
  );
const rollbackItem = async (rolloutId: string) =>
  (
    await docs.send(
      new GetCommand({ TableName: 'StateTable', Key: { pk: `ROLLOUT#${rolloutId}`, sk: 'ROLLBACK' } }),
    )
  ).Item;
const rollbackJobCalls = (rolloutId: string) =>
  iot.commandCalls(CreateJobCommand).filter((c) => c.args[0].input.jobId === `${rolloutId}-rb0`);
const published = (detailType: string) =>
  bus
    .commandCalls(PutEventsCommand)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .filter((e) => e.DetailType === detailType)
    .map((e) => JSON.parse(String(e.Detail)));

describe('rollback after a halt', () => {
  it('adds only the devices whose execution SUCCEEDED in the stages in scope, page by page, once', async () => {
    const rolloutId = await create('rb-scope-rollout');
    const halted = await haltAt(rolloutId, 1, [
      { ...statuses('c', 8, 'SUCCEEDED'), c8: 'FAILED', c9: 'QUEUED', c10: 'IN_PROGRESS', c11: 'REJECTED' },
      {
        ...statuses('e', 550, 'SUCCEEDED'),
        ...statuses('e', 50, 'FAILED', 550),
        ...statuses('q', 30, 'QUEUED'),
      },
    ]);
    expect(halted).toEqual({ rollback: true });
    const at = T0 + 3 * HOUR;
    const step = stepOf(rolloutId);
    // 4 pages of SUCCEEDED executions (8; 250, 250, 50), two per call.
    const first = await step('startRollback', 1, at, { cursor: { stage: 0, page: 0 } });
    expect(first).toMatchObject({ next: 'fill', cursor: { stage: 1, page: 2, token: '250' } });
    // The same call again (a retry of that state visit): it goes on from the stored progress.
    const retried = await step('startRollback', 1, at, { cursor: { stage: 0, page: 0 } });
    expect(retried).toMatchObject({ next: 'watch', cursor: { stage: 2, page: 4 } });
    // The execution's own next call finds the job made and makes nothing again.
    const next = await step('startRollback', 1, at, { cursor: first.cursor });
    expect(next).toEqual(retried);

    const group = `fleet-autopilot-rollback-${rolloutId}`;
    const expected = [
      ...Object.keys(statuses('c', 8, 'SUCCEEDED')),
      ...Object.keys(statuses('e', 550, 'SUCCEEDED')),
    ];
    expect([...(groups.get(group)?.things ?? [])].sort()).toEqual(expected.sort());
    // Each device was added once: the retry did not walk the pages again.
    expect(iot.commandCalls(AddThingToThingGroupCommand)).toHaveLength(558);
    for (const c of iot.commandCalls(ListJobExecutionsForJobCommand))
      expect(c.args[0].input).toMatchObject({ status: 'SUCCEEDED', maxResults: 250 });
    expect(
      iot
        .commandCalls(ListJobExecutionsForJobCommand)
        .some((c) => c.args[0].input.jobId === `${rolloutId}-s2`),
    ).toBe(false);
    for (const c of iot.commandCalls(CreateThingGroupCommand))
      expect(c.args[0].input).toMatchObject({
        thingGroupName: group,
        tags: [{ Key: 'managedBy', Value: 'fleet-autopilot' }],
      });

    const jobCalls = rollbackJobCalls(rolloutId);
    expect(jobCalls).toHaveLength(1);
    const request = jobCalls[0]?.args[0].input;
    expect(request).toMatchObject({
      targets: [`${ACCOUNT_ARN}:thinggroup/${group}`],
      targetSelection: 'SNAPSHOT',
      document: JSON.stringify(ROLLBACK.document),
      jobExecutionsRolloutConfig: { maximumPerMinute: 100 },
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
    });
    expect(request).not.toHaveProperty('abortConfig');

    const started = await audits(rolloutId, 'rollout.rollback.started');
    expect(started).toHaveLength(1);
    expect(started[0]?.details).toMatchObject({
      jobId: `${rolloutId}-rb0`,
      groupName: group,
      stageIndexes: [0, 1],
      devices: 558,
      trigger: 'halt',
    });
    const events = published('RolloutRollbackStarted');
    expect(events.length).toBeGreaterThanOrEqual(1);
    for (const detail of events)
      expect(detail).toMatchObject({ rolloutId, jobId: `${rolloutId}-rb0`, stageIndexes: [0, 1] });
    expect(await rollbackItem(rolloutId)).toMatchObject({ state: 'RUNNING', added: 558, excluded: 0 });
    // Every membership has its record, under the thing, once.
    const memberships = ((await docs.send(new ScanCommand({ TableName: 'AuditTable' }))).Items ?? []).filter(
      (i) => i.action === 'thing.rollback.added' && i.details?.rolloutId === rolloutId,
    );
    expect(memberships.map((i) => String(i.pk).replace('THING#', '')).sort()).toEqual(expected.sort());
    expect(memberships.find((i) => i.pk === 'THING#e7')?.details).toEqual({
      rolloutId,
      groupName: group,
      jobId: `${rolloutId}-rb0`,
      stageIndex: 1,
    });
    // The rollout stays as the halt left it.
    const view = JSON.parse(
      String((await api(apiRequest('GET /rollouts/{id}', BOB, { id: rolloutId }), context)).body),
    );
    expect(view).toMatchObject({
      status: 'HALTED',
      rollback: {
        state: 'RUNNING',
        jobId: `${rolloutId}-rb0`,
        groupName: group,
        devices: 558,
        stageIndexes: [0, 1],
      },
    });
  });

  it('with scope stage, rolls back the halted stage alone', async () => {
    const rolloutId = await create('rb-scope-stage', { ...ROLLBACK, scope: 'stage' });
    await haltAt(rolloutId, 1, [
      statuses('c', 5, 'SUCCEEDED'),
      { ...statuses('e', 3, 'SUCCEEDED'), e3: 'TIMED_OUT' },
    ]);
    const answers = await fillAll(rolloutId, 1, T0 + 3 * HOUR);
    expect(answers.at(-1)).toMatchObject({ next: 'watch' });
    expect([...(groups.get(`fleet-autopilot-rollback-${rolloutId}`)?.things ?? [])].sort()).toEqual([
      'e0',
      'e1',
      'e2',
    ]);
    expect(iot.commandCalls(ListJobExecutionsForJobCommand).map((c) => c.args[0].input.jobId)).toEqual([
      `${rolloutId}-s1`,
    ]);
    expect((await audits(rolloutId, 'rollout.rollback.started'))[0]?.details).toMatchObject({
      stageIndexes: [1],
      devices: 3,
    });
  });

  it('makes no group and no job when no device applied the update, and says so', async () => {
    const rolloutId = await create('rb-nothing');
    await haltAt(rolloutId, 0, [{ ...statuses('c', 4, 'FAILED'), c4: 'QUEUED' }]);
    const answers = await fillAll(rolloutId, 0, T0 + 2 * HOUR);
    expect(answers).toEqual([{ next: 'done', cursor: { stage: 1, page: 1 }, waitSeconds: 0 }]);
    expect(iot.commandCalls(CreateThingGroupCommand)).toHaveLength(0);
    expect(rollbackJobCalls(rolloutId)).toHaveLength(0);
    const completed = await audits(rolloutId, 'rollout.rollback.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.details).toMatchObject({
      devices: 0,
      jobId: null,
      why: expect.stringContaining('no device'),
    });
    expect(await rollbackItem(rolloutId)).toMatchObject({ state: 'COMPLETED' });
  });

  it('watches the rollback job: a failing one notifies the operator once and is never cancelled; then completes with counts', async () => {
    const rolloutId = await create('rb-watch', { ...ROLLBACK, scope: 'stage' });
    await haltAt(rolloutId, 0, [statuses('c', 20, 'SUCCEEDED')]);
    await fillAll(rolloutId, 0, T0 + 2 * HOUR);
    const step = stepOf(rolloutId);
    const rb = `${rolloutId}-rb0`;
    jobs.set(rb, {
      status: 'IN_PROGRESS',
      jobProcessDetails: {
        numberOfQueuedThings: 5,
        numberOfInProgressThings: 5,
        numberOfSucceededThings: 2,
        numberOfFailedThings: 8,
      },
    });
    const cancelsBefore = iot.commandCalls(CancelJobCommand).length;
    const attentionNotices = () =>
      sns
        .commandCalls(PublishCommand)
        .filter((c) => String(c.args[0].input.Subject).startsWith('Rollback needs attention'));
    const watching = await step('reconcileRollback', 0, T0 + 2 * HOUR + 60_000);
    expect(watching).toMatchObject({ next: 'watch', verdict: 'attention' });
    expect(watching.waitSeconds).toBeGreaterThanOrEqual(60);
    expect(attentionNotices()).toHaveLength(1);
    expect(String(attentionNotices()[0]?.args[0].input.Message)).toContain('8 failed');
    // Later reads of the same failing job: no second notice, no second record.
    await step('reconcileRollback', 0, T0 + 2 * HOUR + 120_000);
    await step('reconcileRollback', 0, T0 + 2 * HOUR + 600_000);
    expect(attentionNotices()).toHaveLength(1);
    expect(await audits(rolloutId, 'rollout.rollback.attention')).toHaveLength(1);
    expect(iot.commandCalls(CancelJobCommand)).toHaveLength(cancelsBefore);
    const attention = JSON.parse(
      String((await api(apiRequest('GET /rollouts/{id}', BOB, { id: rolloutId }), context)).body),
    ).rollback;
    expect(attention).toMatchObject({
      state: 'ATTENTION',
      counts: { failed: 8, succeeded: 2, inProgress: 5 },
    });

    jobs.set(rb, {
      status: 'COMPLETED',
      jobProcessDetails: {
        numberOfSucceededThings: 9,
        numberOfFailedThings: 8,
        numberOfTimedOutThings: 2,
        numberOfRemovedThings: 1,
      },
    });
    const done = await step('reconcileRollback', 0, T0 + 3 * HOUR);
    expect(done).toMatchObject({ next: 'done' });
    // Re-run of the same visit: done again, recorded once.
    expect(await step('reconcileRollback', 0, T0 + 3 * HOUR)).toMatchObject({ next: 'done' });
    const completed = await audits(rolloutId, 'rollout.rollback.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.details).toMatchObject({
      jobId: rb,
      devices: 20,
      attention: true,
      counts: { succeeded: 9, failed: 8, rejected: 0, timedOut: 2, inProgress: 0, notReached: 1 },
    });
    expect(published('RolloutRollbackCompleted')[0]).toMatchObject({ rolloutId, jobId: rb });
    const view = JSON.parse(
      String((await api(apiRequest('GET /rollouts/{id}', BOB, { id: rolloutId }), context)).body),
    );
    expect(view.rollback).toMatchObject({
      state: 'COMPLETED',
      jobId: rb,
      groupName: `fleet-autopilot-rollback-${rolloutId}`,
      devices: 20,
      counts: { succeeded: 9, failed: 8, timedOut: 2, notReached: 1 },
    });
  });

  it.each([
    ['made by someone else', false],
    ['that looks like its own (tagged) but predates the rollback', true],
  ])(
    'never uses a rollback group %s: the rollback fails, the rollout stays halted',
    async (_what, managed) => {
      const rolloutId = await create(`rb-foreign-group-${managed ? 'tagged' : 'plain'}`);
      // A group that predates the rollback may hold devices that never took the update.
      groups.set(`fleet-autopilot-rollback-${rolloutId}`, { things: new Set(['never-updated']), managed });
      await haltAt(rolloutId, 0, [statuses('c', 3, 'SUCCEEDED')]);
      const step = stepOf(rolloutId);
      await expect(
        step('startRollback', 0, T0 + 2 * HOUR, { cursor: { stage: 0, page: 0 } }),
      ).rejects.toMatchObject({
        name: 'RollbackGroupConflictError',
      });
      expect(iot.commandCalls(AddThingToThingGroupCommand)).toHaveLength(0);
      expect(rollbackJobCalls(rolloutId)).toHaveLength(0);
      await step('failRollback', 0, T0 + 2 * HOUR, {
        state: {
          error: {
            Error: 'RollbackGroupConflictError',
            Cause: JSON.stringify({ errorMessage: 'thing group exists before the rollback began' }),
          },
        },
      });
      expect(await rollbackItem(rolloutId)).toMatchObject({
        state: 'FAILED',
        error: 'error RollbackGroupConflictError: thing group exists before the rollback began',
      });
      const view = JSON.parse(
        String((await api(apiRequest('GET /rollouts/{id}', BOB, { id: rolloutId }), context)).body),
      );
      expect(view).toMatchObject({ status: 'HALTED', reason: 'gate-halt', rollback: { state: 'FAILED' } });
      expect(await audits(rolloutId, 'rollout.rollback.failed')).toHaveLength(1);
      expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject)).toContain(
        `Rollback failed: ${rolloutId}`,
      );
    },
  );

  it('leaves out the things the caller excludes, and counts them', async () => {
    const rolloutId = await create('rb-exclude', { ...ROLLBACK, scope: 'stage' });
    await haltAt(rolloutId, 0, [statuses('c', 6, 'SUCCEEDED')]);
    const deps = {
      ...rolloutDeps(loadConfig(rolloutConfigSchema, process.env), 'function:rollout-steps'),
      arnPrefix: ACCOUNT_ARN,
      rollback: iotRollbackPort(new IoTClient({ region: 'us-east-1' }), 1000, { now: () => 0 }),
    };
    const answer = await startRollback(deps, rolloutId, 0, T0 + 2 * HOUR, undefined, new Set(['c1', 'c4']));
    expect(answer).toMatchObject({ next: 'watch' });
    expect([...(groups.get(`fleet-autopilot-rollback-${rolloutId}`)?.things ?? [])].sort()).toEqual([
      'c0',
      'c2',
      'c3',
      'c5',
    ]);
    expect(await rollbackItem(rolloutId)).toMatchObject({ added: 4, excluded: 2 });
    expect((await audits(rolloutId, 'rollout.rollback.started'))[0]?.details).toMatchObject({
      devices: 4,
      excluded: 2,
    });
  });

  it('refuses the rollback steps while the rollout runs', async () => {
    const rolloutId = await create('rb-running');
    await stepOf(rolloutId)('startStage', 0, T0);
    await expect(
      stepOf(rolloutId)('startRollback', 0, T0 + HOUR, { cursor: { stage: 0, page: 0 } }),
    ).rejects.toMatchObject({ name: 'ExecutionRefusedError' });
    expect(await rollbackItem(rolloutId)).toBeUndefined();
  });
});

describe('abort with rollback', () => {
  it('is refused (409) when the plan names no rollback, and nothing is aborted', async () => {
    const rolloutId = await create('rb-none', null);
    const refused = await api(
      apiRequest('POST /rollouts/{id}/abort', BOB, { id: rolloutId, body: { rollback: true } }),
      context,
    );
    expect(refused.statusCode).toBe(409);
    expect(JSON.parse(String(refused.body))).toMatchObject({
      error: 'RolloutConflictError',
      message: expect.stringContaining('names no rollback'),
    });
    const view = JSON.parse(
      String((await api(apiRequest('GET /rollouts/{id}', BOB, { id: rolloutId }), context)).body),
    );
    expect(view).toMatchObject({ abortRequested: false, status: 'RUNNING' });
    expect(view).not.toHaveProperty('rollback');
    // A malformed flag, or one on another command, is a bad request.
    for (const [route, body] of [
      ['POST /rollouts/{id}/abort', { rollback: 'yes' }],
      ['POST /rollouts/{id}/pause', { rollback: true }],
    ] as const)
      expect((await api(apiRequest(route, BOB, { id: rolloutId, body }), context)).statusCode, route).toBe(
        400,
      );
    expect(
      (await api(apiRequest('POST /rollouts/{id}/abort', BOB, { id: rolloutId }), context)).statusCode,
    ).toBe(200);
  });

  it('records the request, and the Abort step then rolls back; an abort without it does not', async () => {
    const asked = await create('rb-abort-asked');
    await stepOf(asked)('startStage', 0, T0);
    const accepted = await api(
      apiRequest('POST /rollouts/{id}/abort', BOB, {
        id: asked,
        body: { rollback: true, comment: 'bad batch' },
      }),
      context,
    );
    expect(accepted.statusCode, String(accepted.body)).toBe(200);
    expect(JSON.parse(String(accepted.body))).toMatchObject({ command: 'abort', rollback: true });
    expect((await audits(asked, 'rollout.abort.requested'))[0]?.details).toMatchObject({ rollback: true });
    const view = JSON.parse(
      String((await api(apiRequest('GET /rollouts/{id}', BOB, { id: asked }), context)).body),
    );
    expect(view.rollback).toMatchObject({ state: 'NOT_STARTED', requestedOnAbort: true, scope: 'rollout' });
    executions.set(`${asked}-s0`, new Map(Object.entries(statuses('c', 2, 'SUCCEEDED'))));
    expect(await stepOf(asked)('abort', 0, T0 + HOUR)).toEqual({ rollback: true });
    const answers = await fillAll(asked, 0, T0 + HOUR);
    expect(answers.at(-1)).toMatchObject({ next: 'watch' });
    expect((await audits(asked, 'rollout.rollback.started'))[0]?.details).toMatchObject({
      trigger: 'abort',
      devices: 2,
    });

    const plain = await create('rb-abort-plain');
    await stepOf(plain)('startStage', 0, T0);
    expect((await api(apiRequest('POST /rollouts/{id}/abort', BOB, { id: plain }), context)).statusCode).toBe(
      200,
    );
    expect(await stepOf(plain)('abort', 0, T0 + HOUR)).toEqual({ rollback: false });

    const onAbort = await create('rb-abort-plan', { ...ROLLBACK, onAbort: true });
    await stepOf(onAbort)('startStage', 0, T0);
    expect(
      (await api(apiRequest('POST /rollouts/{id}/abort', BOB, { id: onAbort }), context)).statusCode,
    ).toBe(200);
    expect(await stepOf(onAbort)('abort', 0, T0 + HOUR)).toEqual({ rollback: true });
  });
});

// A device judged unhealthy by the reconnect window is not necessarily unreachable: one offline longer
// than the window (a slow boot, a site outage, a power cycle) comes back on the bad update. Its rollback
// execution waits QUEUED meanwhile (counted as not reached), so it is never left out.
describe('rollback of devices a health check judged gone', () => {
  it('still rolls back a device judged "never back" that came back online after its window', async () => {
    const rolloutId = await create('rb-review-gone', { ...ROLLBACK, scope: 'stage' });
    await haltAt(rolloutId, 0, [statuses('c', 4, 'SUCCEEDED')]);
    const { dynamoHealthStore, healthKeys } = await import('../../shared/adapters/health-store');
    const health = dynamoHealthStore(docs, 'StateTable');
    const succeededAt = T0 + 10 * 60_000;
    // The suspect as Reconcile left it, verdict included (written directly).
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const suspect = {
      rolloutId,
      stageIndex: 0,
      thingName: 'c1',
      jobId: `${rolloutId}-s0`,
      reason: 'reconnect' as const,
      succeededAt,
      windowMs: 10 * 60_000,
    };
    await docs.send(
      new PutCommand({
        TableName: 'StateTable',
        Item: {
          ...healthKeys.suspect(suspect),
          ...suspect,
          verdict: 'unhealthy',
          judgedAt: succeededAt + 12 * 60_000,
          evidence: 'disconnected and not back within 10 min',
        },
      }),
    );
    // c1 rebooted right after its success and came back 25 minutes later, running the update.
    await health.recordPresence('c1', { at: succeededAt + 1_000, connected: false }, succeededAt + 1_000);
    await health.recordPresence(
      'c1',
      { at: succeededAt + 25 * 60_000, connected: true },
      succeededAt + 25 * 60_000,
    );

    await fillAll(rolloutId, 0, T0 + 2 * HOUR);

    const members = [...(groups.get(`fleet-autopilot-rollback-${rolloutId}`)?.things ?? [])].sort();
    expect(members).toEqual(['c0', 'c1', 'c2', 'c3']);
  });
});
