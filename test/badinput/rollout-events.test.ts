import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IoTClient } from '@aws-sdk/client-iot';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../functions/rollout-harness';
import { startDynalite } from '../helpers/dynalite';
import { lambdaContext } from '../helpers/lambda';
import { jobEventCases, stepCases, trackerCases } from './cases-events';
import { prototypePolluted } from './corpus';

// The rollout event entry points on dynalite: the job-events bridge audits what it rejects; the
// tracker and the state machine's task function throw a typed error (EventBridge/Lambda retry, then
// the tracker's DLQ; the state machine's Catch). None of them writes anything or calls AWS.
const iot = mockClient(IoTClient);
const sfn = mockClient(SFNClient);
const bus = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
type Handler = (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
let db: Awaited<ReturnType<typeof startDynalite>>;
let docs: DynamoDBDocumentClient;
let bridge: Handler;
let tracker: Handler;
let steps: Handler;

beforeAll(async () => {
  db = await startDynalite();
  docs = DynamoDBDocumentClient.from(db.client);
  Object.assign(process.env, ENV, { AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
  const load = async (name: string) =>
    ((await import(`../../functions/${name}`)) as { handler: Handler }).handler;
  [bridge, tracker, steps] = await Promise.all([
    load('job-events-bridge'),
    load('rollout-tracker'),
    load('rollout-steps'),
  ]);
});
afterAll(() => db.close());
beforeEach(() => {
  for (const m of [iot, sfn, bus, sns]) m.reset();
});

async function scan(table: string) {
  return (await docs.send(new ScanCommand({ TableName: table }))).Items ?? [];
}

function expectNoAwsCalls() {
  for (const m of [iot, sfn, bus, sns]) expect(m.calls()).toHaveLength(0);
}

describe('rollout entry points: malformed events', () => {
  it('job-events-bridge rejects every malformed IoT job event and audits it, publishing nothing', async () => {
    const cases = jobEventCases();
    for (let i = 0; i < cases.length; i += 10) {
      const chunk = cases.slice(i, i + 10);
      const results = await Promise.all(
        chunk.map((c) => bridge(c.value, lambdaContext('job-events-bridge'))),
      );
      results.forEach((result, j) => {
        expect(result.published, chunk[j]?.label).toBe(0);
        expect((result.rejected as string[]).length, chunk[j]?.label).toBeGreaterThan(0);
      });
    }
    expectNoAwsCalls();
    const { Items = [] } = await docs.send(
      new QueryCommand({
        TableName: 'AuditTable',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'INPUT#job-event' },
      }),
    );
    // Distinct cases may share an event id (mutations keep it): at least one record per distinct cause.
    expect(Items.length).toBeGreaterThan(0);
    for (const record of Items) {
      expect(record).toMatchObject({ action: 'input.rejected', outcome: 'rejected' });
      expect(record.details.reason).toMatch(/^job event: /);
      expect(JSON.stringify(record).length).toBeLessThan(20_000);
    }
    expect(await scan('StateTable')).toEqual([]);
    console.info(`job-events-bridge: ${cases.length} malformed cases`);
  });

  it('rollout-tracker throws ParseError for every malformed bus event, with no side effect', async () => {
    const cases = trackerCases();
    for (const c of cases) {
      await expect(tracker(c.value, lambdaContext('rollout-tracker')), c.label).rejects.toMatchObject({
        name: 'ParseError',
      });
    }
    expectNoAwsCalls();
    expect(await scan('StateTable')).toEqual([]);
    console.info(`rollout-tracker: ${cases.length} malformed cases`);
  });

  it('rollout-steps throws ParseError for every malformed task input, with no side effect', async () => {
    const cases = stepCases();
    for (const c of cases) {
      await expect(steps(c.value, lambdaContext('rollout-steps')), c.label).rejects.toMatchObject({
        name: 'ParseError',
      });
    }
    expectNoAwsCalls();
    expect(await scan('StateTable')).toEqual([]);
    expect(prototypePolluted()).toBe(false);
    console.info(`rollout-steps: ${cases.length} malformed cases`);
  });
});
