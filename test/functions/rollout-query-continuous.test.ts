import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CancelJobCommand,
  CreateDynamicThingGroupCommand,
  CreateJobCommand,
  DeleteDynamicThingGroupCommand,
  DescribeJobCommand,
  DescribeThingGroupCommand,
  GetIndexingConfigurationCommand,
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
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../helpers/lambda';
import { startLocalDynamoDb } from '../helpers/local-dynamodb';
import { ALICE, apiRequest, BOB, ENV, executionOf, startedExecution } from './rollout-harness';

// Query stages and a continuous last stage through the real handlers (API, steps), IoT and Step
// Functions mocked at the SDK, DynamoDB real (the local one, with its transactions).

const iot = mockClient(IoTClient);
const sfn = mockClient(SFNClient);
const bus = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
const cloudWatch = mockClient(CloudWatchClient);
type Handler = (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
let db: Awaited<ReturnType<typeof startLocalDynamoDb>>;
let docs: DynamoDBDocumentClient;
let api: Handler;
let steps: Handler;
const T0 = Date.UTC(2026, 0, 1);
const context = lambdaContext('rollout');
const QUERY = 'attributes.model:th200 AND connectivity.connected:true';
const FULL_INDEX = {
  thingIndexingConfiguration: {
    thingIndexingMode: 'REGISTRY_AND_SHADOW' as const,
    thingConnectivityIndexingMode: 'STATUS' as const,
  },
};

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
  for (const m of [iot, sfn, bus, sns, cloudWatch]) m.reset();
  iot.on(ListThingsInThingGroupCommand).resolves({ things: ['a', 'b'] });
  iot.on(CreateJobCommand).resolves({});
  iot.on(GetIndexingConfigurationCommand).resolves(FULL_INDEX);
  iot.on(CreateDynamicThingGroupCommand).resolves({});
  iot.on(DescribeThingGroupCommand).resolves({ status: 'ACTIVE', queryString: QUERY });
  iot.on(DeleteDynamicThingGroupCommand).resolves({});
  iot.on(CancelJobCommand).resolves({});
  sfn.on(StartExecutionCommand).callsFake(startedExecution);
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  sns.on(PublishCommand).resolves({});
});

const plan = (name: string, job: Record<string, unknown> = { targetSelection: 'CONTINUOUS' }) => ({
  name,
  document: { op: 'update' },
  stages: [{ name: 'online-th200', query: QUERY, job }],
});
const post = async (body: unknown) =>
  api(apiRequest('POST /rollouts', ALICE, { body }), context).then((r) => ({
    status: r.statusCode,
    body: JSON.parse(String(r.body)),
  }));
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const step = (action: string, rolloutId: string, extra: Record<string, unknown> = {}) =>
  steps(
    { action, rolloutId, stageIndex: 0, now: at(1), executionId: executionOf(rolloutId), ...extra },
    context,
  ) as Promise<Record<string, unknown>>;
const complete = (rolloutId: string) =>
  api(apiRequest('POST /rollouts/{id}/complete', BOB, { id: rolloutId, body: { comment: 'done' } }), context);
const actions = async (rolloutId: string) =>
  ((await docs.send(new ScanCommand({ TableName: 'AuditTable' }))).Items ?? [])
    .filter((i) => i.pk === `ROLLOUT#${rolloutId}`)
    .map((i) => i.action);
const job = (details: Record<string, number>) => ({
  job: { status: 'IN_PROGRESS' as const, targetSelection: 'CONTINUOUS' as const, jobProcessDetails: details },
});

describe('a stage that targets a fleet indexing query', () => {
  it('is refused (409) when the account index does not hold a field the query reads', async () => {
    iot
      .on(GetIndexingConfigurationCommand)
      .resolves({ thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY' } });
    const r = await post(plan('no-index'));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({
      error: 'FleetIndexFieldError',
      issues: [
        'stage online-th200: connectivity.connected needs connectivity indexing: thingConnectivityIndexingMode STATUS',
      ],
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('gets a tagged dynamic group its job targets, audited; a SNAPSHOT stage waits for the backfill', async () => {
    const { rolloutId } = (await post(plan('snap', { targetSelection: 'SNAPSHOT' }))).body;
    iot.on(DescribeThingGroupCommand).resolves({ status: 'BUILDING', queryString: QUERY });
    await expect(step('startStage', rolloutId)).rejects.toMatchObject({ name: 'DynamicGroupBuildingError' });
    expect(iot.commandCalls(CreateJobCommand)).toHaveLength(0);
    const group = `fleet-autopilot-${rolloutId}-s0`;
    expect(iot.commandCalls(CreateDynamicThingGroupCommand)[0]?.args[0].input).toMatchObject({
      thingGroupName: group,
      queryString: QUERY,
      tags: [
        { Key: 'managedBy', Value: 'fleet-autopilot' },
        { Key: 'fleet-autopilot:rollout', Value: rolloutId },
      ],
    });
    // The retry finds the same group (409, same query) once it is ACTIVE, and creates the job on it.
    iot
      .on(CreateDynamicThingGroupCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ResourceAlreadyExistsException' }));
    iot.on(DescribeThingGroupCommand).resolves({ status: 'ACTIVE', queryString: `${QUERY}\n` });
    await step('startStage', rolloutId);
    expect(iot.commandCalls(CreateJobCommand)[0]?.args[0].input.targets).toEqual([
      `arn:aws:iot:us-east-1:123456789012:thinggroup/${group}`,
    ]);
    expect(await actions(rolloutId)).toContain('rollout.query-group.created');
  });

  it('never takes over a group of its name with another query', async () => {
    const { rolloutId } = (await post(plan('taken'))).body;
    iot
      .on(CreateDynamicThingGroupCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ResourceAlreadyExistsException' }));
    iot.on(DescribeThingGroupCommand).resolves({ status: 'ACTIVE', queryString: 'thingName:*' });
    await expect(step('startStage', rolloutId)).rejects.toMatchObject({ name: 'QueryGroupConflictError' });
  });
});

describe('a continuous last stage', () => {
  it('is watched after its gate, completed on request (job cancelled without force), and gives back its group', async () => {
    const { rolloutId } = (await post(plan('watched'))).body;
    expect(await step('checkpoint', rolloutId)).toMatchObject({ next: 'start', continuous: true });
    await step('startStage', rolloutId);
    // Before the stage passed its gate, completing is refused.
    expect((await complete(rolloutId)).statusCode).toBe(409);
    iot.on(DescribeJobCommand).resolves(job({ numberOfSucceededThings: 150 }));
    // The gate promotes it after the bake (30 minutes); the state machine then starts the watch.
    expect(await step('reconcile', rolloutId, { now: at(40) })).toMatchObject({ outcome: 'PROMOTE' });
    expect(await step('startWatch', rolloutId)).toMatchObject({ next: 'watch', outcome: 'PROMOTE' });
    // A resume after a pause goes through Reconcile: a watched stage stays watched (no new gate decision).
    expect(await step('reconcile', rolloutId, { now: at(50) })).toMatchObject({
      outcome: 'PROMOTE',
      reason: 'WATCHING',
    });
    await step('awaitWatch', rolloutId, { token: 'TOKEN-SECRET-watch' });
    expect(await step('reconcileWatch', rolloutId)).toMatchObject({ next: 'watch' });
    await step('awaitWatch', rolloutId, { token: 'TOKEN-SECRET-watch-2' });
    const done = await complete(rolloutId);
    expect(done.statusCode, String(done.body)).toBe(200);
    expect(sfn.commandCalls(SendTaskSuccessCommand).at(-1)?.args[0].input.taskToken).toBe(
      'TOKEN-SECRET-watch-2',
    );
    expect((await complete(rolloutId)).statusCode).toBe(409);
    expect(await step('reconcileWatch', rolloutId)).toMatchObject({ next: 'complete' });
    iot.on(DescribeJobCommand).resolves(job({ numberOfSucceededThings: 180 }));
    expect(await step('completeContinuous', rolloutId)).toEqual({ nextStageIndex: 1 });
    expect(iot.commandCalls(CancelJobCommand)[0]?.args[0].input).toMatchObject({
      jobId: `${rolloutId}-s0`,
      force: false,
      reasonCode: 'ROLLOUT_COMPLETED',
    });
    await steps(
      { action: 'complete', rolloutId, stageIndex: 1, now: at(2), executionId: executionOf(rolloutId) },
      context,
    );
    expect(iot.commandCalls(DeleteDynamicThingGroupCommand)[0]?.args[0].input).toEqual({
      thingGroupName: `fleet-autopilot-${rolloutId}-s0`,
    });
    expect(await actions(rolloutId)).toEqual(
      expect.arrayContaining([
        'rollout.stage.watching',
        'rollout.complete.requested',
        'rollout.job.cancelled',
        'rollout.completed',
        'rollout.query-group.deleted',
      ]),
    );
    const view = JSON.parse(
      String((await api(apiRequest('GET /rollouts/{id}', BOB, { id: rolloutId }), context)).body),
    );
    expect(view.status).toBe('COMPLETED');
    expect(view.stages[0].gate.lastDecision).toMatchObject({
      outcome: 'PROMOTE',
      reason: 'COMPLETED',
      evidence: { succeeded: 180 },
    });
    expect(JSON.stringify(view)).not.toContain('TOKEN-SECRET');
  });

  it('still halts when devices that joined late fail', async () => {
    const { rolloutId } = (await post(plan('late-failures'))).body;
    await step('startStage', rolloutId);
    iot.on(DescribeJobCommand).resolves(job({ numberOfSucceededThings: 150 }));
    await step('startWatch', rolloutId);
    iot.on(DescribeJobCommand).resolves(job({ numberOfSucceededThings: 150, numberOfFailedThings: 40 }));
    expect(await step('reconcileWatch', rolloutId)).toMatchObject({ next: 'halt', outcome: 'HALT' });
  });

  it.each([
    ['halt', { next: 'halt', outcome: 'HALT', reason: 'FLEET_ALARM' }],
    ['pause', { next: 'watch', reason: 'FLEET_ALARM', waitSeconds: 1 }],
  ] as const)(
    "keeps watching the plan's fleet alarm: in ALARM it %ss the watched stage",
    async (action, expected) => {
      const body = plan(`watched-alarm-${action}`);
      const { rolloutId } = (
        await post({ ...body, defaults: { health: { alarms: { names: ['fleet-crash-rate'], action } } } })
      ).body;
      await step('startStage', rolloutId);
      iot.on(DescribeJobCommand).resolves(job({ numberOfSucceededThings: 150 }));
      cloudWatch.on(DescribeAlarmsCommand).resolves({
        MetricAlarms: [{ AlarmName: 'fleet-crash-rate', StateValue: 'OK' }],
      });
      await step('startWatch', rolloutId);
      cloudWatch.on(DescribeAlarmsCommand).resolves({
        MetricAlarms: [{ AlarmName: 'fleet-crash-rate', StateValue: 'ALARM', StateReason: 'crashes' }],
      });
      expect(await step('reconcileWatch', rolloutId, { now: at(90) })).toMatchObject(expected);
      expect(await actions(rolloutId)).toContain(
        action === 'halt' ? 'rollout.alarm.halting' : 'rollout.alarm.paused',
      );
    },
  );
});

describe('promotion and the fleet alarms of the plan', () => {
  it('does not promote while a plan alarm is in ALARM: the rollout pauses, and promotes once it is clear', async () => {
    const body = {
      name: 'alarm-at-promotion',
      document: { op: 'update' },
      defaults: { health: { alarms: { names: ['fleet-crash-rate'] } } },
      stages: [
        { name: 'first', query: QUERY, job: { targetSelection: 'SNAPSHOT' } },
        { name: 'second', query: QUERY, job: { targetSelection: 'SNAPSHOT' } },
      ],
    };
    const { rolloutId } = (await post(body)).body;
    await step('startStage', rolloutId);
    iot.on(DescribeJobCommand).resolves({
      job: {
        status: 'COMPLETED',
        targetSelection: 'SNAPSHOT',
        jobProcessDetails: { numberOfSucceededThings: 150 },
      },
    });
    const clear = { MetricAlarms: [{ AlarmName: 'fleet-crash-rate', StateValue: 'OK' as const }] };
    cloudWatch.on(DescribeAlarmsCommand).resolves(clear);
    expect(await step('reconcile', rolloutId, { now: at(40) })).toMatchObject({ outcome: 'PROMOTE' });
    // The alarm fires between the gate's decision and the promotion (an approval wait, say).
    cloudWatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'fleet-crash-rate', StateValue: 'ALARM', StateReason: 'crashes' }],
    });
    await expect(step('promote', rolloutId, { now: at(41) })).rejects.toMatchObject({
      name: 'FleetAlarmPausedError',
    });
    const paused = JSON.parse(
      String((await api(apiRequest('GET /rollouts/{id}', BOB, { id: rolloutId }), context)).body),
    );
    expect(paused).toMatchObject({ status: 'PAUSED', reason: 'fleet-alarm' });
    expect(paused.stages[0].status).toBe('RUNNING');
    expect(await actions(rolloutId)).toContain('rollout.alarm.paused');
    cloudWatch.on(DescribeAlarmsCommand).resolves(clear);
    const resumed = await api(
      apiRequest('POST /rollouts/{id}/resume', BOB, { id: rolloutId, body: {} }),
      context,
    );
    expect(resumed.statusCode, String(resumed.body)).toBe(200);
    expect(await step('promote', rolloutId, { now: at(50) })).toEqual({ nextStageIndex: 1 });
  });
});
