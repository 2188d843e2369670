import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateJobCommand,
  DescribeJobCommand,
  IoTClient,
  ListThingsInThingGroupCommand,
} from '@aws-sdk/client-iot';
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../helpers/lambda';
import { startLocalDynamoDb } from '../helpers/local-dynamodb';
import { ALICE, apiRequest, BOB, ENV, executionOf, startedExecution, terminalEvent } from './rollout-harness';

// The handlers on the local DynamoDB with its real transactions; AWS IoT, Step Functions, EventBridge
// and SNS mocked the way they answer.
const iot = mockClient(IoTClient);
const sfn = mockClient(SFNClient);
const bus = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
type Handler = (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
let db: Awaited<ReturnType<typeof startLocalDynamoDb>>;
let docs: DynamoDBDocumentClient;
let api: Handler;
let steps: Handler;
let tracker: Handler;

const T0 = Date.UTC(2026, 0, 1);
const context = lambdaContext('rollout');

beforeAll(async () => {
  db = await startLocalDynamoDb();
  docs = DynamoDBDocumentClient.from(db.client);
  Object.assign(process.env, ENV, { AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
  const load = async (name: string) =>
    ((await import(`../../functions/${name}`)) as { handler: Handler }).handler;
  [api, steps, tracker] = await Promise.all([
    load('rollout-api'),
    load('rollout-steps'),
    load('rollout-tracker'),
  ]);
});
afterAll(async () => db.close());
beforeEach(() => {
  for (const m of [iot, sfn, bus, sns]) m.reset();
  iot
    .on(ListThingsInThingGroupCommand)
    .resolves({ things: Array.from({ length: 50 }, (_, i) => `thing-${i}`) });
  iot.on(CreateJobCommand).resolves({});
  // The tracker reads the job every 30 s while events arrive: nothing started yet unless a test says.
  iot
    .on(DescribeJobCommand)
    .resolves({ job: { status: 'IN_PROGRESS', jobProcessDetails: { numberOfQueuedThings: 50 } } });
  sfn.on(StartExecutionCommand).callsFake(startedExecution);
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  sns.on(PublishCommand).resolves({});
});

/** Starts a rollout through the API and runs its first stage's start and gate wait. */
async function startRollout(name: string, approvalRequired = false) {
  const plan = {
    name,
    document: { op: 'update' },
    stages: [
      { name: 'canary', targets: ['ring-canary'], approval: { required: approvalRequired } },
      { name: 'fleet', targets: ['ring-fleet'] },
    ],
  };
  const created = await api(apiRequest('POST /rollouts', ALICE, { body: plan }), context);
  const { rolloutId } = JSON.parse(String(created.body)) as { rolloutId: string };
  const now = new Date(T0).toISOString();
  const executionId = executionOf(rolloutId);
  await steps({ action: 'startStage', rolloutId, stageIndex: 0, now, executionId }, context);
  await steps(
    { action: 'awaitGate', rolloutId, stageIndex: 0, token: `TOKEN-SECRET-${name}`, now, executionId },
    context,
  );
  return { rolloutId, jobId: `${rolloutId}-s0`, created };
}

const stage = async (rolloutId: string) =>
  (
    await docs.send(
      new GetCommand({ TableName: 'StateTable', Key: { pk: `ROLLOUT#${rolloutId}`, sk: 'STAGE#000' } }),
    )
  ).Item ?? {};
const everything = async () =>
  JSON.stringify((await docs.send(new ScanCommand({ TableName: 'AuditTable' }))).Items);

/**
 * All 100 targets succeed after the bake: the tracker sees the events (and wakes the gate wait), and
 * Reconcile, on DescribeJob, records PROMOTE (the decision the approval request checks).
 */
async function passGate(rolloutId: string) {
  const at = T0 + 31 * 60_000;
  iot.on(DescribeJobCommand).resolves({
    job: {
      status: 'IN_PROGRESS',
      jobProcessDetails: { numberOfSucceededThings: 100, numberOfQueuedThings: 0 },
    },
  });
  for (let i = 0; i < 100; i++)
    await tracker(terminalEvent(`${rolloutId}-s0`, `thing-${i}`, 'SUCCEEDED', at + i), context);
  await steps(
    {
      action: 'reconcile',
      rolloutId,
      stageIndex: 0,
      now: new Date(at + 60_000).toISOString(),
      executionId: executionOf(rolloutId),
    },
    context,
  );
  expect((await stage(rolloutId)).lastOutcome).toBe('PROMOTE');
}

describe('rollout tracker', () => {
  it('gives the same counters for duplicated and reordered events, and wakes the execution once', async () => {
    const a = await startRollout('ordered');
    const b = await startRollout('shuffled');
    const script = (jobId: string) => [
      terminalEvent(jobId, 'thing-1', 'FAILED', T0 + 1000),
      terminalEvent(jobId, 'thing-1', 'SUCCEEDED', T0 + 5000), // retried and then succeeded
      terminalEvent(jobId, 'thing-2', 'REJECTED', T0 + 2000),
      terminalEvent(jobId, 'thing-3', 'CANCELED', T0 + 3000),
      terminalEvent(jobId, 'thing-4', 'SUCCEEDED', T0 + 4000),
    ];
    for (const e of script(a.jobId)) await tracker(e, context);
    const shuffled = script(b.jobId);
    for (const e of [...shuffled].reverse().concat(shuffled)) await tracker(e, context);
    const counts = (s: Record<string, unknown>) => ({
      succeeded: s.succeeded,
      failed: s.failed,
      rejected: s.rejected,
      timedOut: s.timedOut,
      excluded: s.excluded,
    });
    expect(counts(await stage(a.rolloutId))).toEqual({
      succeeded: 2,
      failed: 0,
      rejected: 1,
      timedOut: 0,
      excluded: 1,
    });
    expect(counts(await stage(b.rolloutId))).toEqual(counts(await stage(a.rolloutId)));
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);

    // Five failures in a row: HALT at 95 % for p0 = 5 % — once the job (DescribeJob) agrees. Duplicates
    // of the deciding event wake nobody again.
    iot.on(DescribeJobCommand).resolves({
      job: {
        status: 'IN_PROGRESS',
        jobProcessDetails: {
          numberOfSucceededThings: 2,
          numberOfFailedThings: 5,
          numberOfRejectedThings: 1,
          numberOfCanceledThings: 1,
          numberOfQueuedThings: 41,
        },
      },
    });
    for (let i = 10; i < 15; i++)
      await tracker(terminalEvent(a.jobId, `thing-${i}`, 'FAILED', T0 + i * 1000), context);
    await tracker(terminalEvent(a.jobId, 'thing-14', 'FAILED', T0 + 14_000), context);
    await tracker(terminalEvent(a.jobId, 'thing-15', 'TIMED_OUT', T0 + 15_000), context);
    const wakes = sfn.commandCalls(SendTaskSuccessCommand);
    expect(wakes).toHaveLength(1);
    expect(wakes[0]?.args[0].input.taskToken).toBe('TOKEN-SECRET-ordered');
    // A wake-up only: the state machine's Reconcile decides on the job.
    expect(JSON.parse(String(wakes[0]?.args[0].input.output))).toEqual({
      wake: 'gate-estimate-conclusive',
      eventId: expect.any(String),
    });
    expect(iot.commandCalls(DescribeJobCommand).length).toBeGreaterThanOrEqual(1);

    // Reconcile: the decision on DescribeJob, audited with its evidence.
    const decided = await steps(
      {
        action: 'reconcile',
        rolloutId: a.rolloutId,
        stageIndex: 0,
        now: new Date(T0 + 16_000).toISOString(),
        executionId: executionOf(a.rolloutId),
      },
      context,
    );
    expect(decided).toMatchObject({ outcome: 'HALT', reason: 'RATE_ABOVE_THRESHOLD' });
    expect((await stage(a.rolloutId)).job).toMatchObject({ failed: 5, rejected: 1, queued: 41 });
    expect(await everything()).toContain('rollout.gate.changed');
  });
});

describe('rollout API', () => {
  it('starts idempotently, refuses the creator as approver, decides once, and never shows a token', async () => {
    // 100 things in the canary: all of them succeeding promotes.
    iot
      .on(ListThingsInThingGroupCommand)
      .resolves({ things: Array.from({ length: 100 }, (_, i) => `thing-${i}`) });
    const { rolloutId, created } = await startRollout('approvals', true);
    expect(created.statusCode).toBe(201);
    const again = await api(
      apiRequest('POST /rollouts', ALICE, {
        body: {
          plan: {
            name: 'approvals',
            document: { op: 'update' },
            stages: [
              { name: 'canary', targets: ['ring-canary'], approval: { required: true } },
              { name: 'fleet', targets: ['ring-fleet'] },
            ],
          },
        },
      }),
      context,
    );
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(String(again.body)).rolloutId).toBe(rolloutId);

    await passGate(rolloutId);
    await steps(
      {
        action: 'requestApproval',
        kind: 'promote',
        rolloutId,
        stageIndex: 0,
        token: 'TOKEN-SECRET-approval',
        now: new Date(T0 + 3_600_000).toISOString(),
        executionId: executionOf(rolloutId),
      },
      context,
    );
    expect(sns.commandCalls(PublishCommand).at(-1)?.args[0].input.Subject).toMatch(/^Approval needed/);

    const byCreator = await api(
      apiRequest('POST /rollouts/{id}/approve', ALICE, { id: rolloutId, body: { comment: 'lgtm' } }),
      context,
    );
    expect(byCreator.statusCode).toBe(403);
    // AWS busy when the decision is delivered: 503, the decision kept and its token parked again.
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    sfn.on(SendTaskSuccessCommand).rejects(throttled);
    const busy = await api(
      apiRequest('POST /rollouts/{id}/approve', BOB, {
        id: rolloutId,
        body: { comment: 'canary looks good' },
      }),
      context,
    );
    expect(busy.statusCode, String(busy.body)).toBe(503);
    expect((busy.headers as Record<string, string> | undefined)?.['retry-after']).toBe('1');
    sfn.on(SendTaskSuccessCommand).resolves({});
    const approved = await api(
      apiRequest('POST /rollouts/{id}/approve', BOB, {
        id: rolloutId,
        body: { comment: 'canary looks good' },
      }),
      context,
    );
    expect(approved.statusCode).toBe(200);
    // The gate's wake-up (the tracker, when the canary passed), then the approval.
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([
      'TOKEN-SECRET-approvals',
      'TOKEN-SECRET-approval',
      'TOKEN-SECRET-approval',
    ]);
    const twice = await api(
      apiRequest('POST /rollouts/{id}/reject', BOB, { id: rolloutId, body: { comment: 'oops' } }),
      context,
    );
    expect(twice.statusCode).toBe(409);

    const status = await api(apiRequest('GET /rollouts/{id}', BOB, { id: rolloutId }), context);
    expect(status.statusCode).toBe(200);
    const view = JSON.parse(String(status.body));
    expect(view.stages[0]).toMatchObject({
      jobId: `${rolloutId}-s0`,
      approvals: [{ status: 'APPROVED', decidedBy: BOB, comment: 'canary looks good' }],
    });
    const list = await api(apiRequest('GET /rollouts', BOB), context);
    expect(JSON.parse(String(list.body)).rollouts.map((r: { rolloutId: string }) => r.rolloutId)).toContain(
      rolloutId,
    );

    for (const text of [String(status.body), String(list.body), await everything()])
      expect(text).not.toContain('TOKEN-SECRET');
    const published = JSON.stringify(bus.commandCalls(PutEventsCommand).map((c) => c.args[0].input));
    expect(published).not.toContain('TOKEN-SECRET');
    expect(await everything()).toContain('"creator":"arn:aws:iam::123456789012:user/alice"');
  });

  it('answers typed errors: 400 invalid plan naming the field, 404 unknown, 409 wrong state', async () => {
    const invalid = await api(
      apiRequest('POST /rollouts', ALICE, { body: { name: 'x', document: {}, targets: ['g'], gate: {} } }),
      context,
    );
    expect(invalid.statusCode).toBe(400);
    expect(JSON.parse(String(invalid.body))).toMatchObject({
      error: 'InvalidPlanError',
      issues: [expect.stringMatching(/^\(plan\): unknown field\(s\) gate/)],
    });
    // JSON only: YAML plan files are converted by the CLI, so the function carries no YAML parser.
    for (const body of [
      'name: x\ndocument: {}\ntargets: [g]',
      { plan: 'name: x\ndocument: {}\ntargets: [g]' },
    ]) {
      const yaml = await api(apiRequest('POST /rollouts', ALICE, { body }), context);
      expect(yaml.statusCode).toBe(400);
      expect(JSON.parse(String(yaml.body))).toMatchObject({
        error: 'InvalidPlanError',
        issues: [expect.stringMatching(/^\(plan\): the body must be JSON/)],
      });
    }
    expect(
      (await api(apiRequest('GET /rollouts/{id}', BOB, { id: 'nope-00000000' }), context)).statusCode,
    ).toBe(404);
    const { rolloutId } = await startRollout('controls');
    expect(
      (await api(apiRequest('POST /rollouts/{id}/resume', BOB, { id: rolloutId }), context)).statusCode,
    ).toBe(409);
    const paused = await api(
      apiRequest('POST /rollouts/{id}/pause', BOB, { id: rolloutId, body: { comment: 'investigating' } }),
      context,
    );
    expect(paused.statusCode).toBe(200);
    expect(sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input.error)).toEqual([
      'RolloutPaused',
    ]);
    const aborted = await api(apiRequest('POST /rollouts/{id}/abort', BOB, { id: rolloutId }), context);
    expect(aborted.statusCode).toBe(200);
    expect(
      (await api(apiRequest('POST /rollouts/{id}/abort', BOB, { id: rolloutId }), context)).statusCode,
    ).toBe(409);
  });
});
