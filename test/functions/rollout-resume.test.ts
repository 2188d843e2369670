import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalDynamoDb, type LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { loadPackagedTemplate, tableDefinitions } from '../../local/template';
import { TEST_CREDENTIALS } from '../helpers/dynalite';
import { lambdaContext } from '../helpers/lambda';
import { ALICE, apiRequest, BOB, ENV, executionOf, terminalEvent } from './rollout-harness';

// Issue 17's resume with a fixed document through the real handlers (API, steps, tracker), on the
// local DynamoDB with its transactions (the stage's switch to a new attempt is one), AWS IoT and Step
// Functions mocked the way they answer.
const iot = mockClient(IoTClient);
const sfn = mockClient(SFNClient);
const bus = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
type Handler = (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
let db: LocalDynamoDb;
let docs: DynamoDBDocumentClient;
let api: Handler;
let steps: Handler;
let tracker: Handler;

const CAROL = 'arn:aws:iam::123456789012:user/carol';
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const context = lambdaContext('rollout');
const BAD = { operation: 'update', version: '2.4.0' };
const FIXED = { operation: 'update', version: '2.4.1' };
const THINGS = 100;

/** AWS IoT's jobs (DescribeJob's answer by job id) and the executions Step Functions started (by name). */
const jobs = new Map<string, Record<string, unknown>>();
const executions = new Map<string, string>();

beforeAll(async () => {
  db = await createLocalDynamoDb();
  const client = new DynamoDBClient({ endpoint: db.url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  for (const table of tableDefinitions(loadPackagedTemplate()).values())
    await client.send(new CreateTableCommand(table));
  docs = DynamoDBDocumentClient.from(client);
  Object.assign(process.env, ENV, { AWS_ENDPOINT_URL_DYNAMODB: db.url });
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
  jobs.clear();
  executions.clear();
  iot.on(DescribeThingGroupCommand).callsFake((input: { thingGroupName: string }) => ({
    thingGroupName: input.thingGroupName,
  }));
  iot
    .on(ListThingsInThingGroupCommand)
    .resolves({ things: Array.from({ length: THINGS }, (_, i) => `thing-${i}`) });
  iot.on(CreateJobCommand).callsFake((input: { jobId: string }) => {
    if (!jobs.has(input.jobId)) jobs.set(input.jobId, progress({ queued: THINGS }));
    return { jobId: input.jobId };
  });
  iot.on(DescribeJobCommand).callsFake((input: { jobId: string }) => ({ job: jobs.get(input.jobId) }));
  iot.on(CancelJobCommand).resolves({});
  // Step Functions: a name starts one execution; the same name again is ExecutionAlreadyExists
  // (what AWS answers once it closed, or for another input).
  sfn.on(StartExecutionCommand).callsFake((input: { name: string; input: string }) => {
    if (executions.has(input.name))
      throw Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists', $fault: 'client' });
    executions.set(input.name, input.input);
    return { executionArn: executionOf(input.name), startDate: new Date() };
  });
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  sns.on(PublishCommand).resolves({});
});

type Counts = { queued?: number; inProgress?: number; succeeded?: number; failed?: number };
const progress = (c: Counts, status = 'IN_PROGRESS') => ({
  status,
  jobProcessDetails: {
    numberOfQueuedThings: c.queued ?? 0,
    numberOfInProgressThings: c.inProgress ?? 0,
    numberOfSucceededThings: c.succeeded ?? 0,
    numberOfFailedThings: c.failed ?? 0,
  },
});

const body = (r: Record<string, unknown>) => JSON.parse(String(r.body)) as Record<string, unknown>;
const item = async (rolloutId: string, sk: string) =>
  (await docs.send(new GetCommand({ TableName: 'StateTable', Key: { pk: `ROLLOUT#${rolloutId}`, sk } })))
    .Item;
const audited = async (rolloutId: string, action: string) =>
  ((await docs.send(new ScanCommand({ TableName: 'AuditTable' }))).Items ?? []).filter(
    (r) => r.pk === `ROLLOUT#${rolloutId}` && r.action === action,
  );
const resume = (rolloutId: string, principal: string, payload: Record<string, unknown>) =>
  api(apiRequest('POST /rollouts/{id}/resume', principal, { id: rolloutId, body: payload }), context);

function stepsOf(rolloutId: string, execution = rolloutId) {
  return (action: string, stageIndex: number, at: number, extra: Record<string, unknown> = {}) =>
    steps(
      {
        action,
        rolloutId,
        stageIndex,
        now: new Date(at).toISOString(),
        executionId: executionOf(execution),
        ...extra,
      },
      context,
    );
}

/**
 * A two-stage rollout whose first stage halts on the job's failures (8 of 10 finished; 10 still
 * running, which a cancel without force lets finish; 80 never started).
 */
async function halted(name: string, extra: Record<string, unknown> = {}) {
  const plan = {
    name,
    document: BAD,
    stages: [
      { name: 'canary', targets: ['ring-canary'], approval: { required: true } },
      { name: 'fleet', targets: ['ring-fleet'] },
    ],
    ...extra,
  };
  const created = await api(apiRequest('POST /rollouts', ALICE, { body: plan }), context);
  expect(created.statusCode, String(created.body)).toBe(201);
  const rolloutId = String(body(created).rolloutId);
  const step = stepsOf(rolloutId);
  await step('checkpoint', 0, T0);
  await step('startStage', 0, T0);
  await step('awaitGate', 0, T0, { token: `TOKEN-${name}-0` });
  const jobId = `${rolloutId}-s0`;
  for (let i = 0; i < 10; i++)
    await tracker(terminalEvent(jobId, `thing-${i}`, i < 8 ? 'FAILED' : 'SUCCEEDED', T0 + MIN + i), context);
  jobs.set(jobId, progress({ failed: 8, succeeded: 2, inProgress: 10, queued: 80 }));
  const decided = await step('reconcile', 0, T0 + 2 * MIN);
  expect(decided).toMatchObject({ outcome: 'HALT' });
  await step('halt', 0, T0 + 2 * MIN, { state: { gate: decided } });
  jobs.set(jobId, progress({ failed: 8, succeeded: 2, inProgress: 10, queued: 80 }, 'CANCELED'));
  expect(await item(rolloutId, 'ROLLOUT')).toMatchObject({ status: 'HALTED', reason: 'gate-halt' });
  return { rolloutId, jobId };
}

describe('resume a halted rollout with a fixed document', () => {
  it('runs the halted stage again as a new attempt that counts only its own job, then promotes', async () => {
    const { rolloutId, jobId: oldJob } = await halted('resume-flow');
    const answer = await resume(rolloutId, BOB, { document: FIXED, comment: 'bootloader fixed in 2.4.1' });
    expect(answer.statusCode, String(answer.body)).toBe(200);
    // Named with a nonce nobody could know before: no one can take the name first.
    const execution = String(body(answer).execution);
    expect(execution).toMatch(new RegExp(`^${rolloutId}--r1-[0-9a-f]{8}$`));
    expect(body(answer)).toMatchObject({
      status: 'RUNNING',
      attempt: 1,
      execution,
      stageIndex: 0,
      stage: 'canary',
      jobId: `${rolloutId}-s0-a1`,
      warnings: [],
    });
    expect(body(answer).digest).not.toBe(body(answer).previousDigest);
    expect(JSON.parse(executions.get(execution) ?? '{}')).toEqual({ rolloutId, stageIndex: 0 });
    expect(await item(rolloutId, 'ROLLOUT')).toMatchObject({
      status: 'RUNNING',
      attempt: 1,
      executionArn: executionOf(execution),
      digest: body(answer).digest,
      plan: { document: FIXED },
    });

    // The old execution is no longer the rollout's: its steps are refused.
    await expect(stepsOf(rolloutId)('reconcile', 0, T0 + 3 * MIN)).rejects.toThrow(/foreign|did not start/);

    // The new execution: Checkpoint at the halted stage, StartStage keeps the halted attempt apart.
    const step = stepsOf(rolloutId, execution);
    const at = T0 + 60 * MIN;
    expect(await step('checkpoint', 0, at)).toMatchObject({ next: 'start' });
    await step('startStage', 0, at);
    await step('awaitGate', 0, at, { token: `TOKEN-resume-flow-1` });
    const newJob = `${rolloutId}-s0-a1`;
    const created = iot.commandCalls(CreateJobCommand).map((c) => c.args[0].input);
    expect(created.at(-1)).toMatchObject({ jobId: newJob, document: JSON.stringify(FIXED) });
    expect(await item(rolloutId, 'STAGE#000')).toMatchObject({
      jobId: newJob,
      attempt: 1,
      status: 'RUNNING',
      startedAt: at,
      succeeded: 0,
      failed: 0,
    });
    expect(await item(rolloutId, 'ATTEMPT#000#000')).toMatchObject({
      jobId: oldJob,
      status: 'HALTED',
      failed: 8,
      succeeded: 2,
      lastOutcome: 'HALT',
      archivedAt: at,
    });

    // The halted job's running devices report late, all failing: they count nowhere.
    for (let i = 10; i < 20; i++) {
      const late = await tracker(terminalEvent(oldJob, `thing-${i}`, 'FAILED', at + MIN + i), context);
      expect(late).toMatchObject({ result: 'unknown-stage' });
    }
    for (let i = 0; i < THINGS; i++)
      await tracker(terminalEvent(newJob, `thing-${i}`, 'SUCCEEDED', at + 2 * MIN + i), context);
    expect(await item(rolloutId, 'STAGE#000')).toMatchObject({ succeeded: THINGS, failed: 0 });
    expect(await item(rolloutId, 'ATTEMPT#000#000')).toMatchObject({ failed: 8, succeeded: 2 });

    // Its own bake: 30 minutes from the new attempt's start, on the new job alone.
    jobs.set(newJob, progress({ succeeded: THINGS }, 'COMPLETED'));
    expect(await step('reconcile', 0, at + 31 * MIN)).toMatchObject({ outcome: 'PROMOTE' });
    await step('requestApproval', 0, at + 31 * MIN, { kind: 'promote', token: 'TOKEN-approval' });
    // Whoever resumed it with a document may not approve it, nor may the creator.
    for (const who of [BOB, ALICE]) {
      const refused = await api(
        apiRequest('POST /rollouts/{id}/approve', who, { id: rolloutId, body: {} }),
        context,
      );
      expect(refused.statusCode, String(refused.body)).toBe(403);
    }
    const approved = await api(
      apiRequest('POST /rollouts/{id}/approve', CAROL, { id: rolloutId, body: { comment: 'ok' } }),
      context,
    );
    expect(approved.statusCode, String(approved.body)).toBe(200);
    expect(await step('promote', 0, at + 40 * MIN)).toEqual({ nextStageIndex: 1 });
    expect(await step('checkpoint', 1, at + 40 * MIN)).toMatchObject({ next: 'start' });
    await step('startStage', 1, at + 40 * MIN);
    expect(iot.commandCalls(CreateJobCommand).at(-1)?.args[0].input).toMatchObject({
      jobId: `${rolloutId}-s1`,
      document: JSON.stringify(FIXED),
    });

    const [record] = await audited(rolloutId, 'rollout.resumed.with-document');
    expect(record).toMatchObject({
      actor: BOB,
      details: {
        attempt: 1,
        execution,
        stageIndex: 0,
        haltReason: 'gate-halt',
        comment: 'bootloader fixed in 2.4.1',
        previousDigest: body(answer).previousDigest,
        digest: body(answer).digest,
        previousDocumentHash: body(answer).previousDocumentHash,
        documentHash: body(answer).documentHash,
        haltedAttempt: {
          attempt: 0,
          jobId: oldJob,
          job: { failed: 8, succeeded: 2, inProgress: 10 },
          events: { failed: 8, succeeded: 2 },
          decision: { outcome: 'HALT' },
        },
        nextAttempt: { attempt: 1, jobId: newJob },
        note: expect.stringMatching(/starts from zero.*kept apart/),
      },
    });
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject)).toContain(
      'Rollout resumed with a new document: resume-flow',
    );
    expect(
      bus
        .commandCalls(PutEventsCommand)
        .flatMap((c) => c.args[0].input.Entries ?? [])
        .map((e) => e.DetailType),
    ).toContain('RolloutResumedWithDocument');

    const view = body(await api(apiRequest('GET /rollouts/{id}', BOB, { id: rolloutId }), context)) as {
      attempt: number;
      resumes: unknown[];
      stages: { attempt: number; jobId: string; attempts: unknown[]; approvals: unknown[] }[];
    };
    expect(view.attempt).toBe(1);
    expect(view.resumes).toEqual([expect.objectContaining({ attempt: 1, execution, by: BOB })]);
    expect(view.stages[0]).toMatchObject({ attempt: 1, jobId: newJob, status: 'PROMOTED' });
    expect(view.stages[0]?.approvals).toEqual([
      expect.objectContaining({ status: 'APPROVED', decidedBy: CAROL }),
    ]);
    expect(view.stages[0]?.attempts).toEqual([
      expect.objectContaining({
        attempt: 0,
        jobId: oldJob,
        status: 'HALTED',
        events: expect.objectContaining({ failed: 8 }),
      }),
    ]);
  });

  it('answers a retried request with the same execution and refuses any other: never two executions', async () => {
    const { rolloutId } = await halted('resume-retry');
    const first = await resume(rolloutId, BOB, { document: FIXED });
    expect(first.statusCode).toBe(200);
    const again = await resume(rolloutId, BOB, { document: FIXED });
    expect(again.statusCode, String(again.body)).toBe(200);
    expect(body(again)).toEqual(body(first));
    for (const [who, payload] of [
      [CAROL, { document: FIXED }],
      [BOB, { document: { ...FIXED, version: '2.4.2' } }],
    ] as const) {
      const other = await resume(rolloutId, who, payload);
      expect(other.statusCode, String(other.body)).toBe(409);
    }
    expect([...executions.keys()].filter((n) => n.startsWith(rolloutId))).toEqual([
      rolloutId,
      String(body(first).execution),
    ]);
    expect(await audited(rolloutId, 'rollout.resumed.with-document')).toHaveLength(1);
    expect(await item(rolloutId, 'ROLLOUT')).toMatchObject({
      attempt: 1,
      resumes: [expect.objectContaining({ by: BOB })],
    });
  });

  it('lets no Halt of the old execution undo a resume recorded while it ran (a retried Halt)', async () => {
    const { rolloutId, jobId } = await halted('resume-fenced-halt');
    expect((await resume(rolloutId, BOB, { document: FIXED })).statusCode).toBe(200);
    const resumed = await item(rolloutId, 'ROLLOUT');
    const { haltStage } = await import('../../shared/services/rollout-outcomes');
    const { rolloutConfigSchema, rolloutDeps } = await import('../../functions/wiring/rollout');
    const { loadConfig } = await import('../../shared/config');
    const deps = rolloutDeps(loadConfig(rolloutConfigSchema, process.env), 'function:rollout-steps');
    // The old execution passed its check before the resume landed, and halts again (a retry).
    const again = await haltStage(
      deps,
      rolloutId,
      0,
      { gate: { outcome: 'HALT' } },
      T0 + 2 * MIN,
      executionOf(rolloutId),
    );
    expect(again).toEqual({ fenced: true });
    expect(await item(rolloutId, 'ROLLOUT')).toMatchObject({
      status: resumed?.status,
      executionArn: resumed?.executionArn,
      attempt: 1,
    });
    expect(jobId).toBe(`${rolloutId}-s0`);
  });

  it('refuses the creator a new document in a plan with approvals (four-eyes on the document itself)', async () => {
    const { rolloutId } = await halted('resume-creator');
    const byCreator = await resume(rolloutId, ALICE, { document: FIXED });
    expect(byCreator.statusCode, String(byCreator.body)).toBe(403);
    expect(String(byCreator.body)).toContain('another person resumes it');
    expect(
      executions.has(rolloutId) && [...executions.keys()].filter((n) => n.startsWith(rolloutId)),
    ).toEqual([rolloutId]);
    expect((await resume(rolloutId, BOB, { document: FIXED })).statusCode).toBe(200);
  });

  it('refuses what a fixed document does not answer, and documents that are not fixed ones', async () => {
    const { rolloutId } = await halted('resume-refusals');
    const refused = async (payload: Record<string, unknown>, status: number, pattern: RegExp) => {
      const r = await resume(rolloutId, BOB, payload);
      expect(r.statusCode, String(r.body)).toBe(status);
      expect(String(r.body)).toMatch(pattern);
    };
    await refused({ document: BAD }, 400, /the document the halted stage ran/);
    await refused({ document: 'update' }, 400, /InvalidPlanError.*must be an object/);
    await refused({ document: FIXED, documentSource: 's3://fleet-firmware-artifacts/k' }, 400, /exactly one/);
    await refused(
      { document: { url: 'https://evil.example.com/fw.bin' } },
      400,
      /host evil.example.com is not allowed/,
    );
    await refused(
      { documentSource: 's3://other-bucket/fw.json' },
      400,
      /S3 bucket \\"other-bucket\\" is not allowed/,
    );
    await refused({ document: FIXED, force: true }, 400, /InvalidRequestError/);
    // Without a document a halted rollout stays halted, and the answer says how to go on.
    await refused({ comment: 'go' }, 409, /fixed document/);
    for (const reason of ['promotion-refused', 'approval-expired']) {
      await docs.send(
        new UpdateCommand({
          TableName: 'StateTable',
          Key: { pk: `ROLLOUT#${rolloutId}`, sk: 'ROLLOUT' },
          UpdateExpression: 'SET reason = :r',
          ExpressionAttributeValues: { ':r': reason },
        }),
      );
      await refused(
        { document: FIXED },
        409,
        reason === 'promotion-refused' ? /task token/ : /nobody judged/,
      );
    }
    expect([...executions.keys()].filter((n) => n.startsWith(`${rolloutId}--`))).toEqual([]);
    expect(await item(rolloutId, 'ROLLOUT')).toMatchObject({ status: 'HALTED' });
  });

  it('keeps the resume of a paused rollout as it was, and refuses it a document', async () => {
    const created = await api(
      apiRequest('POST /rollouts', ALICE, {
        body: {
          name: 'resume-paused',
          document: BAD,
          targets: ['ring-canary'],
          defaults: { gate: { onInconclusive: 'halt' } },
        },
      }),
      context,
    );
    const rolloutId = String(body(created).rolloutId);
    expect(
      (await api(apiRequest('POST /rollouts/{id}/pause', BOB, { id: rolloutId }), context)).statusCode,
    ).toBe(200);
    const withDocument = await resume(rolloutId, BOB, { document: FIXED });
    expect(withDocument.statusCode, String(withDocument.body)).toBe(400);
    expect(String(withDocument.body)).toMatch(/PAUSED: resume it without a document/);
    const plain = await resume(rolloutId, BOB, { comment: 'go on' });
    expect(plain.statusCode).toBe(200);
    expect(await item(rolloutId, 'ROLLOUT')).toMatchObject({ status: 'RUNNING', plan: { document: BAD } });
  });

  it('waits for the halted attempt rollback to end before a new execution starts', async () => {
    const { rolloutId } = await halted('resume-rollback', {
      rollback: { document: { operation: 'install', version: '2.3.7' } },
    });
    const rollback = (state: string) =>
      docs.send(
        new PutCommand({
          TableName: 'StateTable',
          Item: {
            pk: `ROLLOUT#${rolloutId}`,
            sk: 'ROLLBACK',
            rolloutId,
            trigger: 'halt',
            stageIndex: 0,
            stageIndexes: [0],
            groupName: `fleet-autopilot-rollback-${rolloutId}`,
            jobId: `${rolloutId}-rb0`,
            state,
            startedAt: T0,
            fill: { stage: 1, page: 1 },
            added: 2,
          },
        }),
      );
    expect((await resume(rolloutId, BOB, { document: FIXED })).statusCode).toBe(409);
    await rollback('RUNNING');
    const running = await resume(rolloutId, BOB, { document: FIXED });
    expect(running.statusCode).toBe(409);
    expect(String(running.body)).toMatch(/rollback is RUNNING/);
    // A rollback that FAILED with its job still running on the devices: a new attempt would race it.
    await docs.send(
      new PutCommand({
        TableName: 'StateTable',
        Item: {
          ...(await item(rolloutId, 'ROLLBACK')),
          state: 'FAILED',
          jobCreatedAt: T0 + 3 * MIN,
        },
      }),
    );
    jobs.set(`${rolloutId}-rb0`, progress({ succeeded: 1, inProgress: 1, queued: 0 }));
    const racing = await resume(rolloutId, BOB, { document: FIXED });
    expect(racing.statusCode, String(racing.body)).toBe(409);
    expect(String(racing.body)).toMatch(/still runs/);
    await rollback('COMPLETED');
    expect((await resume(rolloutId, BOB, { document: FIXED })).statusCode).toBe(200);
    const view = body(await api(apiRequest('GET /rollouts/{id}', BOB, { id: rolloutId }), context));
    // The new attempt has not halted: its rollback has not started; the earlier one is history.
    expect(view.rollback).toMatchObject({
      state: 'NOT_STARTED',
      earlier: [expect.objectContaining({ attempt: 0, state: 'COMPLETED', devices: 2 })],
    });
  });

  it('rolls a resumed attempt that halts again back with its own group and job, from the resumed stage', async () => {
    const { rolloutId } = await halted('resume-rollback-again', {
      rollback: { document: { operation: 'install', version: '2.3.7' } },
    });
    // The halted attempt's rollback ran to its end (the halted execution's steps, not replayed here).
    await docs.send(
      new PutCommand({
        TableName: 'StateTable',
        Item: {
          pk: `ROLLOUT#${rolloutId}`,
          sk: 'ROLLBACK',
          rolloutId,
          trigger: 'halt',
          stageIndex: 0,
          stageIndexes: [0],
          groupName: `fleet-autopilot-rollback-${rolloutId}`,
          jobId: `${rolloutId}-rb0`,
          state: 'COMPLETED',
          startedAt: T0,
          fill: { stage: 1, page: 1 },
          added: 2,
        },
      }),
    );
    const resumed = await resume(rolloutId, BOB, { document: FIXED });
    expect(resumed.statusCode).toBe(200);
    const step = stepsOf(rolloutId, String(body(resumed).execution));
    const at = T0 + 60 * MIN;
    await step('checkpoint', 0, at);
    await step('startStage', 0, at);
    const newJob = `${rolloutId}-s0-a1`;
    jobs.set(newJob, progress({ failed: 9, succeeded: 1, queued: 90 }));
    const decided = await step('reconcile', 0, at + 5 * MIN);
    expect(decided).toMatchObject({ outcome: 'HALT' });
    expect(await step('halt', 0, at + 5 * MIN, { state: { gate: decided } })).toEqual({ rollback: true });

    // AWS IoT: the new job's one success; rollback groups exist once made.
    const made = new Map<string, Set<string>>();
    iot.on(DescribeThingGroupCommand).callsFake((input: { thingGroupName: string }) => {
      if (input.thingGroupName.startsWith('fleet-autopilot-rollback-') && !made.has(input.thingGroupName))
        throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException', $fault: 'client' });
      return {
        thingGroupName: input.thingGroupName,
        thingGroupProperties: { attributePayload: { attributes: { managedBy: 'fleet-autopilot' } } },
      };
    });
    iot.on(CreateThingGroupCommand).callsFake((input: { thingGroupName: string }) => {
      made.set(input.thingGroupName, made.get(input.thingGroupName) ?? new Set());
      return { thingGroupName: input.thingGroupName };
    });
    iot.on(AddThingToThingGroupCommand).callsFake((input: { thingGroupName: string; thingName: string }) => {
      made.get(input.thingGroupName)?.add(input.thingName);
      return {};
    });
    iot.on(ListJobExecutionsForJobCommand).callsFake((input: { jobId: string }) => ({
      executionSummaries:
        input.jobId === newJob
          ? [
              {
                thingArn: 'arn:aws:iot:us-east-1:123456789012:thing/thing-42',
                jobExecutionSummary: { status: 'SUCCEEDED' },
              },
            ]
          : [],
    }));
    let answer = await step('startRollback', 0, at + 6 * MIN, { cursor: { stage: 0, page: 0 } });
    while (answer.next === 'fill')
      answer = await step('startRollback', 0, at + 6 * MIN, { cursor: answer.cursor });
    expect(answer).toMatchObject({ next: 'watch' });
    expect(iot.commandCalls(ListJobExecutionsForJobCommand).map((c) => c.args[0].input.jobId)).toEqual([
      newJob,
    ]);
    expect([...made.entries()].map(([g, things]) => [g, [...things]])).toEqual([
      [`fleet-autopilot-rollback-${rolloutId}-r1`, ['thing-42']],
    ]);
    expect(iot.commandCalls(CreateJobCommand).at(-1)?.args[0].input).toMatchObject({
      jobId: `${rolloutId}-rb1`,
      targets: [`arn:aws:iot:us-east-1:123456789012:thinggroup/fleet-autopilot-rollback-${rolloutId}-r1`],
    });
    expect(await item(rolloutId, 'ROLLBACK')).toMatchObject({
      attempt: 1,
      state: 'RUNNING',
      stageIndexes: [0],
    });
    expect(await item(rolloutId, 'ROLLBACK#000')).toMatchObject({
      jobId: `${rolloutId}-rb0`,
      state: 'COMPLETED',
    });
    expect(await audited(rolloutId, 'rollout.rollback.started')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ jobId: `${rolloutId}-rb1`, devices: 1 }),
      }),
    ]);
    expect(await audited(rolloutId, 'rollout.halted')).toHaveLength(2);
  });
});
